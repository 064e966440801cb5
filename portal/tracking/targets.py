"""What the hot path needs to know about a link or creative, cached briefly in the process."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.creatives.models import Creative
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import LandingPage, Offer, Publisher, PublisherStatus
from portal.ops.errors import database_unavailable
from portal.subids.models import BlockedSubId

CACHE_SECONDS = 10.0
STALE_SECONDS = 3600.0  # how long past its expiry an entry may still answer while the database is unavailable
log = logging.getLogger("tracklane.tracking")


@dataclass(frozen=True)
class LinkTarget:
    id: int
    publisher_id: int
    offer_id: int
    creative_id: int | None
    marketing_source_id: int | None
    destination: str
    fallback_url: str
    live: bool  # false when the link, its offer or its landing page is archived or paused, or its publisher is not Active
    blocked_sub_ids: frozenset[str]


@dataclass(frozen=True)
class CreativeTarget:
    id: int
    offer_id: int


def _cache(app: Flask) -> dict:
    return app.extensions.setdefault("tracklane.tracking_cache", {})


def cached_target(app: Flask, kind: str, public_id: str) -> tuple[bool, LinkTarget | CreativeTarget | None]:
    """(True, the cached value) while a fresh entry exists — the value may be None for an unknown id —
    else (False, None). Reads only the cache: no app context, no database."""
    hit = _cache(app).get((kind, public_id))
    if hit and hit[0] > time.monotonic():
        return True, hit[1]
    return False, None


def _cached(kind: str, public_id: str, load):
    if "\x00" in public_id:
        return None  # in no public id, and PostgreSQL refuses it in a query: unknown without asking
    app = current_app._get_current_object()
    hit, value = cached_target(app, kind, public_id)
    if hit:
        return value
    cache = _cache(app)
    try:
        value = load()
    except SQLAlchemyError as failed:
        # While the database is down, a link seen in the last hour keeps sending visitors on (a lost redirect
        # is a lost visitor); its click waits in Redis like any other.
        stale = cache.get((kind, public_id))
        if stale is None or stale[0] + STALE_SECONDS < time.monotonic() or not database_unavailable(failed):
            raise
        log.warning("database unavailable: %s %s served from a stale cache entry", kind, public_id)
        return stale[1]
    if len(cache) > 50_000:  # bounded: a flood of random ids must not grow memory without end
        cache.clear()
    cache[(kind, public_id)] = (time.monotonic() + CACHE_SECONDS, value)
    return value


def clear_cache() -> None:
    _cache(current_app).clear()


def _load_link(public_id: str) -> LinkTarget | None:
    row = db.session.execute(
        select(TrackingLink, Offer, LandingPage, Publisher.status, Publisher.archived_at)
        .join(Offer, Offer.id == TrackingLink.offer_id)
        .join(Publisher, Publisher.id == TrackingLink.publisher_id)
        .outerjoin(LandingPage, LandingPage.id == TrackingLink.landing_page_id)
        .where(TrackingLink.public_id == public_id)
    ).first()
    if row is None:
        return None
    link, offer, page, publisher_status, publisher_archived_at = row
    blocked = db.session.scalars(
        select(BlockedSubId.sub_id).where(
            BlockedSubId.publisher_id == link.publisher_id, BlockedSubId.offer_id == link.offer_id
        )
    ).all()
    live = link.archived_at is None and offer.archived_at is None and offer.active
    # A Pending, Suspended or archived publisher's links stop like a paused offer's (portal/network/publishers/service.py).
    live = live and publisher_status == PublisherStatus.ACTIVE and publisher_archived_at is None
    if page is not None:
        live = live and page.archived_at is None
    destination = (page.url if page is not None else "") or link.destination_url or offer.destination_url
    return LinkTarget(
        id=link.id,
        publisher_id=link.publisher_id,
        offer_id=link.offer_id,
        creative_id=link.creative_id,
        marketing_source_id=link.marketing_source_id,
        destination=destination,
        fallback_url=offer.fallback_url,
        live=live,
        blocked_sub_ids=frozenset(blocked),
    )


def _load_creative(public_id: str) -> CreativeTarget | None:
    row = db.session.execute(
        select(Creative.id, Creative.offer_id).where(Creative.public_id == public_id, Creative.archived_at.is_(None))
    ).first()
    return CreativeTarget(*row) if row else None


def link_target(public_id: str) -> LinkTarget | None:
    return _cached("link", public_id, lambda: _load_link(public_id))


def creative_target(public_id: str) -> CreativeTarget | None:
    return _cached("creative", public_id, lambda: _load_creative(public_id))
