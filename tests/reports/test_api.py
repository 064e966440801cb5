"""`GET /api/v1/reports/{token}`: shapes, status codes, overrides, headers, isolation, formula safety."""
from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date
from decimal import Decimal

import pytest

from portal.accounts.models import Role, UserStatus
from portal.extensions import db
from portal.reports.presets import regenerate_token, save_preset, set_enabled, token_for
from portal.reports.query import ReportQuery

NOV_10 = {"date_range": "custom", "start_date": date(2026, 11, 10), "end_date": date(2026, 11, 10)}


def saved(user, **fields):
    query = ReportQuery(**{**NOV_10, **fields}, publisher_id=user.publisher_id, advertiser_id=user.advertiser_id)
    preset = save_preset(user, "Daily", query)
    db.session.commit()
    return preset, f"/api/v1/reports/{token_for(preset)}"


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_has_header_rows_and_totals(client, world):
    _, url = saved(world.user_b, dimensions=["date", "sub1"], metrics=["click_count", "total_reward"])
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert rows_of(response) == [
        ["Date", "Sub 1", "Currency", "Clicks", "Total reward"],
        ["2026-11-10", "beta", "EUR", "2", "40.00"],
        ["Total", "", "EUR", "2", "40.00"],
    ]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def exact_json(response) -> dict:
    """The body with every fraction read as a Decimal: a number, exactly as written."""
    return json.loads(response.get_data(as_text=True), parse_float=Decimal)


def test_json_shape(client, world):
    _, url = saved(world.user_b, dimensions=["sub1"], metrics=["click_count", "total_reward", "conversion_rate"])
    response = client.get(url + "?format=json")
    assert response.mimetype == "application/json"
    body = exact_json(response)
    assert body["rows"] == [
        {"groupKeys": {"sub1": "beta", "currency": "EUR"}, "metrics": {"click_count": 2, "total_reward": Decimal("40.00"), "conversion_rate": Decimal("50.00")}}
    ]
    assert body["totals"] == {"click_count": 2, "total_reward": Decimal("40.00"), "conversion_rate": Decimal("50.00"), "currency": "EUR"}
    assert '"total_reward":40.00,' in response.get_data(as_text=True)  # a number with its cents, not a string
    assert body["generatedAt"].endswith("Z") and len(body["generatedAt"]) == 20


def test_json_totals_per_currency_when_several(client, world):
    _, url = saved(world.user_a, dimensions=["campaign"], metrics=["click_count", "deposit_amount"])
    body = exact_json(client.get(url + "?format=json"))
    assert body["totals"] == {"click_count": 4}
    by_currency = {t["currency"]: t["metrics"]["deposit_amount"] for t in body["totalsByCurrency"]}
    assert by_currency == {"EUR": Decimal("10.30"), "USD": Decimal("5.05")}


def test_csv_cells_that_could_be_formulas_are_neutralised(client, world):
    _, url = saved(world.user_a, dimensions=["sub1"], metrics=["click_count", "ngr"])
    cells = [cell for row in rows_of(client.get(url)) for cell in row]
    assert "'=cmd()" in cells and "=cmd()" not in cells


def test_date_override(client, world):
    _, url = saved(world.user_b, dimensions=["date"], metrics=["click_count"])
    other_day = rows_of(client.get(url + "?startDate=2026-11-11&endDate=2026-11-12"))
    assert other_day == [["Date", "Clicks"], ["Total", "0"]]
    one_side = rows_of(client.get(url + "?endDate=2026-11-10"))
    assert one_side[1] == ["2026-11-10", "2"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("startDate=2026-13-01", "startDate"),
        ("endDate=yesterday", "endDate"),
        ("startDate=2026-11-12&endDate=2026-11-01", "after"),
        ("format=xml", "format"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client, world, query, message):
    _, url = saved(world.user_b)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_token_is_401(client, world):
    response = client.get("/api/v1/reports/not-a-token")
    assert response.status_code == 401 and "error" in response.get_json()


def test_disabled_token_is_401_until_enabled(client, world):
    preset, url = saved(world.user_b)
    set_enabled(preset, False)
    db.session.commit()
    assert client.get(url).status_code == 401
    set_enabled(preset, True)
    db.session.commit()
    assert client.get(url).status_code == 200


def test_regenerated_token_replaces_the_old_one_at_once(client, world):
    preset, old_url = saved(world.user_b)
    regenerate_token(preset)
    db.session.commit()
    assert client.get(old_url).status_code == 401
    assert client.get(f"/api/v1/reports/{token_for(preset)}").status_code == 200


def test_tokens_are_long_random_and_stored_hashed(world):
    preset, _ = saved(world.user_b)
    token = token_for(preset)
    assert len(token) >= 43 and token not in (preset.token_hash, preset.token_nonce)


def test_a_deactivated_owners_token_stops_working(client, world):
    _, url = saved(world.user_b)
    world.user_b.status = UserStatus.DEACTIVATED
    db.session.commit()
    assert client.get(url).status_code == 401


def test_an_account_managers_network_preset_pulls_until_they_leave_the_network(client, world, manager_user):
    _, url = saved(manager_user, dimensions=["publisher"], metrics=["click_count"])
    assert [row[0] for row in rows_of(client.get(url))[1:]] == ["Alpha Media", "Beta Media", "Total"]
    manager_user.role, manager_user.advertiser_id = Role.ADVERTISER, world.advertiser_x.id
    db.session.commit()
    assert client.get(url).status_code == 401  # an all-data preset needs network staff behind it


def test_pull_sees_only_the_owners_data(client, world):
    _, url_b = saved(world.user_b, dimensions=["link"], metrics=["click_count"])
    assert rows_of(client.get(url_b))[1:] == [["Beta link", "2"], ["Total", "2"]]
    _, url_x = saved(world.user_x, dimensions=["campaign"], metrics=["click_count"])
    assert rows_of(client.get(url_x))[1:] == [["Casino EUR", "5"], ["Total", "5"]]


def test_scope_is_fixed_when_saved(client, world):
    """Moving the owner to another publisher later does not widen or move the pull."""
    _, url = saved(world.user_b, dimensions=["link"], metrics=["click_count"])
    world.user_b.publisher_id = world.publisher_a.id
    db.session.commit()
    assert rows_of(client.get(url))[1:] == [["Beta link", "2"], ["Total", "2"]]


def test_token_never_reaches_the_log(client, world, caplog):
    _, url = saved(world.user_b)
    token = url.rsplit("/", 1)[1]
    with caplog.at_level(logging.DEBUG):
        client.get(url + "?format=json")
        client.get("/api/v1/reports/" + token[:-1])
    assert caplog.records and not any(token[:20] in record.getMessage() for record in caplog.records)
