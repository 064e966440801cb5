"""The numbers on each role's dashboard, always scoped to what that role may see (staff: their reach)."""
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
from portal.network.reach import DataReach
from portal.tracking.models import Click, ImpressionCount
from portal.types import utcnow


@dataclass
class Summary:
    clicks: int
    impressions: int
    conversions: int
    pending_conversions: int
    payout_by_currency: dict[str, Decimal]


def _summary(since: datetime, reach: DataReach) -> Summary:
    """The figures of the publishers and advertisers in `reach` (a publisher's or advertiser's own is one of them)."""
    clicks = select(func.count()).select_from(Click).where(
        Click.created_at >= since, Click.is_bot.is_(False),
        reach.publishers(Click.publisher_id), reach.offers(Click.offer_id),
    )
    impressions = select(func.coalesce(func.sum(ImpressionCount.count), 0)).where(
        ImpressionCount.hour >= since, reach.publishers(ImpressionCount.publisher_id)
    )
    if reach.advertiser_ids is not None:
        links = select(TrackingLink.id).where(reach.offers(TrackingLink.offer_id))
        impressions = impressions.where(ImpressionCount.link_id.in_(links))
    conversions = select(Conversion.status, Conversion.currency, func.count(), func.sum(Conversion.payout)).where(
        Conversion.created_at >= since, reach.publishers(Conversion.publisher_id), reach.offers(Conversion.offer_id)
    )
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


def network_overview(reach: DataReach) -> dict:
    """The network's figures, or those of the publishers and advertisers in a staff user's reach."""
    since = last_30_days()

    def count(model, within) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.archived_at.is_(None), within))

    events = select(func.count()).select_from(Event).where(
        Event.received_at >= since, reach.publishers(Event.publisher_id), reach.advertisers(Event.advertiser_id)
    )
    return {
        "advertisers": count(Advertiser, reach.advertisers(Advertiser.id)),
        "offers": count(Offer, reach.advertisers(Offer.advertiser_id)),
        "publishers": count(Publisher, reach.publishers(Publisher.id)),
        "events": db.session.scalar(events),
        "summary": _summary(since, reach),
    }


def publisher_overview(publisher_id: int) -> dict:
    links = db.session.scalars(
        select(TrackingLink)
        .where(TrackingLink.publisher_id == publisher_id, TrackingLink.archived_at.is_(None))
        .order_by(TrackingLink.created_at.desc())
        .limit(10)
    ).all()
    return {"summary": _summary(last_30_days(), DataReach(publisher_ids=frozenset({publisher_id}))), "links": links}


def advertiser_overview(advertiser_id: int) -> dict:
    offers = db.session.scalars(
        select(Offer).where(Offer.advertiser_id == advertiser_id, Offer.archived_at.is_(None)).order_by(Offer.name)
    ).all()
    events = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.advertiser_id == advertiser_id, Event.received_at >= last_30_days())
    )
    summary = _summary(last_30_days(), DataReach(advertiser_ids=frozenset({advertiser_id})))
    return {"summary": summary, "offers": offers, "events": events}
