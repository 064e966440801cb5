"""Raw log pages: role scoping, filters, escaping, paging and the export button."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.exports.models import Export
from portal.extensions import db
from tests.conftest import signed_in_client
from tests.exports.conftest import work_exports
from tests.factories import ClickFactory

HTMX = {"HX-Request": "true"}


def test_log_pages_need_a_sign_in(client):
    assert client.get("/logs/clicks").status_code == 302


def test_an_unknown_log_is_a_404(publisher_client):
    assert publisher_client.get("/logs/passwords").status_code == 404


@pytest.mark.parametrize("name", ["clicks", "conversions", "impressions"])
def test_each_log_shows_a_publisher_only_its_own_rows(app, traffic, name):
    alice = signed_in_client(app, traffic.alice).get(f"/logs/{name}")
    assert alice.status_code == 200 and traffic.link_a.public_id in alice.text
    assert traffic.link_b.public_id not in alice.text and "bob-only" not in alice.text
    bob = signed_in_client(app, traffic.bob).get(f"/logs/{name}")
    assert traffic.link_a.public_id not in bob.text


def test_an_advertiser_sees_its_offers_rows_and_an_admin_everything(app, traffic):
    advertiser = signed_in_client(app, traffic.advertiser).get("/logs/clicks").text
    assert "Offer A" in advertiser and "bob-only" not in advertiser and "2 rows" in advertiser
    admin = signed_in_client(app, traffic.admin).get("/logs/clicks").text
    assert "bob-only" in admin and "3 rows" in admin


def test_sub_ids_are_escaped_and_the_ip_hash_never_shown(app, traffic):
    page = signed_in_client(app, traffic.alice).get("/logs/clicks").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "ip_hash" not in page


def test_filters_narrow_the_rows_and_keep_the_export_query(app, traffic):
    alice = signed_in_client(app, traffic.alice)
    page = alice.get("/logs/clicks?start=2026-03-11&end=2026-03-11", headers=HTMX)
    assert page.status_code == 200 and "1 row" in page.text and '<div id="log-table">' in page.text
    assert "<html" not in page.text
    assert 'name="query" value="start=2026-03-11&amp;end=2026-03-11"' in page.text
    assert "1 row" in alice.get(f"/logs/conversions?offer={traffic.link_a.offer_id}").text
    assert "0 rows" in alice.get(f"/logs/conversions?offer={traffic.link_b.offer_id}").text
    assert "0 rows" in alice.get("/logs/clicks?link=unknown").text


def test_offer_choices_are_the_viewers_own(app, traffic):
    page = signed_in_client(app, traffic.alice).get("/logs/clicks").text
    assert ">Offer A</option>" in page and ">Offer B</option>" not in page


def test_a_malformed_filter_is_a_400_with_its_reason(app, traffic):
    alice = signed_in_client(app, traffic.alice)
    page = alice.get("/logs/clicks?start=31.12.2026")
    assert page.status_code == 400 and "The start date must look like 2026-01-31." in page.text
    assert alice.get("/logs/clicks?offer=abc", headers=HTMX).status_code == 400


def test_long_logs_are_paged(app, traffic):
    at = datetime(2026, 4, 1, tzinfo=UTC)
    for n in range(55):
        ClickFactory(link=traffic.link_b, created_at=at + timedelta(minutes=n), sub1=f"page-{n}")
    db.session.commit()
    bob = signed_in_client(app, traffic.bob)
    first = bob.get("/logs/clicks").text
    assert "page 1 of 2" in first and 'href="/logs/clicks?page=2"' in first
    second = bob.get("/logs/clicks?page=2").text
    assert "page 2 of 2" in second and second.count("<tr>") == 7  # header + 6 rows
    assert "page 2 of 2" in bob.get("/logs/clicks?page=99").text


def test_the_export_button_exports_what_the_page_shows(app, traffic):
    alice = signed_in_client(app, traffic.alice)
    response = alice.post("/exports", data={"kind": "click_logs", "query": "start=2026-03-11"}, headers=HTMX)
    assert response.status_code == 202
    work_exports()
    export = db.session.query(Export).one()
    assert export.row_count == 1
