"""The commission rules, without a database: which events earn, how much, and in which status.

Decisions (documented in README "Commissions"):
- An attributed player event earns under its offer's active offer event whose `code` is the event type
  (for `custom` events, the custom event's `name`). No such offer event: no conversion. Web events
  (pageview …) never earn.
- CPA pays the fixed payout; CPS payout_percent % of the event amount; CPAxCPS both (the hybrid on one
  event). A CPA + RevShare deal is two offer events of one offer: `ftd` on CPA and `revenue` on PRV.
- RevShare (PRV) pays payout_percent % of NGR from `revenue` events, after negative NGR carried over per
  (publisher, offer, currency): see `carry_over`, at most down to CARRY_FLOOR. PRV on any other event type
  earns nothing.
- A `chargeback` claws back the percentage part of the deposit it reverses: a negative conversion under
  the `chargeback` offer event's plan, or else the `deposit` offer event's. Fixed (CPA) parts stay paid.
- CPC pays the fixed payout per unique, non-bot, non-blocked click; CPM per full 1000 impressions.
- Revenue (the network's side) follows revenue_type the same way: RPA fixed, RPS percent of the same
  base, RPAxRPS both, RPC / RPM fixed.
- Money is exact: Decimal, quantized to 4 places with ROUND_HALF_UP.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from portal.conversions.models import ConversionStatus
from portal.network.models import PayoutType, RevenueType, ThrottleStatus
from portal.network.plans import Plan
from portal.types import MONEY_LIMIT, MONEY_QUANTUM

ZERO = Decimal("0")
_HUNDRED = Decimal(100)
# The deepest deficit a RevShare balance carries: what its column holds, ten thousand of the largest losses
# the events API accepts. A loss beyond it is not carried (the balance would not fit, failing the batch).
CARRY_FLOOR = -(MONEY_LIMIT - MONEY_QUANTUM)

DUPLICATE_REASON = "duplicate"
THROTTLE_REASON = "throttled"
CHARGEBACK = "chargeback"
REVENUE = "revenue"
EARNING_TYPES = frozenset({"registration", "ftd", "deposit", "withdrawal", REVENUE, CHARGEBACK, "custom"})

_FIXED_PAYOUT = {PayoutType.CPA, PayoutType.CPA_CPS, PayoutType.CPC, PayoutType.CPM}
_PERCENT_PAYOUT = {PayoutType.CPS, PayoutType.CPA_CPS, PayoutType.REVSHARE}
_FIXED_REVENUE = {RevenueType.RPA, RevenueType.RPA_RPS, RevenueType.RPC, RevenueType.RPM}
_PERCENT_REVENUE = {RevenueType.RPS, RevenueType.RPA_RPS}


def money(value: Decimal) -> Decimal:
    """Exactly 4 decimal places, half-up: what a Money column holds."""
    return value.quantize(MONEY_QUANTUM, ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return amount * Decimal(percent) / _HUNDRED


def offer_event_code(event_type: str, properties: dict) -> str | None:
    """The offer event code an event earns under; None for events that can never earn."""
    if event_type == "custom":
        name = properties.get("name")
        return name if isinstance(name, str) and name else None
    return event_type if event_type in EARNING_TYPES else None



def uses_amount(plan: Plan) -> bool:
    """True when the payout or revenue is a share of the event's amount (so it is in the event's currency)."""
    return plan.payout_type in _PERCENT_PAYOUT or plan.revenue_type in _PERCENT_REVENUE


def has_fixed_part(plan: Plan) -> bool:
    """True when a fixed amount (in the offer's currency) is part of the payout or revenue."""
    return (plan.payout_type in _FIXED_PAYOUT and plan.payout != 0) or (
        plan.revenue_type in _FIXED_REVENUE and plan.revenue != 0
    )


class Earning(NamedTuple):
    payout: Decimal
    revenue: Decimal


def earning(plan: Plan, base: Decimal | None) -> Earning:
    """Payout and revenue under `plan` when the percentage parts apply to `base` (None or 0: fixed parts only)."""
    base = base if base is not None else ZERO
    payout = plan.payout if plan.payout_type in _FIXED_PAYOUT else ZERO
    if plan.payout_type in _PERCENT_PAYOUT:
        payout += percent_of(base, plan.payout_percent)
    revenue = plan.revenue if plan.revenue_type in _FIXED_REVENUE else ZERO
    if plan.revenue_type in _PERCENT_REVENUE:
        revenue += percent_of(base, plan.revenue_percent)
    return Earning(money(payout), money(revenue))


def clawback(plan: Plan, amount: Decimal) -> Earning:
    """What a chargeback of `amount` takes back: the percentage parts only, negated."""
    payout = percent_of(amount, plan.payout_percent) if plan.payout_type in _PERCENT_PAYOUT else ZERO
    revenue = percent_of(amount, plan.revenue_percent) if plan.revenue_type in _PERCENT_REVENUE else ZERO
    return Earning(-money(payout), -money(revenue))


def carry_over(carried: Decimal, ngr: Decimal) -> tuple[Decimal, Decimal]:
    """(NGR to pay RevShare on, balance carried afterwards) for one NGR report.

    running = carried + ngr; running <= 0 pays nothing and carries the deficit (down to CARRY_FLOOR);
    otherwise the whole running amount is paid on and the balance resets to zero."""
    running = carried + ngr
    if running <= 0:
        return ZERO, max(running, CARRY_FLOOR)
    return running, ZERO


def throttled(seen_before: int, percentage: int) -> bool:
    """Whether the next conversion (number seen_before + 1) falls to the throttle.

    Over any first n conversions exactly floor(n × percentage / 100) are throttled, spread evenly."""
    n = seen_before + 1
    return (n * percentage) // 100 > ((n - 1) * percentage) // 100


def initial_status(manual_approval: bool, throttle_status: ThrottleStatus | None) -> tuple[ConversionStatus, str]:
    """(status, reason) of a new, non-duplicate conversion."""
    if throttle_status is ThrottleStatus.REJECTED:
        return ConversionStatus.REJECTED, THROTTLE_REASON
    if throttle_status is ThrottleStatus.PENDING:
        return ConversionStatus.PENDING, THROTTLE_REASON
    return (ConversionStatus.PENDING if manual_approval else ConversionStatus.APPROVED), ""


def throttle_matches(throttle, offer_event_id: int | None, subs: tuple[str, ...]) -> bool:
    """A throttle applies to its offer event (or all when it names none) and to clicks whose sub IDs
    equal every sub it sets."""
    if throttle.offer_event_id is not None and throttle.offer_event_id != offer_event_id:
        return False
    wanted = (throttle.sub1, throttle.sub2, throttle.sub3, throttle.sub4, throttle.sub5)
    return all(not want or (n < len(subs) and subs[n] == want) for n, want in enumerate(wanted))


def pick_throttle(throttles: list, offer_event_id: int | None, subs: tuple[str, ...]):
    """The most specific matching throttle: event-specific first, then the most sub IDs set, then oldest."""
    matching = [t for t in throttles if throttle_matches(t, offer_event_id, subs)]
    if not matching:
        return None
    return min(
        matching,
        key=lambda t: (t.offer_event_id is None, -sum(1 for s in (t.sub1, t.sub2, t.sub3, t.sub4, t.sub5) if s), t.id),
    )
