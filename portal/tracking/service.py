"""The click and impression verbs: validate, decide, and record — buffered in Redis, or straight to the
database when Redis cannot be reached. A click is never lost and never fails the redirect."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from uuid_utils.compat import uuid7

from portal.extensions import db
from portal.tracking import buffer
from portal.tracking.jobs import store_clicks, store_impressions
from portal.tracking.models import Click

if TYPE_CHECKING:
    from portal.tracking.targets import LinkTarget

log = logging.getLogger("tracklane.tracking")

@dataclass(frozen=True)
class ClickRequest:
    subs: dict[str, str]
    relative_path: str
    user_agent: str
    referrer: str
    ip: str
    country: str
    purpose: str = ""
    subs_truncated: bool = False  # a sub ID was longer than MAX_SUB_LENGTH and was cut to it


def hash_ip(ip: str, secret: str | None = None) -> str:
    """A keyed hash of the visitor's IP: enough to tell repeats apart, never the address itself.
    `secret` is the app's secret key (default: the current app's)."""
    keyed = _ip_hmac(secret if secret is not None else current_app.secret_key).copy()
    keyed.update(ip.encode())
    return keyed.hexdigest()


@lru_cache(maxsize=4)
def _ip_hmac(secret: str) -> hmac.HMAC:
    """The keyed HMAC before any input, copied for each IP: the key is padded and hashed in once."""
    return hmac.new(hashlib.sha256(b"tracklane-ip:" + secret.encode()).digest(), digestmod=hashlib.sha256)


def redirect_url(destination: str, relative_path: str, click_id: str | None) -> str:
    """The destination with `relative_path` appended to its path and `click_id` added to its own query,
    which is otherwise kept exactly as the advertiser wrote it (a `click_id` already there is replaced)."""
    parts = urlsplit(destination)
    path = parts.path
    if relative_path:
        path = path.rstrip("/") + "/" + relative_path.lstrip("/")
    query = parts.query
    if click_id:
        kept = [pair for pair in query.split("&") if pair and pair.split("=", 1)[0] != "click_id"]
        query = "&".join([*kept, f"click_id={quote(click_id, safe='')}"])
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def is_blocked(target: LinkTarget, subs: dict[str, str]) -> bool:
    return any(value and value in target.blocked_sub_ids for value in subs.values())


def record_click(
    app: Flask, target: LinkTarget, visit: ClickRequest, *, bot: bool, blocked: bool, now: datetime | None = None
) -> uuid.UUID:
    """Log one click and return its id; Redis first, the database if Redis is unreachable.

    Needs no app context, which the hot path would pay for on every click: `app` holds the secret key
    and the Redis client, and the database fallback opens a context of its own."""
    click_id = uuid7()
    ip_hash = hash_ip(visit.ip, app.secret_key)
    row = {
        "click_id": str(click_id),
        "link_id": target.id,
        "publisher_id": target.publisher_id,
        "offer_id": target.offer_id,
        "creative_id": target.creative_id,
        "marketing_source_id": target.marketing_source_id,
        **visit.subs,
        "country": visit.country,
        "user_agent": visit.user_agent[:512],
        "referrer": visit.referrer[:1024],
        "ip_hash": ip_hash,
        "is_bot": bot,
        "is_blocked": blocked,
        "subs_truncated": visit.subs_truncated,
        "created_at": (now or datetime.now(UTC)).isoformat(),
    }
    try:
        buffer.push_click(app, json.dumps(row, separators=(",", ":")))
    except RedisError:
        log.warning("Redis unreachable; click %s written straight to the database", click_id)
        with app.app_context():
            _write_click_now(row, human=not bot)
    return click_id


def _write_click_now(row: dict, human: bool) -> None:
    created = datetime.fromisoformat(row["created_at"])
    earlier = None
    if human:
        earlier = db.session.scalar(
            select(Click.click_id).where(
                Click.link_id == row["link_id"],
                Click.ip_hash == row["ip_hash"],
                Click.is_bot.is_(False),
                Click.created_at > created - timedelta(seconds=buffer.UNIQUE_WINDOW_SECONDS),
            ).limit(1)
        )
    store_clicks([{**row, "is_unique": human and earlier is None}])
    db.session.commit()


def hour_epoch(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600 * 3600


def record_impression(
    app: Flask, creative_id: int, link_id: int | None, publisher_id: int | None, now: datetime | None = None
) -> None:
    """Count one impression; needs no app context (see `record_click`). Without a link and publisher it
    is counted as unattributed for its creative: the same one HINCRBY, under link and publisher 0."""
    hour = hour_epoch(now or datetime.now(UTC))
    link_id, publisher_id = (link_id, publisher_id) if link_id and publisher_id else (0, 0)
    try:
        buffer.count_impression(app, buffer.impression_field(creative_id, link_id, publisher_id, hour))
    except RedisError:
        log.warning("Redis unreachable; impression written straight to the database")
        with app.app_context():
            store_impressions({(creative_id, link_id, publisher_id, hour): 1})
            db.session.commit()
