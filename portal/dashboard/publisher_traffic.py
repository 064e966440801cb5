"""The traffic summary on the network admin's publisher page: clicks, conversions and links of the last 30 days,
added to the page through `publisher_page` (portal.signals) when the whole page is drawn."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce

from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import Publisher
from portal.network.reach import DataReach, data_reach
from portal.signals import publisher_page
from portal.tracking.models import Click
from portal.types import Money, utcnow

SUMMARY_DAYS = 30


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    conversions: int
    pending: Decimal
    approved: Decimal
    rejected: Decimal


@dataclass(frozen=True)
class TrafficSummary:
    days: int
    clicks: int
    unique_clicks: int
    conversions: int
    by_currency: list[CurrencyTotals]
    links: int
    live_links: int


def _sum_if(status: ConversionStatus):
    # Money stores scaled integers on SQLite: the coerced sum converts back to an exact Decimal on both.
    return type_coerce(func.coalesce(func.sum(case((Conversion.status == status, Conversion.payout), else_=0)), 0), Money)


def traffic_summary(publisher_id: int, reach: DataReach, days: int = SUMMARY_DAYS) -> TrafficSummary:
    """The last `days` days from the raw tables, on the offers within the viewer's `reach`; each query is bounded
    by (publisher_id, created_at), which the clicks and conversions indexes cover."""
    since = utcnow() - timedelta(days=days)
    clicks, unique = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Click.is_unique.is_(True), 1), else_=0)), 0))
        .where(Click.publisher_id == publisher_id, Click.created_at >= since, Click.is_bot.is_(False))
        .where(reach.offers(Click.offer_id))
    ).one()
    rows = db.session.execute(
        select(
            Conversion.currency,
            func.count(),
            _sum_if(ConversionStatus.PENDING),
            _sum_if(ConversionStatus.APPROVED),
            _sum_if(ConversionStatus.REJECTED),
        )
        .where(Conversion.publisher_id == publisher_id, Conversion.created_at >= since)
        .where(reach.offers(Conversion.offer_id))
        .group_by(Conversion.currency)
        .order_by(Conversion.currency)
    ).all()
    by_currency = [CurrencyTotals(*row) for row in rows]
    links, live = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((TrackingLink.archived_at.is_(None), 1), else_=0)), 0))
        .where(TrackingLink.publisher_id == publisher_id, reach.offers(TrackingLink.offer_id))
    ).one()
    return TrafficSummary(days, int(clicks), int(unique), sum(t.conversions for t in by_currency), by_currency, int(links), int(live))


@publisher_page.connect
def _on_publisher_page(publisher: Publisher, *, viewer, redrawn: str | None, state: dict) -> dict:
    """The summary is on the whole page only: a section redrawn alone never shows it."""
    return {} if redrawn else {"summary": traffic_summary(publisher.id, data_reach(viewer))}
