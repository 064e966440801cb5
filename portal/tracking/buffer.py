"""The Redis side of the hot path: clicks go to a stream, impressions to per-hour counters.

The hot path only appends; whether a click is its visitor's first on that link within 24 hours is decided
when the stream is flushed (`claim_unique`), which keeps each click down to one plain Redis command."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from redis import Redis

from portal.queues import redis_connection, redis_url_for

CLICK_STREAM = "tracking:clicks"
CLICK_GROUP = "flushers"
CLICK_DEAD_LETTERS = "tracking:clicks:refused"
IMPRESSION_HASH = "tracking:impressions"
IMPRESSION_BATCHES = "tracking:impressions:batches"
UNIQUE_WINDOW_SECONDS = 24 * 3600


def tracking_redis(app: Flask) -> Redis:
    """The hot path's client, made in the worker process on its first click: short timeouts, so an
    unreachable Redis fails fast to the database, and one connection of its own rather than a pool,
    whose check-out costs a second system call per command (threads take turns on it)."""
    conn = app.extensions.get("tracklane.tracking_redis")
    if conn is None:
        with app.app_context():
            url = redis_url_for(redis_connection())
        conn = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0, single_connection_client=True)
        app.extensions["tracklane.tracking_redis"] = conn
    return conn


def unique_key(link_id: int, ip_hash: str) -> str:
    return f"tracking:uniq:{link_id}:{ip_hash}"


def claim_unique(conn: Redis, rows: list[dict], now: datetime | None = None) -> list[bool]:
    """For buffered clicks in arrival order: is each the first human click of its IP hash on its link
    within 24 hours? The visitor's slot keeps the click_id that took it, so deciding a batch again after
    a crashed flush gives the same answers. Bots never take a slot."""
    now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
    humans = [row for row in rows if not row["is_bot"]]
    pipe = conn.pipeline(transaction=False)
    for row in humans:
        key = unique_key(row["link_id"], row["ip_hash"])
        ends_ms = int(datetime.fromisoformat(row["created_at"]).timestamp() * 1000) + UNIQUE_WINDOW_SECONDS * 1000
        # A click flushed after its own window closed still holds the slot briefly, so a retry agrees.
        pipe.set(key, row["click_id"], nx=True, pxat=max(ends_ms, now_ms + 60_000))
        pipe.get(key)
    holders = iter(pipe.execute()[1::2]) if humans else iter(())
    return [False if row["is_bot"] else next(holders) == row["click_id"].encode() for row in rows]


def push_click(app: Flask, payload: str) -> None:
    """Buffer one click (a JSON row without its unique flag, which the flush decides): a plain XADD."""
    tracking_redis(app).xadd(CLICK_STREAM, {"c": payload})


def impression_field(creative_id: int, link_id: int, publisher_id: int, hour_epoch: int) -> str:
    return f"{creative_id}:{link_id}:{publisher_id}:{hour_epoch}"


def count_impression(app: Flask, field: str) -> None:
    tracking_redis(app).hincrby(IMPRESSION_HASH, field, 1)


def pending_clicks() -> int:
    """Clicks waiting in the buffer (shown as 'pending' until the next flush)."""
    return int(redis_connection().xlen(CLICK_STREAM))
