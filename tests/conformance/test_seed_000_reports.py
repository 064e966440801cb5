"""Seed 000, "Report API": the saved-report token pull as its reference documents it, walked request by
request against the app: CSV by default, `?format=json` with `rows[{groupKeys, metrics}]`, `totals`,
`generatedAt`; `startDate` / `endDate` overrides; 401 for an invalid or disabled token. Our additions
are held here too: money as exact JSON numbers, errors as `{"error", "trace_id"}`, the per-token limit."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.ops.logging import REQUEST_ID_HEADER
from portal.reports.models import ReportPreset
from portal.reports.presets import save_preset, set_enabled, token_for
from portal.reports.query import ReportQuery
from tests.reports import conftest as report_fixtures

world = report_fixtures.world  # the hand-counted traffic of tests/reports, reused as a fixture here

# The seed's example pull: grouped by date and campaign, these four metrics.
SEED_DIMENSIONS = ["date", "campaign"]
SEED_METRICS = ["click_count", "ftd_count", "ngr", "total_reward"]
NOV_10 = {"date_range": "custom", "start_date": date(2026, 11, 10), "end_date": date(2026, 11, 10)}


def pull_url(user, name="Daily", **fields) -> str:
    fields = {"dimensions": SEED_DIMENSIONS, "metrics": SEED_METRICS, **NOV_10, **fields}
    preset = save_preset(user, name, ReportQuery(**fields, publisher_id=user.publisher_id, advertiser_id=user.advertiser_id))
    db.session.commit()
    return f"/api/v1/reports/{token_for(preset)}"


def exact(response) -> dict:
    return json.loads(response.get_data(as_text=True), parse_float=Decimal)


def assert_error(response, status: int, word: str) -> dict:
    """The error shape: `{"error": "<message naming the field>", "trace_id": "<the request id>"}`, kept private."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "trace_id"} and word in body["error"]
    assert body["trace_id"] and body["trace_id"] == response.headers[REQUEST_ID_HEADER]
    return body


# 200 — CSV (the default)


def test_csv_is_the_default_with_header_rows_and_a_totals_row(client, world):
    response = client.get(pull_url(world.user_x))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["Date", "Campaign", "Currency", "Clicks", "FTDs", "NGR", "Total reward"],
        ["2026-11-10", "Casino EUR", "EUR", "5", "1", "0.00", "65.30"],
        ["Total", "", "EUR", "5", "1", "0.00", "65.30"],
    ]


def test_format_csv_explicitly_is_the_same_file(client, world):
    url = pull_url(world.user_x)
    assert client.get(url + "?format=csv").get_data() == client.get(url).get_data()


# 200 — JSON


def test_json_has_the_seed_shape(client, world):
    response = client.get(pull_url(world.user_x) + "?format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = exact(response)
    assert set(body) == {"rows", "totals", "generatedAt"}
    [row] = body["rows"]
    assert set(row) == {"groupKeys", "metrics"}
    assert row["groupKeys"] == {"date": "2026-11-10", "campaign": "Casino EUR", "currency": "EUR"}
    assert row["metrics"] == {"click_count": 5, "ftd_count": 1, "ngr": Decimal("0.00"), "total_reward": Decimal("65.30")}
    assert body["totals"] == {**row["metrics"], "currency": "EUR"}
    assert body["generatedAt"].endswith("Z") and body["generatedAt"][:10].count("-") == 2


def test_every_metric_the_seed_shows_as_a_number_is_a_json_number(client, world):
    text = client.get(pull_url(world.user_x) + "?format=json").get_data(as_text=True)
    body = json.loads(text)
    for metrics in [body["rows"][0]["metrics"], body["totals"]]:
        for name in SEED_METRICS:
            assert isinstance(metrics[name], (int, float)) and not isinstance(metrics[name], bool), name
    # exact digits, cents kept: 65.30 as written, never "65.30" nor a float's 65.3 or 65.29999999999999
    assert '"total_reward":65.30' in text and '"ngr":0.00' in text and '"click_count":5' in text


def test_a_spreadsheet_sum_of_the_rows_adds_numbers(client, world):
    """What broke pandas' `json_normalize(rows).sum()`: strings concatenate; numbers add up to the totals."""
    url = pull_url(world.user_a, dimensions=["sub1"], metrics=["click_count", "total_reward"])
    body = exact(client.get(url + "?format=json"))
    eur = [r["metrics"] for r in body["rows"] if r["groupKeys"]["currency"] == "EUR"]
    assert sum(m["total_reward"] for m in eur) == Decimal("25.30")
    totals = {t["currency"]: t["metrics"] for t in body["totalsByCurrency"]}
    assert totals["EUR"]["total_reward"] == Decimal("25.30") and totals["USD"]["total_reward"] == Decimal("3.03")


def test_totals_carry_the_same_two_places_as_rows(client, world):
    url = pull_url(world.user_x, dimensions=["date", "link"], metrics=["click_count", "total_reward", "epc", "conversion_rate"])
    body = exact(client.get(url + "?format=json"))
    for metrics in [*(r["metrics"] for r in body["rows"]), body["totals"]]:
        for name in ("total_reward", "epc", "conversion_rate"):
            assert metrics[name].as_tuple().exponent == -2, (name, metrics[name])
    assert body["totals"]["epc"] == Decimal("13.06")  # 65.30 / 5 clicks


# startDate / endDate


def test_dates_override_the_presets_range(client, world):
    url = pull_url(world.user_x)
    empty = exact(client.get(url + "?format=json&startDate=2026-11-11&endDate=2026-11-12"))
    assert empty["rows"] == [] and empty["totals"]["click_count"] == 0
    assert empty["totals"]["total_reward"] == Decimal("0.00")
    assert exact(client.get(url + "?format=json&endDate=2026-11-10"))["rows"][0]["metrics"]["click_count"] == 5


# Errors: 401, 400, 404, 429


def test_invalid_token_is_401_with_trace_id(client, world):
    assert_error(client.get("/api/v1/reports/not-a-token"), 401, "token")
    assert_error(client.get("/api/v1/reports/not-a-token?format=json"), 401, "token")


def test_disabled_token_is_401_with_trace_id(client, world):
    url = pull_url(world.user_x)
    set_enabled(db.session.scalars(select(ReportPreset)).one(), False)
    db.session.commit()
    assert_error(client.get(url), 401, "token")


def test_the_callers_request_id_comes_back_as_trace_id(client, world):
    response = client.get("/api/v1/reports/not-a-token", headers={REQUEST_ID_HEADER: "client-trace-0001"})
    assert assert_error(response, 401, "token")["trace_id"] == "client-trace-0001"


@pytest.mark.parametrize(
    ("query", "field"),
    [("format=xml", "format"), ("startDate=2026-13-01", "startDate"), ("endDate=yesterday", "endDate")],
)
def test_bad_parameters_are_400_naming_the_field_with_trace_id(client, world, query, field):
    response = client.get(f"{pull_url(world.user_x)}?{query}")
    assert_error(response, 400, field)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_path_that_is_no_pull_is_404_with_trace_id(client, world):
    assert_error(client.get("/api/v1/reports/"), 404, "")
    assert_error(client.get("/api/v1/reports/a/b"), 404, "")


def test_too_many_pulls_of_one_token_is_429_with_trace_id(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_PULL_RATE_LIMIT", "2 per hour")
    url, other = pull_url(world.user_x), pull_url(world.user_b, name="Other")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert_error(response, 429, "")
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(other).status_code == 200  # the limit is per token


def test_unknown_tokens_never_spend_a_real_tokens_budget(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_PULL_RATE_LIMIT", "2 per hour")
    url = pull_url(world.user_x)
    guesses = [client.get(f"/api/v1/reports/guess-{n}").status_code for n in range(3)]
    assert guesses == [401, 401, 429]  # guessing from one address is limited too
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]  # same address, full budget


def test_the_budget_follows_the_token_not_the_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_PULL_RATE_LIMIT", "2 per hour")
    url = pull_url(world.user_x)
    for address in ("192.0.2.1", "192.0.2.2"):
        assert client.get(url, environ_base={"REMOTE_ADDR": address}).status_code == 200
    assert client.get(url, environ_base={"REMOTE_ADDR": "192.0.2.3"}).status_code == 429
