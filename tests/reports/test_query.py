"""The builder's state in the URL: parsing, round trips, date ranges in the owner's time zone."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from portal.reports.query import InvalidQuery, ReportQuery


def test_to_args_and_from_args_round_trip():
    query = ReportQuery(
        dimensions=["campaign", "date", "sub2"], metrics=["ngr", "click_count"], filters={"sub1": ["a&b", "<x>"], "campaign": ["3"]},
        date_range="custom", start_date=date(2026, 3, 1), end_date=date(2026, 3, 31), grain="week", sort="ngr",
        descending=True, page=3, chart_metric="ngr", timezone="Asia/Tokyo", publisher_id=7,
    )  # fmt: skip
    url = urlencode(query.to_args())
    back = ReportQuery.from_args(MultiDict([(k, v) for k, vs in parse_qs(url).items() for v in vs]), timezone="Asia/Tokyo", publisher_id=7)
    assert back == query


def test_relative_range_round_trips_without_dates():
    query = ReportQuery.from_args(MultiDict({"range": "last_30_days"}), today=date(2026, 3, 15))
    assert (query.start_date, query.end_date) == (date(2026, 2, 14), date(2026, 3, 15))
    assert ("start", "2026-02-14") not in query.to_args()


def test_a_stored_range_that_is_no_longer_known_is_an_invalid_query():
    with pytest.raises(InvalidQuery, match="date range: unknown value 'fortnight'"):
        ReportQuery(date_range="fortnight").resolve_dates(date(2026, 3, 1))


def test_publishers_cannot_group_by_publisher_or_advertiser():
    query = ReportQuery.from_args(MultiDict([("dim", "publisher"), ("dim", "advertiser"), ("dim", "sub1")]), publisher_id=1)
    assert query.dimensions == ["sub1"]
    admin = ReportQuery.from_args(MultiDict([("dim", "publisher"), ("dim", "advertiser")]))
    assert admin.dimensions == ["publisher", "advertiser"]


def test_unknown_metrics_are_dropped_and_defaults_kept():
    query = ReportQuery.from_args(MultiDict([("metric", "drop_table"), ("metric", "ngr")]))
    assert query.metrics == ["ngr"]


@pytest.mark.parametrize(
    "args",
    [
        {"range": "custom", "start": "2026-02-30"},
        {"range": "custom", "start": "2026-3-1"},
        {"range": "custom", "start": "2026-03-05", "end": "2026-03-01"},
        {"range": "custom", "start": "2020-01-01", "end": "2026-01-01"},
        {"range": "forever"},
        {"f_campaign": "abc"},
    ],
)
def test_bad_arguments_raise_with_a_message(args):
    with pytest.raises(InvalidQuery) as raised:
        ReportQuery.from_args(MultiDict(args))
    assert str(raised.value)


def test_half_hour_zone_buckets_start_on_the_local_day_of_each_hour():
    query = ReportQuery(date_range="custom", start_date=date(2026, 3, 1), end_date=date(2026, 3, 2), timezone="Asia/Kolkata")
    (first, first_end), (second, _) = query.buckets()
    assert (first, second) == ("2026-03-01", "2026-03-02")
    assert first_end.isoformat() == "2026-03-01T18:30:00+00:00"
