"""The commission rules on their own: exact Decimal results, no database."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.conversions import commission
from portal.conversions.models import ConversionStatus
from portal.network.models import PayoutType, RevenueType, ThrottleStatus
from portal.network.plans import Plan

D = Decimal


def plan(payout_type=PayoutType.CPA, payout="0", percent="0", revenue_type=RevenueType.RPA, revenue="0",
         revenue_percent="0") -> Plan:
    return Plan(payout_type, D(payout), D(percent), revenue_type, D(revenue), D(revenue_percent), "offer_event")


def test_cpa_pays_the_fixed_amount_whatever_the_amount():
    earned = commission.earning(plan(PayoutType.CPA, "35.00", revenue="50.00"), D("999.99"))
    assert (earned.payout, earned.revenue) == (D("35.0000"), D("50.0000"))
    assert commission.earning(plan(PayoutType.CPA, "35.00"), None).payout == D("35.0000")


def test_cps_pays_a_percentage_rounded_half_up_to_four_places():
    earned = commission.earning(
        plan(PayoutType.CPS, percent="7.5", revenue_type=RevenueType.RPS, revenue_percent="12.5"), D("0.0333")
    )
    # 0.0333 × 7.5 % = 0.00249750 -> 0.0025; × 12.5 % = 0.00416250 -> 0.0042
    assert (earned.payout, earned.revenue) == (D("0.0025"), D("0.0042"))


def test_half_a_ten_thousandth_rounds_up():
    assert commission.earning(plan(PayoutType.CPS, percent="50"), D("0.0001")).payout == D("0.0001")
    assert commission.money(D("-0.00005")) == D("-0.0001")


def test_cpa_cps_hybrid_pays_both_parts():
    terms = plan(PayoutType.CPA_CPS, "20.00", "10", RevenueType.RPA_RPS, "30.00", "15")
    earned = commission.earning(terms, D("100.05"))
    assert (earned.payout, earned.revenue) == (D("30.0050"), D("45.0075"))


def test_revshare_pays_its_percentage_of_the_base_it_is_given():
    earned = commission.earning(plan(PayoutType.REVSHARE, percent="30", revenue_type=RevenueType.RPS,
                                     revenue_percent="40"), D("123.45"))
    assert (earned.payout, earned.revenue) == (D("37.0350"), D("49.3800"))


@pytest.mark.parametrize("payout_type", [PayoutType.CPC, PayoutType.CPM])
def test_cpc_and_cpm_pay_the_fixed_amount(payout_type):
    earned = commission.earning(plan(payout_type, "0.15", revenue_type=RevenueType.RPC, revenue="0.25"), None)
    assert (earned.payout, earned.revenue) == (D("0.1500"), D("0.2500"))


def test_chargeback_claws_back_only_the_percentage_parts():
    terms = plan(PayoutType.CPA_CPS, "20.00", "10", RevenueType.RPA_RPS, "30.00", "15")
    earned = commission.clawback(terms, D("50.00"))
    assert (earned.payout, earned.revenue) == (D("-5.0000"), D("-7.5000"))
    assert commission.clawback(plan(PayoutType.CPA, "35"), D("50")).payout == D("0")


def test_carry_over_sequence():
    carried, paid = D("0"), []
    for ngr in ["-100.00", "40.00", "70.00", "25.50", "-10.00", "-5.00", "20.00"]:
        base, carried = commission.carry_over(carried, D(ngr))
        paid.append(base)
    assert paid == [D("0"), D("0"), D("10.00"), D("25.50"), D("0"), D("0"), D("5.00")]
    assert carried == D("0")


def test_carry_over_at_exactly_zero_pays_nothing_and_carries_zero():
    assert commission.carry_over(D("-40"), D("40")) == (D("0"), D("0"))


@pytest.mark.parametrize("percentage", [0, 1, 10, 25, 33, 50, 99, 100])
def test_throttle_sends_exactly_the_floor_of_the_percentage(percentage):
    hits = 0
    for seen in range(500):
        hits += commission.throttled(seen, percentage)
        n = seen + 1
        assert hits == n * percentage // 100


def test_throttle_of_25_percent_takes_every_fourth():
    assert [commission.throttled(seen, 25) for seen in range(8)] == [False, False, False, True] * 2


def test_status_follows_manual_approval_and_the_throttle():
    assert commission.initial_status(False, None) == (ConversionStatus.APPROVED, "")
    assert commission.initial_status(True, None) == (ConversionStatus.PENDING, "")
    assert commission.initial_status(False, ThrottleStatus.REJECTED) == (ConversionStatus.REJECTED, "throttled")
    assert commission.initial_status(False, ThrottleStatus.PENDING) == (ConversionStatus.PENDING, "throttled")


def throttle(id, offer_event_id=None, **subs):
    return SimpleNamespace(id=id, offer_event_id=offer_event_id,
                           **{f"sub{n}": subs.get(f"sub{n}") for n in range(1, 6)})


def test_the_most_specific_matching_throttle_wins():
    general, on_event, on_sub = throttle(1), throttle(2, offer_event_id=7), throttle(3, sub1="blog")
    both = [general, on_event, on_sub]
    assert commission.pick_throttle(both, 7, ("blog", "", "", "", "")) is on_event
    assert commission.pick_throttle(both, 8, ("blog", "", "", "", "")) is on_sub
    assert commission.pick_throttle(both, 8, ("news", "", "", "", "")) is general
    assert commission.pick_throttle([on_sub], 8, ("news", "", "", "", "")) is None


def test_event_codes():
    assert commission.offer_event_code("ftd", {}) == "ftd"
    assert commission.offer_event_code("custom", {"name": "vip_upgrade"}) == "vip_upgrade"
    assert commission.offer_event_code("pageview", {}) is None
    assert commission.offer_event_code("payment", {}) is None
