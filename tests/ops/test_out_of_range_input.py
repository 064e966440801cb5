"""Ids, pages and dates outside what the database and the calendar can hold: a 404 for an id no row can have,
a clamped page on a list page, a 400 naming the field on the API and for a date outside 2000-01-01 … 2099-12-31."""
from __future__ import annotations

import pytest

from portal.accounts.service import create_api_key
from portal.extensions import db
from portal.reports.presets import save_preset, token_for
from portal.reports.query import ReportQuery
from tests.factories import TrackingLinkFactory

TOO_BIG = (2**31, 2**63, 10**20)
RANGE = "from 2000-01-01 to 2099-12-31"


@pytest.fixture
def network_key(app):
    _, secret = create_api_key("scripts", None)
    db.session.commit()
    return secret


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_route_id_no_row_can_have_is_a_404(admin_client, publisher_client, client, network_key, number):
    assert publisher_client.get(f"/links/{number}/edit").status_code == 404
    assert admin_client.post(f"/admin/offers/{number}/archive").status_code == 404
    response = client.get(f"/api/v1/redemptions/{number}", headers={"x-api-key": network_key})
    assert response.status_code == 404 and response.is_json


def test_the_largest_id_a_row_can_have_still_reaches_the_view(publisher_client):
    assert publisher_client.get(f"/links/{2**31 - 1}/edit").status_code == 404  # no such link, asked of the database


def test_a_huge_page_on_a_list_page_is_an_empty_page_of_the_list(publisher_user, publisher_client):
    TrackingLinkFactory(publisher=publisher_user.publisher, name="Only link")
    db.session.commit()
    for page in (10**20, 2**63, -3, "many"):
        response = publisher_client.get(f"/links?page={page}")
        assert response.status_code == 200, page
    assert "Only link" in publisher_client.get("/links?page=-3").get_data(as_text=True)


@pytest.mark.parametrize("page", [10**20, 2**63, 100_001, 0, -1, "x"])
def test_an_out_of_range_api_page_is_a_400_naming_it(client, network_key, page):
    for url in ("/api/v1/rewards", "/api/v1/redemptions"):
        response = client.get(f"{url}?page={page}", headers={"x-api-key": network_key})
        assert response.status_code == 400
        assert response.get_json()["error"] == "page must be a whole number from 1 to 100000."


def test_the_last_api_page_allowed_is_an_empty_page(client, network_key):
    response = client.get("/api/v1/rewards?page=100000", headers={"x-api-key": network_key})
    assert response.status_code == 200 and response.get_json()["rewards"] == []


@pytest.mark.parametrize("reward_id", [2**31, 10**20, "²", "9" * 5000])
def test_an_out_of_range_reward_id_filter_is_a_400_naming_it(client, network_key, reward_id):
    response = client.get(f"/api/v1/redemptions?reward_id={reward_id}", headers={"x-api-key": network_key})
    assert response.status_code == 400 and "reward_id" in response.get_json()["error"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_log_date_outside_the_calendar_is_a_400_naming_the_field(publisher_client, day):
    for name in ("start", "end"):
        response = publisher_client.get(f"/logs/clicks?{name}={day}")
        assert response.status_code == 400
        assert f"The {name} date must be a day {RANGE}." in response.get_data(as_text=True)


@pytest.mark.parametrize("offer", [2**31, "9" * 5000])
def test_a_log_offer_no_row_can_have_is_a_400(publisher_client, offer):
    response = publisher_client.get(f"/logs/clicks?offer={offer}")
    assert response.status_code == 400 and "Pick an offer from the list." in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_report_date_outside_the_calendar_is_a_400_naming_the_field(advertiser_client, day):
    response = advertiser_client.get(f"/reports?range=custom&start={day}&end={day}")
    assert response.status_code == 400
    assert f"start must be a day {RANGE}." in response.get_data(as_text=True)


def test_a_report_filter_id_no_row_can_have_is_a_400(admin_client):
    response = admin_client.get(f"/reports?f_campaign={2**31}")
    assert response.status_code == 400 and "f_campaign: expected numeric ids" in response.get_data(as_text=True)


def test_a_report_pull_date_outside_the_calendar_is_a_400_naming_it(app, client, publisher_user):
    token = token_for(save_preset(publisher_user, "Daily", ReportQuery()))
    db.session.commit()
    response = client.get(f"/api/v1/reports/{token}?format=json&endDate=9999-12-31")
    assert response.status_code == 400
    assert response.get_json()["error"] == f"endDate must be a day {RANGE}."


@pytest.mark.parametrize("url", ["/conversions", "/admin/audit", "/rewards"])
def test_a_filter_form_date_outside_the_calendar_is_a_field_error(admin_client, publisher_client, url):
    client = publisher_client if url == "/rewards" else admin_client
    names = ("start", "end") if url == "/rewards" else ("day_from", "day_to")
    response = client.get(f"{url}?{names[0]}=0001-01-01&{names[1]}=9999-12-31")
    assert response.status_code < 500
    assert f"The date must be a day {RANGE}." in response.get_data(as_text=True)
