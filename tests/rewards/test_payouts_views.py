"""Admin payout pages (list, new → preview → confirm, detail) and the payouts a publisher sees."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.rewards.models import Payout
from tests.factories import PublisherFactory
from tests.rewards.conftest import HX, approved, body

PAGES = ["/admin/payouts", "/admin/payouts/new"]


def made(publisher, payout, currency="EUR", status=ConversionStatus.APPROVED):
    conversion = approved(publisher, payout, currency=currency, status=status)
    conversion.created_at = datetime(2026, 10, 10, tzinfo=UTC)
    return conversion


def form(publisher, **extra):
    return {"publisher_id": publisher.id, "currency": "eur", "cut_off": "2026-10-31", "note": "October", **extra}


def payouts() -> int:
    return db.session.scalar(select(func.count(Payout.id)))


@pytest.mark.parametrize("url", PAGES)
def test_payout_pages_are_for_admins(app, client, admin_client, publisher_client, advertiser_client, url):
    assert client.get(url).status_code == 302
    assert publisher_client.get(url).status_code == 403
    assert advertiser_client.get(url).status_code == 403
    assert admin_client.get(url).status_code == 200


def test_preview_then_confirm_pays_and_shows_the_detail(app, fan, admin_client):
    made(fan.publisher, "10.00")
    made(fan.publisher, "2.5050")
    made(fan.publisher, "7.00", status=ConversionStatus.PENDING)
    db.session.commit()

    preview = admin_client.post("/admin/payouts/new", data=form(fan.publisher))
    assert preview.status_code == 200
    page = body(preview)
    assert 'id="payout-preview"' in page and "12.505 EUR" in page and "<strong>2</strong>" in page
    assert payouts() == 0  # a preview pays nothing

    done = admin_client.post("/admin/payouts/new", data=form(fan.publisher, expected_count="2", expected_amount="12.5050", confirm="1"))
    assert done.status_code == 303
    payout = db.session.scalar(select(Payout))
    assert done.headers["Location"].endswith(f"/admin/payouts/{payout.id}")
    assert (payout.amount, payout.currency, payout.conversion_count, payout.note) == (Decimal("12.5050"), "EUR", 2, "October")
    detail = admin_client.get(f"/admin/payouts/{payout.id}")
    assert detail.status_code == 200 and "12.505" in body(detail) and body(detail).count("EUR</td>") == 2
    listing = body(admin_client.get(f"/admin/payouts?publisher_id={fan.publisher_id}&currency=EUR"))
    assert f'/admin/payouts/{payout.id}"' in listing


def test_confirm_refuses_when_payable_changed_since_the_preview(app, fan, admin_client):
    made(fan.publisher, "10.00")
    db.session.commit()
    response = admin_client.post("/admin/payouts/new", data=form(fan.publisher, expected_count="1", expected_amount="9.00", confirm="1"))
    assert response.status_code == 409
    assert "changed since the preview" in body(response) and 'value="10.00' in body(response)
    assert payouts() == 0
    assert db.session.scalar(select(func.count(Conversion.id)).where(Conversion.paid_at.is_not(None))) == 0


def test_nothing_payable_is_400(app, fan, admin_client):
    made(fan.publisher, "10.00", currency="USD")
    db.session.commit()
    response = admin_client.post("/admin/payouts/new", data=form(fan.publisher))
    assert response.status_code == 400
    assert "Nothing to pay" in body(response) and "payable commission: USD" in body(response)


@pytest.mark.parametrize("change", [{"currency": "euro"}, {"currency": ""}, {"cut_off": "31/10/2026"}, {"publisher_id": "999999"}, {"note": "x" * 501}])
def test_invalid_payout_forms_are_400_and_keep_what_was_typed(app, fan, admin_client, change):
    response = admin_client.post("/admin/payouts/new", data=form(fan.publisher, **change))
    assert response.status_code == 400
    assert "field-error" in body(response)
    assert payouts() == 0


def test_payout_needs_csrf_and_an_admin(app, fan, admin_client, publisher_client):
    made(fan.publisher, "10.00")
    db.session.commit()
    data = form(fan.publisher, expected_count="1", expected_amount="10.00", confirm="1")
    assert admin_client.post("/admin/payouts/new", data=data, csrf=False).status_code == 400
    assert publisher_client.post("/admin/payouts/new", data=data).status_code == 403
    assert payouts() == 0


def test_unknown_payout_is_404_and_bad_filters_400(app, admin_client):
    assert admin_client.get("/admin/payouts/12345").status_code == 404
    assert admin_client.get("/admin/payouts?publisher_id=abc").status_code == 400
    assert admin_client.get("/admin/payouts?currency=XYZ").status_code == 400


def test_list_filters_and_htmx_partial(app, fan, other_fan, admin_client):
    for publisher in (fan.publisher, other_fan.publisher):
        made(publisher, "1.00")
    db.session.commit()
    for publisher in (fan.publisher, other_fan.publisher):
        admin_client.post("/admin/payouts/new", data=form(publisher, expected_count="1", expected_amount="1.00", confirm="1"))
    assert payouts() == 2
    partial = admin_client.get(f"/admin/payouts?publisher_id={other_fan.publisher_id}", headers=HX)
    assert partial.status_code == 200 and body(partial).lstrip().startswith('<div id="admin-payouts">')
    assert f"<td>{other_fan.publisher.name}</td>" in body(partial) and f"<td>{fan.publisher.name}</td>" not in body(partial)
    unpaid = PublisherFactory()
    db.session.commit()
    assert "No payouts match." in body(admin_client.get(f"/admin/payouts?publisher_id={unpaid.id}"))


def test_publisher_sees_only_its_own_payouts(app, fan, other_fan, admin_client, publisher_client):
    made(fan.publisher, "3.00")
    made(other_fan.publisher, "444.00")
    db.session.commit()
    for publisher, amount in ((fan.publisher, "3.00"), (other_fan.publisher, "444.00")):
        response = admin_client.post("/admin/payouts/new", data=form(publisher, expected_count="1", expected_amount=amount, confirm="1"))
        assert response.status_code == 303
    page = body(publisher_client.get("/rewards"))
    assert 'id="earnings-payouts"' in page and "October" in page
    assert "444" not in page
    assert publisher_client.get(f"/admin/payouts/{db.session.scalar(select(Payout.id))}").status_code == 403
    balance_row = '<td>EUR</td><td class="num">0.00</td><td class="num">0.00</td><td class="num">3.00</td>'
    assert balance_row in page  # paid now, nothing payable
    pager = publisher_client.get("/rewards?page=1", headers={**HX, "HX-Target": "earnings-payouts"})
    assert pager.status_code == 200 and body(pager).lstrip().startswith('<section id="earnings-payouts">')
