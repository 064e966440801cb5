"""The numbers on each role's dashboard, always scoped to what that role may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.conversions.models import Conversion, ConversionStatus
from portal.events.models import Event
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import Advertiser, Offer, Publisher
from portal.tracking.models import Click, ImpressionCount
from portal.types import utcnow


@dataclass
class Summary:
    clicks: int
    impressions: int
    conversions: int
    pending_conversions: int
    payout_by_currency: dict[str, Decimal]


def _summary(since: datetime, publisher_id: int | None = None, advertiser_id: int | None = None) -> Summary:
    clicks = select(func.count()).select_from(Click).where(Click.created_at >= since, Click.is_bot.is_(False))
    impressions = select(func.coalesce(func.sum(ImpressionCount.count), 0)).where(ImpressionCount.hour >= since)
    conversions = select(Conversion.status, Conversion.currency, func.count(), func.sum(Conversion.payout)).where(
        Conversion.created_at >= since
    )
    if publisher_id is not None:
        clicks = clicks.where(Click.publisher_id == publisher_id)
        impressions = impressions.where(ImpressionCount.publisher_id == publisher_id)
        conversions = conversions.where(Conversion.publisher_id == publisher_id)
    if advertiser_id is not None:
        offer_ids = select(Offer.id).where(Offer.advertiser_id == advertiser_id)
        clicks = clicks.where(Click.offer_id.in_(offer_ids))
        impressions = impressions.where(
            ImpressionCount.link_id.in_(select(TrackingLink.id).where(TrackingLink.offer_id.in_(offer_ids)))
        )
        conversions = conversions.where(Conversion.offer_id.in_(offer_ids))
    total = pending = 0
    payout: dict[str, Decimal] = {}
    for status, currency, count, amount in db.session.execute(conversions.group_by(Conversion.status, Conversion.currency)):
        total += count
        pending += count if status == ConversionStatus.PENDING else 0
        if status != ConversionStatus.REJECTED:
            payout[currency] = payout.get(currency, Decimal("0")) + (amount or Decimal("0"))
    return Summary(db.session.scalar(clicks), int(db.session.scalar(impressions)), total, pending, payout)


def last_30_days() -> datetime:
    return utcnow() - timedelta(days=30)


def network_overview() -> dict:
    since = last_30_days()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model).where(model.archived_at.is_(None)))
    return {
        "advertisers": count(Advertiser),
        "offers": count(Offer),
        "publishers": count(Publisher),
        "events": db.session.scalar(select(func.count()).select_from(Event).where(Event.received_at >= since)),
        "summary": _summary(since),
    }


def publisher_overview(publisher_id: int) -> dict:
    links = db.session.scalars(
        select(TrackingLink)
        .where(TrackingLink.publisher_id == publisher_id, TrackingLink.archived_at.is_(None))
        .order_by(TrackingLink.created_at.desc())
        .limit(10)
    ).all()
    return {"summary": _summary(last_30_days(), publisher_id=publisher_id), "links": links}


def advertiser_overview(advertiser_id: int) -> dict:
    offers = db.session.scalars(
        select(Offer).where(Offer.advertiser_id == advertiser_id, Offer.archived_at.is_(None)).order_by(Offer.name)
    ).all()
    events = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.advertiser_id == advertiser_id, Event.received_at >= last_30_days())
    )
    return {"summary": _summary(last_30_days(), advertiser_id=advertiser_id), "offers": offers, "events": events}
