"""What an event earns: its offer's terms and the publisher's plan, the duplicate rule, RevShare carry-over
and throttles, priced into conversion rows for `portal.conversions.service.record_conversions`."""
from __future__ import annotations

import functools
import logging
import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import String, bindparam, cast, exists, literal_column, select

from portal.conversions import commission
from portal.conversions.balances import Balance, lock_balances
from portal.conversions.models import Conversion, ConversionStatus
from portal.conversions.throttles import Throttling, load_throttles
from portal.events.models import AcceptedEvent
from portal.extensions import db
from portal.network.models import CustomPayout, CustomThrottle, Offer, OfferEvent, PayoutType, RevenueType
from portal.network.plans import Plan, choose_plan, custom_payouts_by_publisher
from portal.sql import any_of, any_of_param, dialect_name, run
from portal.subids.models import BlockedSubId
from portal.tracking.models import Click

CURRENCY_REASON = "event currency differs from the offer's: fixed part taken at face value"
log = logging.getLogger("tracklane.conversions")


def conversion_row(
    source_key: str,
    offer: Offer,
    offer_event: OfferEvent | None,
    publisher_id: int,
    payout_type: PayoutType,
    earned: commission.Earning,
    currency: str,
    status: ConversionStatus,
    reason: str,
    at: datetime,
    **refs,
) -> dict:
    """A row for `record_conversions`; `refs` are event_id, click_id, link_id, player_id."""
    return {
        "source_key": source_key,
        "event_id": refs.get("event_id"),
        "click_id": refs.get("click_id"),
        "link_id": refs.get("link_id"),
        "player_id": refs.get("player_id"),
        "publisher_id": publisher_id,
        "offer_id": offer.id,
        "offer_event_id": offer_event.id if offer_event is not None else None,
        "status": status,
        "rejection_reason": reason,
        "payout_type": payout_type,
        "payout": earned.payout,
        "revenue": earned.revenue,
        "currency": currency,
        "created_at": at,
        "updated_at": at,
        "paid_at": None,
    }


# Pricing reads the terms of the batch's offers and active offer events as plain values, not as ORM
# objects (a batch reads them once per event). `run` hands the two types back as text: `_typed` makes
# them enums again.
_ENUM_TERMS = {"payout_type": PayoutType, "revenue_type": RevenueType}
_TERMS = [("payout_type", PayoutType), ("payout", Decimal), ("payout_percent", Decimal),
          ("revenue_type", RevenueType), ("revenue", Decimal), ("revenue_percent", Decimal)]
_OfferTerms = NamedTuple("_OfferTerms", [
    ("id", int), ("currency", str), ("allow_duplicate_conversions", bool), ("manually_approve_conversions", bool), *_TERMS,
])
_EventTerms = NamedTuple("_EventTerms", [
    ("id", int), ("code", str), ("allow_multiple_events", bool), ("manually_approve_events", bool), *_TERMS,
])


class EventPricing:
    """What one batch of accepted events needs to be priced, loaded once (`load`); `convert` prices each event."""

    def __init__(self) -> None:
        self.offers: dict[int, _OfferTerms] = {}
        self.offer_events: dict[tuple[int, str], _EventTerms] = {}
        self.customs: dict = {}
        # (publisher, or None for one without custom payouts; offer event): the plan chosen once per batch
        self.plans: dict[tuple[int | None, int], Plan] = {}
        self.throttling = Throttling({})
        self.clicks: dict[uuid.UUID, tuple[tuple[str, ...], bool]] = {}
        self.blocked: dict[tuple[int, int], set[str]] = defaultdict(set)
        self.earlier: set[tuple[int, int]] = set()
        self.balances: dict[tuple[int, int, str], Balance] = {}

    @classmethod
    def load(cls, advertiser_id: int, events: list[AcceptedEvent]) -> EventPricing:
        """Read the terms, overrides, clicks and earlier earnings of these events in a few queries, and lock
        the RevShare balances they move."""
        pricing = cls()
        offer_ids = {e.offer_id for e in events}
        publisher_ids = {e.publisher_id for e in events}
        # The advertiser check is belt and braces: attribution only credits the advertiser's own offers.
        # Most publishers have no custom payouts, throttles or blocked sub IDs: the same query says which to read.
        customs = throttles = blocked = False
        split = len(_OfferTerms._fields)
        for row in run(_offers_statement(dialect_name()), {
            "advertiser_id": advertiser_id, "offer_ids": sorted(offer_ids), "publisher_ids": sorted(publisher_ids),
        }):
            offer, offer_event = _typed(_OfferTerms._make(row[:split])), _typed(_EventTerms._make(row[split:-3]))
            pricing.offers[offer.id] = offer
            pricing.offer_events[(offer.id, offer_event.code)] = offer_event
            customs, throttles, blocked = row[-3:]
        pricing.customs = custom_payouts_by_publisher(publisher_ids, offer_ids) if customs else {}
        pricing.throttling = Throttling(load_throttles(publisher_ids, offer_ids) if throttles else {})
        if blocked:
            for publisher_id, offer_id, sub_id in db.session.execute(
                select(BlockedSubId.publisher_id, BlockedSubId.offer_id, BlockedSubId.sub_id).where(
                    any_of(BlockedSubId.publisher_id, sorted(publisher_ids)), any_of(BlockedSubId.offer_id, sorted(offer_ids))
                )
            ):
                pricing.blocked[(publisher_id, offer_id)].add(sub_id)
        # Sub IDs matter only to blocked sub IDs and sub-specific throttles; a click flagged blocked when it
        # came in never attributed a player, so without either there is nothing to read.
        click_ids = sorted({e.click_id for e in events if e.click_id})
        if click_ids and (pricing.blocked or pricing.throttling.by_sub_id()):
            for row in db.session.execute(
                select(Click.click_id, Click.sub1, Click.sub2, Click.sub3, Click.sub4, Click.sub5, Click.is_blocked).where(
                    any_of(Click.click_id, click_ids)
                )
            ):
                pricing.clicks[row[0]] = (tuple(row[1:6]), row[6])
        # Earlier earnings matter only to the events whose offer event refuses a second conversion (and
        # never to chargebacks): only their players and offer events are looked up.
        checked = {
            offer_event.id for (offer_id, _), offer_event in pricing.offer_events.items()
            if not (pricing.offers[offer_id].allow_duplicate_conversions and offer_event.allow_multiple_events)
        }
        asked = {
            (e.player_id, offer_event.id) for e in events
            if e.player_id and e.type != commission.CHARGEBACK
            and (offer_event := pricing._offer_event(e.offer_id, e)) is not None and offer_event.id in checked
        }
        if asked:
            pricing.earlier = set(run(_earlier_statement(dialect_name()), {
                "players": sorted({player_id for player_id, _ in asked}),
                "offer_events": sorted({offer_event_id for _, offer_event_id in asked}),
            }))
        pricing.balances = lock_balances(
            {(e.publisher_id, e.offer_id, e.currency) for e in events if e.type == commission.REVENUE and e.currency}
        )
        return pricing

    def _offer_event(self, offer_id: int, event: AcceptedEvent) -> _EventTerms | None:
        if event.type == commission.CHARGEBACK:
            return self.offer_events.get((offer_id, commission.CHARGEBACK)) or self.offer_events.get((offer_id, "deposit"))
        return self.offer_events.get((offer_id, commission.offer_event_code(event.type, event.properties)))

    def convert(self, e: AcceptedEvent) -> dict | None:
        """The conversion row `e` earns (its status settled, or waiting for `throttling.apply`); None if none."""
        offer = self.offers.get(e.offer_id)
        offer_event = self._offer_event(e.offer_id, e) if offer is not None else None
        if offer_event is None:
            return None
        subs, blocked = self.clicks.get(e.click_id, (("",) * 5, False))
        if blocked or self.blocked[(e.publisher_id, e.offer_id)].intersection(s for s in subs if s):
            return None
        customs = self.customs.get(e.publisher_id)
        plan_key = (e.publisher_id if customs else None, offer_event.id)
        plan = self.plans.get(plan_key)
        if plan is None:
            plan = self.plans[plan_key] = choose_plan(offer, offer_event, customs or {})
        if plan.payout_type in (PayoutType.CPC, PayoutType.CPM):
            return None  # paid per click / per thousand impressions at flush time, never per event
        chargeback = e.type == commission.CHARGEBACK
        key = (e.player_id, offer_event.id)
        duplicate = (
            not chargeback
            and e.player_id is not None
            and key in self.earlier
            and not (offer.allow_duplicate_conversions and offer_event.allow_multiple_events)
        )
        if chargeback:
            if e.amount is None:
                return None
            earned = commission.clawback(plan, e.amount)
            if not earned.payout and not earned.revenue:
                return None
        elif plan.payout_type is PayoutType.REVSHARE:
            if e.type != commission.REVENUE or e.amount is None:
                return None
            base = self._ngr_base(e) if not duplicate else max(e.amount, commission.ZERO)
            if base <= 0:
                return None
            earned = commission.earning(plan, base)
        else:
            earned = commission.earning(plan, e.amount)
        by_amount = commission.uses_amount(plan) and e.currency is not None
        currency = e.currency if by_amount else offer.currency
        if not chargeback and e.player_id is not None:
            self.earlier.add(key)
        row = conversion_row(
            f"event:{e.event_id}", offer, offer_event, e.publisher_id, plan.payout_type, earned, currency,
            ConversionStatus.REJECTED, commission.DUPLICATE_REASON, e.occurred_at,
            event_id=e.event_id, click_id=e.click_id, link_id=e.link_id, player_id=e.player_id,
        )
        if not duplicate:  # a duplicate stays rejected and does not count against a throttle
            mixed = by_amount and e.currency != offer.currency and commission.has_fixed_part(plan)
            manual = offer.manually_approve_conversions or offer_event.manually_approve_events
            self.throttling.settle(row, offer_event.id, subs, manual, CURRENCY_REASON if mixed else "")
        return row

    def _ngr_base(self, e: AcceptedEvent) -> Decimal:
        balance = self.balances[(e.publisher_id, e.offer_id, e.currency)]
        base, balance.carried = commission.carry_over(balance.carried, e.amount)
        if balance.carried == commission.CARRY_FLOOR:
            log.error("revshare balance at its limit publisher_id=%s offer_id=%s currency=%s event_id=%s: "
                      "a deficit beyond %s is not carried", e.publisher_id, e.offer_id, e.currency, e.event_id,
                      commission.CARRY_FLOOR)
        return base


@functools.cache
def _earlier_statement(dialect: str):
    """The (player, offer event) pairs among `players` and `offer_events` that earned already; built once."""
    table = Conversion.__table__
    return select(table.c.player_id, table.c.offer_event_id).distinct().where(
        any_of_param(table.c.player_id, "players", dialect),
        any_of_param(table.c.offer_event_id, "offer_events", dialect),
        table.c.payout >= literal_column("0"),  # chargebacks are not earlier earnings (an exact zero, not a float)
    )


def _typed(terms):
    """Offer or offer-event terms with their payout and revenue types as enums (`_offers_statement` reads
    them as text, so that `run` can hand them back)."""
    return terms._replace(**{name: kind(getattr(terms, name)) for name, kind in _ENUM_TERMS.items()})


@functools.cache
def _offers_statement(dialect: str):
    """The advertiser's offers among `offer_ids` with their active offer events (as `_OfferTerms` and
    `_EventTerms` columns, the types as text), and `_overrides`; built once."""
    offers, offer_events = Offer.__table__, OfferEvent.__table__

    def columns(table, names):
        return [cast(table.c[name], String).label(name) if name in _ENUM_TERMS else table.c[name] for name in names]

    return (
        select(*columns(offers, _OfferTerms._fields), *columns(offer_events, _EventTerms._fields), *_overrides(dialect))
        .join(offer_events, (offer_events.c.offer_id == offers.c.id) & offer_events.c.active.is_(True))
        .where(any_of_param(offers.c.id, "offer_ids", dialect), offers.c.advertiser_id == bindparam("advertiser_id"))
    )


def _overrides(dialect: str) -> list:
    """Whether `publisher_ids` have active custom payouts, active throttles, blocked sub IDs on `offer_ids`."""
    def among(publisher_id, offer_id) -> tuple:
        return any_of_param(publisher_id, "publisher_ids", dialect), any_of_param(offer_id, "offer_ids", dialect)

    return [
        exists().where(*among(CustomPayout.publisher_id, CustomPayout.offer_id), CustomPayout.active.is_(True)).label("customs"),
        exists().where(*among(CustomThrottle.publisher_id, CustomThrottle.offer_id),
                       CustomThrottle.active.is_(True)).label("throttles"),
        exists().where(*among(BlockedSubId.publisher_id, BlockedSubId.offer_id)).label("blocked"),
    ]
