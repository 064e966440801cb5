"""The network's payout terms: which side of a plan needs an amount, which a percentage.

Built on the shared field rules (portal.validation): a message per field in `errors`, None for a bad value."""
from __future__ import annotations

from decimal import Decimal

from portal.network.models import PayoutType, RevenueType
from portal.validation import choice, decimal

# Which side of a plan needs an amount, which a percentage (CPAxCPS / RPAxRPS both).
AMOUNT_TYPES = {PayoutType.CPA, PayoutType.CPA_CPS, PayoutType.CPC, PayoutType.CPM}
PERCENT_TYPES = {PayoutType.CPS, PayoutType.CPA_CPS, PayoutType.REVSHARE}
REVENUE_AMOUNT_TYPES = {RevenueType.RPA, RevenueType.RPA_RPS, RevenueType.RPC, RevenueType.RPM}
REVENUE_PERCENT_TYPES = {RevenueType.RPS, RevenueType.RPA_RPS}
TERMS_FIELDS = ("payout_type", "payout", "payout_percent", "revenue_type", "revenue", "revenue_percent")


def payout_terms(errors: dict, values: dict) -> dict:
    """The six PayoutTerms columns from `values`: a CPA payout needs an amount, CPS and PRV a percentage,
    CPAxCPS both (likewise RPA, RPS and RPAxRPS on the revenue side; CPC / CPM and RPC / RPM take an amount).
    A value the type does not use is stored as 0; blank revenue counts as 0."""
    payout_type = choice(errors, "payout_type", values.get("payout_type"), PayoutType)
    revenue_type = choice(errors, "revenue_type", values.get("revenue_type"), RevenueType)
    payout = decimal(errors, "payout", values.get("payout"))
    payout_percent = decimal(errors, "payout_percent", values.get("payout_percent"), upper=Decimal(100))
    revenue = decimal(errors, "revenue", values.get("revenue"))
    revenue_percent = decimal(errors, "revenue_percent", values.get("revenue_percent"), upper=Decimal(100))
    if payout_type is not None:
        if payout_type in AMOUNT_TYPES and payout is None and "payout" not in errors:
            errors["payout"] = f"A {payout_type.value} payout needs an amount."
        if payout_type in PERCENT_TYPES and payout_percent is None and "payout_percent" not in errors:
            errors["payout_percent"] = f"A {payout_type.value} payout needs a percentage."
    zero = Decimal("0")
    return {
        "payout_type": payout_type,
        "payout": payout if payout_type in AMOUNT_TYPES and payout is not None else zero,
        "payout_percent": payout_percent if payout_type in PERCENT_TYPES and payout_percent is not None else zero,
        "revenue_type": revenue_type,
        "revenue": revenue if revenue_type in REVENUE_AMOUNT_TYPES and revenue is not None else zero,
        "revenue_percent": (
            revenue_percent if revenue_type in REVENUE_PERCENT_TYPES and revenue_percent is not None else zero
        ),
    }
