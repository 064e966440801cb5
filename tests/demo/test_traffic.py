"""The demo's commission arithmetic: exact decimals, rounded half-up to the cent, never float."""
from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from portal.demo.catalogue import Terms
from portal.demo.traffic import commission, uuid7_at
from portal.network.models import PayoutType, RevenueType


def test_cpa_pays_the_fixed_amount_whatever_was_deposited():
    terms = Terms(PayoutType.CPA, payout=Decimal("35.00"), revenue=Decimal("50.00"))
    assert commission(terms, Decimal("999.99")) == (Decimal("35.00"), Decimal("50.00"))
    assert commission(terms, None) == (Decimal("35.00"), Decimal("50.00"))


def test_cps_pays_a_percentage_of_the_amount_rounded_half_up():
    terms = Terms(PayoutType.CPS, payout_percent=Decimal("7.5"), revenue_type=RevenueType.RPS,
                  revenue_percent=Decimal("10"))
    payout, revenue = commission(terms, Decimal("33.40"))  # 2.505 and 3.34
    assert (payout, revenue) == (Decimal("2.51"), Decimal("3.34"))
    assert isinstance(payout, Decimal)


def test_hybrid_pays_both_parts():
    terms = Terms(PayoutType.CPA_CPS, payout=Decimal("20.00"), payout_percent=Decimal("10"),
                  revenue_type=RevenueType.RPA_RPS, revenue=Decimal("30.00"), revenue_percent=Decimal("15"))
    assert commission(terms, Decimal("100.05")) == (Decimal("30.01"), Decimal("45.01"))


def test_uuid7_carries_the_click_time_and_sorts_by_it():
    rng = random.Random(1)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    a, b = uuid7_at(late, rng), uuid7_at(early, rng)
    assert a.version == 7 and b.version == 7
    assert b < a
    assert int(a.int >> 80) == int(late.timestamp() * 1000)
