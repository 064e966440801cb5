"""Creating conversions, and the engine that prices events. Flushes, never commits.

`record_conversions` is the one place a conversion row is written: the event engine (`convert_events`,
subscribed to `portal.signals.events_accepted`), the click and impression flushes
(`portal.conversions.paid_traffic`) and the demo all go through it."""
from __future__ import annotations

import functools
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import String, bindparam, cast, exists, func, insert, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from portal.conversions import commission
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus, RevShareBalance
from portal.conversions.throttles import Throttling, load_throttles
from portal.events.models import AcceptedEvent
from portal.extensions import db
from portal.network.models import CustomPayout, CustomThrottle, Offer, OfferEvent, PayoutType, RevenueType
from portal.network.plans import Plan, choose_plan, custom_payouts_by_publisher
from portal.signals import events_accepted, hours_touched
from portal.sql import (
    any_of,
    any_of_param,
    dialect_name,
    insert_from_json,
    insert_rows,
    json_rows,
    on_postgresql,
    run,
    update_rows,
)
from portal.subids.models import BlockedSubId
from portal.tracking.models import Click
from portal.types import utcnow

CURRENCY_REASON = "event currency differs from the offer's: fixed part taken at face value"
log = logging.getLogger("tracklane.conversions")


def record_conversions(rows: list[dict]) -> list[dict]:
    """Insert conversions and their first status-history row; returns the rows inserted, with their `id`.

    Each row holds Conversion columns and a unique `source_key`; a row whose key exists already is
    skipped, which makes every caller idempotent."""
    if not rows:
        return []
    table = Conversion.__table__
    if on_postgresql():
        names = tuple(rows[0])
        ids = dict(run(_record_statement(names), {"rows": json_rows(rows, table, names)}))
    else:
        ids = dict(insert_rows(table, rows, ["source_key"], [table.c.source_key, table.c.id]))
    inserted = [{**row, "id": ids[row["source_key"]]} for row in rows if row["source_key"] in ids]
    hours_touched.send(times=[row["created_at"] for row in inserted])
    if inserted and not on_postgresql():  # PostgreSQL wrote them in the same statement
        run(_first_changes_statement(), {"ids": [row["id"] for row in inserted]})
    return inserted


def _first_change_columns(source) -> list:
    """The columns of a conversion (of `source`, a table or a CTE) its first history row copies."""
    return [source.c.id, source.c.created_at, source.c.status, source.c.payout, source.c.rejection_reason]


def _first_changes(source):
    """INSERT the first status-history row of each conversion `source` selects (`_first_change_columns`)."""
    return insert(ConversionChange.__table__).from_select(
        ["conversion_id", "changed_at", "to_status", "to_payout", "reason"], source, include_defaults=False
    )


@functools.cache
def _record_statement(names: tuple):
    """PostgreSQL's `record_conversions` in one statement, built once per row shape: the conversions of the
    `rows` document go in, and a data-modifying WITH copies each inserted one into its first history row;
    returns (source_key, id) of those inserted."""
    table = Conversion.__table__
    returned = (table.c.source_key, *_first_change_columns(table))
    inserted = insert_from_json(table, names, ("source_key",), returned, False).cte("inserted")
    first_changes = _first_changes(select(*_first_change_columns(inserted))).cte("first_changes")
    return select(inserted.c.source_key, inserted.c.id).add_cte(first_changes)


@functools.cache
def _first_changes_statement():
    """SQLite's first history rows, of the conversions among `ids`; built once."""
    table = Conversion.__table__
    return _first_changes(select(*_first_change_columns(table)).where(table.c.id.in_(bindparam("ids", expanding=True))))


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


# Events ---------------------------------------------------------------------------------------------


@events_accepted.connect
def _on_events_accepted(sender, *, advertiser_id: int, events: list[AcceptedEvent]) -> None:
    convert_events(advertiser_id, events)


def convert_events(advertiser_id: int, events: list[AcceptedEvent]) -> list[dict]:
    """Create the conversions earned by events just stored (never repeats); returns the rows created.

    Everything the rules need is loaded in a few queries for the whole batch."""
    events = [
        e for e in events if e.publisher_id and e.offer_id and commission.offer_event_code(e.type, e.properties)
    ]
    if not events:
        return []
    ctx = _Context.load(advertiser_id, events)
    rows = [row for e in events if (row := ctx.convert(e)) is not None]
    ctx.throttling.apply()
    ctx.save_balances()
    return record_conversions(rows)


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


class _Context:
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
        self.balances: dict[tuple[int, int, str], _Balance] = {}

    @classmethod
    def load(cls, advertiser_id: int, events: list[AcceptedEvent]) -> _Context:
        ctx = cls()
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
            ctx.offers[offer.id] = offer
            ctx.offer_events[(offer.id, offer_event.code)] = offer_event
            customs, throttles, blocked = row[-3:]
        ctx.customs = custom_payouts_by_publisher(publisher_ids, offer_ids) if customs else {}
        ctx.throttling = Throttling(load_throttles(publisher_ids, offer_ids) if throttles else {})
        if blocked:
            for publisher_id, offer_id, sub_id in db.session.execute(
                select(BlockedSubId.publisher_id, BlockedSubId.offer_id, BlockedSubId.sub_id).where(
                    any_of(BlockedSubId.publisher_id, sorted(publisher_ids)), any_of(BlockedSubId.offer_id, sorted(offer_ids))
                )
            ):
                ctx.blocked[(publisher_id, offer_id)].add(sub_id)
        # Sub IDs matter only to blocked sub IDs and sub-specific throttles; a click flagged blocked when it
        # came in never attributed a player, so without either there is nothing to read.
        click_ids = sorted({e.click_id for e in events if e.click_id})
        if click_ids and (ctx.blocked or ctx.throttling.by_sub_id()):
            for row in db.session.execute(
                select(Click.click_id, Click.sub1, Click.sub2, Click.sub3, Click.sub4, Click.sub5, Click.is_blocked).where(
                    any_of(Click.click_id, click_ids)
                )
            ):
                ctx.clicks[row[0]] = (tuple(row[1:6]), row[6])
        # Earlier earnings matter only to the events whose offer event refuses a second conversion (and
        # never to chargebacks): only their players and offer events are looked up.
        checked = {
            offer_event.id for (offer_id, _), offer_event in ctx.offer_events.items()
            if not (ctx.offers[offer_id].allow_duplicate_conversions and offer_event.allow_multiple_events)
        }
        asked = {
            (e.player_id, offer_event.id) for e in events
            if e.player_id and e.type != commission.CHARGEBACK
            and (offer_event := ctx._offer_event(e.offer_id, e)) is not None and offer_event.id in checked
        }
        if asked:
            ctx.earlier = set(run(_earlier_statement(dialect_name()), {
                "players": sorted({player_id for player_id, _ in asked}),
                "offer_events": sorted({offer_event_id for _, offer_event_id in asked}),
            }))
        ctx.balances = _lock_balances(
            {(e.publisher_id, e.offer_id, e.currency) for e in events if e.type == commission.REVENUE and e.currency}
        )
        return ctx

    def _offer_event(self, offer_id: int, event: AcceptedEvent) -> _EventTerms | None:
        if event.type == commission.CHARGEBACK:
            return self.offer_events.get((offer_id, commission.CHARGEBACK)) or self.offer_events.get((offer_id, "deposit"))
        return self.offer_events.get((offer_id, commission.offer_event_code(event.type, event.properties)))

    def convert(self, e: AcceptedEvent) -> dict | None:
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

    def save_balances(self) -> None:
        now = utcnow()
        changed = [{"id": b.id, "carried": b.carried, "updated_at": now} for b in self.balances.values() if b.carried != b.stored]
        if changed:
            update_rows(RevShareBalance.__table__, changed)


@dataclass
class _Balance:
    """A locked carry-over balance: `stored` as read, `carried` as the batch leaves it."""

    id: int
    stored: Decimal
    carried: Decimal


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


def _lock_balances(keys: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], _Balance]:
    """The carry-over balances of these (publisher, offer, currency), created if new, locked until commit.

    Locked in key order, so two requests needing the same balances queue instead of deadlocking."""
    if not keys:
        return {}
    ordered = sorted(keys)
    insert_rows(
        RevShareBalance.__table__,
        [{"publisher_id": p, "offer_id": o, "currency": c, "carried": commission.ZERO, "updated_at": utcnow()} for p, o, c in ordered],
        ["publisher_id", "offer_id", "currency"],
        skip_existing=True,
    )
    return _locked_balances(ordered)


def _locked_balances(ordered: list[tuple[int, int, str]]) -> dict[tuple[int, int, str], _Balance]:
    if on_postgresql():  # the keys as three arrays: one statement text whatever their number
        rows = run(_locked_balances_statement(), {
            "publisher_ids": [k[0] for k in ordered], "offer_ids": [k[1] for k in ordered], "currencies": [k[2] for k in ordered],
        })
    else:
        table = RevShareBalance.__table__
        key = tuple_(table.c.publisher_id, table.c.offer_id, table.c.currency)
        rows = db.session.execute(_balances_select().where(key.in_(ordered)))
    return {(publisher_id, offer_id, currency): _Balance(id_, carried, carried)
            for publisher_id, offer_id, currency, id_, carried in rows}


def _balances_select():
    table = RevShareBalance.__table__
    return (
        select(table.c.publisher_id, table.c.offer_id, table.c.currency, table.c.id, table.c.carried)
        .order_by(table.c.publisher_id, table.c.offer_id, table.c.currency)
        .with_for_update()
    )


@functools.cache
def _locked_balances_statement():
    """PostgreSQL's `_locked_balances`, the keys bound as three arrays; built once."""
    table = RevShareBalance.__table__
    key = tuple_(table.c.publisher_id, table.c.offer_id, table.c.currency)
    arrays = [
        func.unnest(bindparam(name, type_=ARRAY(column.type)))
        for name, column in (("publisher_ids", table.c.publisher_id), ("offer_ids", table.c.offer_id),
                             ("currencies", table.c.currency))
    ]
    return _balances_select().where(key.in_(select(*arrays)))
