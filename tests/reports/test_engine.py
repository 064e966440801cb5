"""Report numbers against hand-computed fixtures: scope, time zones, DST, decimals, currencies."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.reports.engine import rounded
from portal.reports.query import METRICS, ReportQuery, run
from portal.reports.rollups import rebuild
from tests.reports.conftest import at, click, conversion


def report(world_scope: dict, **fields) -> object:
    fields.setdefault("date_range", "custom")
    fields.setdefault("start_date", date(2026, 11, 10))
    fields.setdefault("end_date", date(2026, 11, 10))
    return run(ReportQuery(**world_scope, **fields), paginate=False)


def rows_by(result, key: str) -> dict:
    return {row.keys[key]: row for row in result.rows}


def test_publisher_day_report_counts_by_hand(world):
    result = report({"publisher_id": world.publisher_a.id}, dimensions=["date"], metrics=["click_count", "unique_click_count", "banner_view_count", "registration_count", "ftd_count", "conversion_count"])
    assert [row.keys["date"] for row in result.rows] == ["2026-11-10"]
    metrics = result.rows[0].metrics
    # 3 EUR clicks + 1 USD click (the bot is left out); unique: 09:15, 23:30, 12:00.
    assert (metrics["click_count"], metrics["unique_click_count"], metrics["banner_view_count"]) == (4, 3, 7)
    assert (metrics["registration_count"], metrics["ftd_count"], metrics["conversion_count"]) == (1, 1, 3)


def test_money_is_exact_and_never_mixes_currencies(world):
    result = report({"publisher_id": world.publisher_a.id}, dimensions=["campaign"], metrics=["click_count", "deposit_amount", "total_reward", "epc"])
    rows = {(r.keys["campaign"], r.keys["currency"]): r.metrics for r in result.rows}
    eur = rows[("Casino EUR", "EUR")]
    # deposits: ftd 10.10 + deposit 0.20; reward: 25.10 approved + 0.20 pending (99 rejected left out)
    assert eur["deposit_amount"] == Decimal("10.30") and eur["total_reward"] == Decimal("25.30")
    assert str(eur["epc"]) == "8.43"  # 25.30 / 3 clicks, rounded to cents like every money figure
    usd = rows[("Sports USD", "USD")]
    assert (usd["deposit_amount"], usd["total_reward"], usd["click_count"]) == (Decimal("5.05"), Decimal("3.03"), 1)
    totals = {t.keys["currency"]: t.metrics for t in result.totals}
    assert totals["EUR"]["total_reward"] == Decimal("25.30") and totals["USD"]["total_reward"] == Decimal("3.03")


def test_totals_equal_the_sum_of_the_rows(world):
    result = report({}, dimensions=["publisher", "sub1"], metrics=["click_count", "total_reward", "conversion_rate"])
    for total in result.totals:
        same = [r for r in result.rows if r.keys["currency"] == total.keys["currency"]]
        assert total.metrics["click_count"] == sum(r.metrics["click_count"] for r in same)
        assert total.metrics["total_reward"] == sum(r.metrics["total_reward"] for r in same)


def test_a_late_evening_click_moves_to_the_next_day_east_of_utc(world):
    scope = {"publisher_id": world.publisher_a.id}
    utc = report(scope, dimensions=["date"], metrics=["click_count"])
    assert [(r.keys["date"], r.metrics["click_count"]) for r in utc.rows] == [("2026-11-10", 4)]
    berlin = report(scope, dimensions=["date"], metrics=["click_count"], timezone="Europe/Berlin", end_date=date(2026, 11, 11))
    # 23:30 UTC is 00:30 on the 11th in Berlin (UTC+1 in November).
    assert [(r.keys["date"], r.metrics["click_count"]) for r in berlin.rows] == [("2026-11-10", 3), ("2026-11-11", 1)]


def test_dst_day_has_25_hours(app):
    query = ReportQuery(date_range="custom", start_date=date(2026, 10, 25), end_date=date(2026, 10, 25), timezone="Europe/Berlin")
    start, end = query.utc_bounds()
    assert (end - start).total_seconds() == 25 * 3600
    assert start.isoformat() == "2026-10-24T22:00:00+00:00" and end.isoformat() == "2026-10-25T23:00:00+00:00"


def test_dst_boundary_buckets_by_local_day(app, world):
    from tests.reports.conftest import click

    click(world.link_b, "2026-10-24 22:30")  # 00:30 CEST on the 25th
    click(world.link_b, "2026-10-25 22:30")  # 23:30 CET on the 25th (after the clocks went back)
    click(world.link_b, "2026-10-25 23:10")  # 00:10 CET on the 26th
    from portal.extensions import db
    from portal.reports.rollups import rebuild
    from tests.reports.conftest import at

    db.session.commit()
    rebuild(at("2026-10-24 00:00"), at("2026-10-27 00:00"))
    result = report({"publisher_id": world.publisher_b.id}, dimensions=["date"], metrics=["click_count"],
                    timezone="Europe/Berlin", start_date=date(2026, 10, 24), end_date=date(2026, 10, 26))  # fmt: skip
    assert [(r.keys["date"], r.metrics["click_count"]) for r in result.rows] == [("2026-10-25", 2), ("2026-10-26", 1)]


def test_sub_ids_country_creative_and_source_come_from_the_click(world):
    result = report({"publisher_id": world.publisher_a.id}, dimensions=["sub1", "country", "creative", "marketing_source"],
                    metrics=["click_count", "ftd_count", "deposit_amount"])  # fmt: skip
    rows = {(r.keys["sub1"], r.keys["country"], r.keys["currency"]): r for r in result.rows}
    alpha = rows[("alpha", "DE", "EUR")]
    assert alpha.keys["creative"] == "Leaderboard" and alpha.keys["marketing_source"] == "Newsletter"
    # The 23:40 deposit has no click id: it follows the player's first click (sub1 alpha).
    assert (alpha.metrics["click_count"], alpha.metrics["ftd_count"], alpha.metrics["deposit_amount"]) == (2, 1, Decimal("10.30"))
    assert rows[("=cmd()", "AT", "EUR")].metrics["click_count"] == 1


def test_advertiser_sees_only_its_offers_across_publishers(world):
    result = report({"advertiser_id": world.advertiser_x.id}, dimensions=["campaign"], metrics=["click_count", "total_reward"])
    assert [(r.keys["campaign"], r.metrics["click_count"], r.metrics["total_reward"]) for r in result.rows] == [
        ("Casino EUR", 5, Decimal("65.30"))
    ]


def test_publisher_never_sees_another_publishers_rows(world):
    result = report({"publisher_id": world.publisher_b.id}, dimensions=["link", "sub1"], metrics=["click_count"])
    assert [(r.keys["link"], r.keys["sub1"], r.metrics["click_count"]) for r in result.rows] == [("Beta link", "beta", 2)]


def test_filters_narrow_every_dimension(world):
    scope = {"publisher_id": world.publisher_a.id}
    by_sub = report(scope, dimensions=[], metrics=["click_count"], filters={"sub1": ["alpha"]})
    assert by_sub.totals[0].metrics["click_count"] == 2
    by_country = report(scope, dimensions=[], metrics=["click_count"], filters={"country": ["US", "AT"]})
    assert by_country.totals[0].metrics["click_count"] == 2
    by_offer = report(scope, dimensions=[], metrics=["click_count"], filters={"campaign": [str(world.offer_usd.id)]})
    assert by_offer.totals[0].metrics["click_count"] == 1
    foreign = report(scope, dimensions=[], metrics=["click_count"], filters={"link": [str(world.link_b.id)]})
    assert foreign.totals[0].metrics["click_count"] == 0


def test_rates_are_exact_decimals(world):
    result = report({"publisher_id": world.publisher_b.id}, dimensions=[], metrics=["conversion_rate", "epc"])
    assert result.totals[0].metrics["conversion_rate"] == Decimal("50.00")  # 1 conversion / 2 clicks
    assert str(result.totals[0].metrics["epc"]) == "20.00"


def test_week_and_month_grains(world):
    scope = {"publisher_id": world.publisher_a.id}
    weekly = report(scope, dimensions=["date"], metrics=["click_count"], grain="week", start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
    assert [(r.keys["date"], r.metrics["click_count"]) for r in weekly.rows] == [("2026-11-09", 4)]
    monthly = report(scope, dimensions=["date"], metrics=["click_count"], grain="month", start_date=date(2026, 10, 1), end_date=date(2026, 11, 30))
    assert [(r.keys["date"], r.metrics["click_count"]) for r in monthly.rows] == [("2026-11", 4)]


def test_sorting_and_pages(world):
    query = ReportQuery(dimensions=["publisher"], metrics=["click_count"], date_range="custom",
                        start_date=date(2026, 11, 10), end_date=date(2026, 11, 10), sort="click_count", descending=True)  # fmt: skip
    result = run(query)
    assert [r.keys["publisher"] for r in result.rows] == ["Alpha Media", "Beta Media"]
    query.descending = False
    assert [r.keys["publisher"] for r in run(query).rows] == ["Beta Media", "Alpha Media"]
    assert (result.page, result.page_count, result.row_count) == (1, 1, 2)


def test_coarse_rollup_levels_agree_with_the_detail_level(world):
    """campaign alone reads the network level, × publisher the publisher level, × link the link level,
    × sub1 the detail level: summed back to campaigns they all give the same numbers."""
    from collections import Counter

    metrics = ["click_count", "banner_view_count", "registration_count", "deposit_amount", "total_reward"]
    per_level = []
    for extra in ([], ["publisher"], ["link"], ["sub1", "country"]):
        result = report({}, dimensions=["campaign", *extra], metrics=metrics)
        sums: dict = {}
        for row in result.rows:
            key = (row.keys["campaign"], row.keys["currency"])
            sums[key] = Counter(sums.get(key, Counter())) + Counter({m: row.metrics[m] for m in metrics})
        per_level.append({k: {m: v.get(m, 0) for m in metrics} for k, v in sums.items()})
    assert per_level[0] == per_level[1] == per_level[2] == per_level[3]
    assert per_level[0][("Casino EUR", "EUR")]["banner_view_count"] == 7


def test_the_coarsest_level_holding_the_report_is_chosen():
    from portal.reports.rollups import level_for

    assert level_for({"date", "campaign"}, publisher_scoped=False) == 3
    assert level_for({"date", "campaign"}, publisher_scoped=True) == 2
    assert level_for({"publisher"}, publisher_scoped=False) == 2
    assert level_for({"date", "link"}, publisher_scoped=True) == 1
    assert level_for({"date", "sub3"}, publisher_scoped=False) == 0


@pytest.mark.parametrize(
    ("exact", "shown"),
    [("66", "66.00"), ("8.43333", "8.43"), ("0.005", "0.01"), ("-0.005", "-0.01"), ("1.2345", "1.23"), ("0", "0.00")],
)
def test_one_rounding_rule_cents_half_up(exact, shown):
    assert str(rounded(Decimal(exact))) == shown


def test_rows_and_totals_carry_two_places_and_totals_are_the_exact_sum_rounded(world):
    """Sub-cent amounts (a 4-place payout, a per-click ratio) read with cents in rows and totals alike;
    the total is the exact sum rounded, not the sum of rounded rows."""
    for n, sub in enumerate(("s1", "s2", "s3")):
        conversion(world.link_b, click(world.link_b, f"2026-11-10 1{n}:00", sub1=sub), "0.3333", f"2026-11-10 1{n}:05")
    db.session.commit()
    rebuild(at("2026-11-10 00:00"), at("2026-11-11 00:00"))
    money = [m for m, (_, kind) in METRICS.items() if kind in ("money", "rate")]
    result = report({"publisher_id": world.publisher_b.id}, dimensions=["sub1"], metrics=["click_count", *money])
    rows = rows_by(result, "sub1")
    assert [str(rows[s].metrics["total_reward"]) for s in ("s1", "s2", "s3")] == ["0.33", "0.33", "0.33"]
    total = result.totals[0].metrics
    assert str(total["total_reward"]) == "41.00"  # 40.00 + 3 × 0.3333 = 40.9999
    assert str(total["epc"]) == "8.20"  # 40.9999 / 5 clicks
    for row in [*result.rows, *result.totals]:
        assert all(row.metrics[m].as_tuple().exponent == -2 for m in money), row
