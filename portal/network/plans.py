"""Which commission plan applies to a publisher's conversion: the most specific terms win.

Order, most specific first: the publisher's active custom payout for the offer event, its active custom
payout for the whole offer, the offer event's own terms, the offer's default terms."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.network.models import (
    CustomPayout,
    Offer,
    OfferEvent,
    PayoutTerms,
    PayoutType,
    RevenueType,
)
from portal.sql import any_of


@dataclass(frozen=True)
class Plan:
    """The terms in force, and where they came from (shown to publishers and kept for audits)."""

    payout_type: PayoutType
    payout: Decimal
    payout_percent: Decimal
    revenue_type: RevenueType
    revenue: Decimal
    revenue_percent: Decimal
    source: str  # "custom_event", "custom_offer", "offer_event" or "offer"

    @classmethod
    def of(cls, terms: PayoutTerms, source: str) -> Plan:
        return cls(
            terms.payout_type,
            terms.payout,
            terms.payout_percent,
            terms.revenue_type,
            terms.revenue,
            terms.revenue_percent,
            source,
        )

    @property
    def is_custom(self) -> bool:
        return self.source.startswith("custom")


def custom_payouts(publisher_id: int, offer_ids: list[int]) -> dict[tuple[int, int | None], CustomPayout]:
    """The publisher's active custom payouts on these offers, keyed by (offer_id, offer_event_id)."""
    if not offer_ids:
        return {}
    rows = db.session.scalars(
        select(CustomPayout).where(
            CustomPayout.publisher_id == publisher_id,
            CustomPayout.offer_id.in_(offer_ids),
            CustomPayout.active.is_(True),
        )
    )
    return {(row.offer_id, row.offer_event_id): row for row in rows}


def choose_plan(
    offer: Offer,
    offer_event: OfferEvent | None,
    customs: dict[tuple[int, int | None], CustomPayout],
) -> Plan:
    """The plan for one conversion, given the publisher's custom payouts (from `custom_payouts`)."""
    if offer_event is not None and (custom := customs.get((offer.id, offer_event.id))) is not None:
        return Plan.of(custom, "custom_event")
    if (custom := customs.get((offer.id, None))) is not None:
        return Plan.of(custom, "custom_offer")
    if offer_event is not None:
        return Plan.of(offer_event, "offer_event")
    return Plan.of(offer, "offer")


def effective_plan(publisher_id: int, offer: Offer, offer_event: OfferEvent | None = None) -> Plan:
    return choose_plan(offer, offer_event, custom_payouts(publisher_id, [offer.id]))


def custom_payouts_by_publisher(
    publisher_ids: set[int], offer_ids: set[int]
) -> dict[int, dict[tuple[int, int | None], CustomPayout]]:
    """`custom_payouts` for many publishers at once (one query): publisher_id -> its custom payouts."""
    found: dict[int, dict[tuple[int, int | None], CustomPayout]] = {p: {} for p in publisher_ids}
    if not publisher_ids or not offer_ids:
        return found
    rows = db.session.scalars(
        select(CustomPayout).where(
            any_of(CustomPayout.publisher_id, sorted(publisher_ids)),
            any_of(CustomPayout.offer_id, sorted(offer_ids)),
            CustomPayout.active.is_(True),
        )
    )
    for row in rows:
        found[row.publisher_id][(row.offer_id, row.offer_event_id)] = row
    return found
