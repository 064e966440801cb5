"""The Redis side of the hot path: clicks go to a stream, impressions to per-hour counters."""
from __future__ import annotations

from flask import current_app
from redis import Redis

from portal.queues import redis_connection, redis_url_for

CLICK_STREAM = "tracking:clicks"
CLICK_GROUP = "flushers"
CLICK_DEAD_LETTERS = "tracking:clicks:refused"
IMPRESSION_HASH = "tracking:impressions"
IMPRESSION_BATCHES = "tracking:impressions:batches"
UNIQUE_WINDOW_SECONDS = 24 * 3600

# One round trip: claim the 24 h uniqueness slot (humans only) and append the click with the answer.
_PUSH_CLICK = """
local unique = '0'
if ARGV[2] == '1' and redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then unique = '1' end
redis.call('XADD', KEYS[2], '*', 'c', ARGV[1], 'u', unique)
return unique
"""


def tracking_redis() -> Redis:
    """A client for the hot path with short timeouts, so an unreachable Redis fails fast to the database."""
    conn = current_app.extensions.get("tracklane.tracking_redis")
    if conn is None:
        conn = Redis.from_url(redis_url_for(redis_connection()), socket_connect_timeout=0.5, socket_timeout=1.0)
        current_app.extensions["tracklane.tracking_redis"] = conn
    return conn


def unique_key(link_id: int, ip_hash: str) -> str:
    return f"tracking:uniq:{link_id}:{ip_hash}"


def push_click(payload: str, link_id: int, ip_hash: str, human: bool) -> bool:
    """Buffer one click (JSON payload without the unique flag); return whether it is unique."""
    conn = tracking_redis()
    script = current_app.extensions.get("tracklane.push_click")
    if script is None:
        script = current_app.extensions["tracklane.push_click"] = conn.register_script(_PUSH_CLICK)
    unique = script(
        keys=[unique_key(link_id, ip_hash), CLICK_STREAM],
        args=[payload, "1" if human else "0", UNIQUE_WINDOW_SECONDS],
        client=conn,
    )
    return unique in (b"1", "1")


def impression_field(creative_id: int, link_id: int, publisher_id: int, hour_epoch: int) -> str:
    return f"{creative_id}:{link_id}:{publisher_id}:{hour_epoch}"


def count_impression(field: str) -> None:
    tracking_redis().hincrby(IMPRESSION_HASH, field, 1)


def pending_clicks() -> int:
    """Clicks waiting in the buffer (shown as 'pending' until the next flush)."""
    return int(redis_connection().xlen(CLICK_STREAM))
