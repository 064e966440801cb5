"""Custom payouts and custom throttles on the publisher page: add, edit in place, delete, validation like
the offer's terms, the publisher's scope, and the audit entries."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network.models import CustomPayout, CustomThrottle, PayoutType, ThrottleStatus
from portal.network.plans import effective_plan
from portal.types import utcnow
from tests.factories import (
    CustomPayoutFactory,
    CustomThrottleFactory,
    OfferEventFactory,
    OfferFactory,
    PublisherFactory,
)
from tests.network.conftest import HX, body


def payout_data(offer, event=None, prefix="new-payout", **values) -> dict:
    data = {"offer_id": str(offer.id), "offer_event_id": str(event.id) if event else "", "payout_type": "CPA",
            "payout": "40", "payout_percent": "", "revenue_type": "RPA", "revenue": "60", "revenue_percent": "", "active": "y"}
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items() if v is not None}


def throttle_data(offer, event=None, prefix="new-throttle", **values) -> dict:
    data = {"offer_id": str(offer.id), "offer_event_id": str(event.id) if event else "", "percentage": "30",
            "throttle_status": "Rejected", "sub1": "", "sub2": "", "sub3": "", "sub4": "", "sub5": "", "active": "y"}
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items() if v is not None}


@pytest.fixture
def setup(app):
    publisher = PublisherFactory()
    offer = OfferFactory(name="Alpha Casino", payout=Decimal("25"))
    event = OfferEventFactory(offer=offer, code="ftd", payout=Decimal("50"))
    db.session.commit()
    return publisher, offer, event


def test_add_a_custom_payout_for_an_event_and_it_wins(admin_client, admin_user, setup):
    publisher, offer, event = setup
    response = admin_client.post(f"/admin/publishers/{publisher.id}/payouts", data=payout_data(offer, event, payout="75.5"), headers=HX)
    assert response.status_code == 200 and "Custom payout is added." in body(response) and "Alpha Casino" in body(response)
    row = db.session.scalar(select(CustomPayout))
    assert (row.publisher_id, row.offer_id, row.offer_event_id, row.payout, row.revenue) == (
        publisher.id, offer.id, event.id, Decimal("75.5000"), Decimal("60.0000"))
    plan = effective_plan(publisher.id, offer, event)
    assert (plan.source, plan.payout) == ("custom_event", Decimal("75.5000"))
    assert effective_plan(publisher.id, offer).payout == Decimal("25.0000")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "CustomPayout"))
    assert entry.action == "create" and entry.actor_id == admin_user.id and entry.changes["payout"] == [None, "75.5000"]


@pytest.mark.parametrize("values, field_message", [
    ({"payout_type": "CPA", "payout": ""}, "A CPA payout needs an amount."),
    ({"payout_type": "CPS", "payout_percent": ""}, "A CPS payout needs a percentage."),
    ({"payout_type": "PRV", "payout_percent": "120"}, "It cannot be more than 100."),
    ({"payout": "-1"}, "It cannot be negative."),
    ({"payout": "1.23456"}, "Use at most 4 decimal places."),
    ({"payout_type": "CPL"}, "Pick one of: CPA, CPS"),
    ({"offer_id": ""}, "Pick an offer that is not archived."),
])
def test_custom_payout_terms_are_validated_like_the_offers(admin_client, setup, values, field_message):
    publisher, offer, _ = setup
    response = admin_client.post(f"/admin/publishers/{publisher.id}/payouts", data=payout_data(offer, **values), headers=HX)
    assert response.status_code == 400 and field_message in body(response)
    assert db.session.scalar(select(func.count(CustomPayout.id))) == 0


def test_custom_payout_refuses_another_offers_event_a_duplicate_and_an_archived_offer(admin_client, setup):
    publisher, offer, event = setup
    foreign_event = OfferEventFactory(code="reg")
    archived = OfferFactory(archived_at=utcnow())
    CustomPayoutFactory(publisher=publisher, offer=offer)
    db.session.commit()
    url = f"/admin/publishers/{publisher.id}/payouts"
    wrong = admin_client.post(url, data=payout_data(offer, foreign_event), headers=HX)
    assert wrong.status_code == 400 and "Pick one of this offer&#39;s events" in body(wrong)
    duplicate = admin_client.post(url, data=payout_data(offer), headers=HX)
    assert duplicate.status_code == 400 and "already has a custom payout" in body(duplicate)
    assert admin_client.post(url, data=payout_data(archived), headers=HX).status_code == 400
    assert admin_client.post(url, data=payout_data(offer, event), headers=HX).status_code == 200
    assert db.session.scalar(select(func.count(CustomPayout.id))) == 2


def test_edit_a_custom_payout_in_place_and_delete_it(admin_client, setup):
    publisher, offer, event = setup
    row = CustomPayoutFactory(publisher=publisher, offer=offer, payout=Decimal("40"))
    db.session.commit()
    base = f"/admin/publishers/{publisher.id}/payouts/{row.id}"
    form = admin_client.get(f"{base}/edit", headers=HX)
    assert form.status_code == 200 and f'name="payout-{row.id}-payout"' in body(form) and 'value="40.0000"' in body(form)
    prefix = f"payout-{row.id}"
    bad = admin_client.post(f"{base}/edit", data=payout_data(offer, prefix=prefix, payout_type="CPS", payout_percent=""), headers=HX)
    assert bad.status_code == 400 and "A CPS payout needs a percentage." in body(bad)
    saved = admin_client.post(f"{base}/edit", data=payout_data(offer, prefix=prefix, payout_type="CPAxCPS", payout="10", payout_percent="5"), headers=HX)
    assert saved.status_code == 200 and "Custom payout is saved." in body(saved)
    db.session.expire_all()
    assert (row.payout_type, row.payout, row.payout_percent) == (PayoutType.CPA_CPS, Decimal("10.0000"), Decimal("5.0000"))
    assert admin_client.post(f"{base}/delete", csrf=False).status_code == 400
    deleted = admin_client.post(f"{base}/delete", headers=HX)
    assert deleted.status_code == 200 and "Custom payout is deleted." in body(deleted)
    assert db.session.scalar(select(func.count(CustomPayout.id))) == 0
    assert effective_plan(publisher.id, offer).source == "offer"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "CustomPayout").order_by(AuditEntry.id)).all()
    assert actions == ["update", "delete"]


def test_an_inactive_custom_payout_does_not_apply(admin_client, setup):
    publisher, offer, _ = setup
    admin_client.post(f"/admin/publishers/{publisher.id}/payouts", data=payout_data(offer, active=None), headers=HX)
    assert db.session.scalar(select(CustomPayout.active)) is False
    assert effective_plan(publisher.id, offer).source == "offer"


def test_add_edit_and_delete_a_throttle(admin_client, admin_user, setup):
    publisher, offer, event = setup
    url = f"/admin/publishers/{publisher.id}/throttles"
    added = admin_client.post(url, data=throttle_data(offer, event, sub1="<b>blog</b>", throttle_status="Pending"), headers=HX)
    assert added.status_code == 200 and "Throttle is added." in body(added)
    assert "&lt;b&gt;blog&lt;/b&gt;" in body(added) and "<b>blog</b>" not in body(added)
    row = db.session.scalar(select(CustomThrottle))
    assert (row.percentage, row.throttle_status, row.offer_event_id, row.sub1, row.sub2) == (30, ThrottleStatus.PENDING, event.id, "<b>blog</b>", None)
    prefix = f"throttle-{row.id}"
    form = admin_client.get(f"{url}/{row.id}/edit", headers=HX)
    assert form.status_code == 200 and f'name="{prefix}-percentage"' in body(form)
    saved = admin_client.post(f"{url}/{row.id}/edit", data=throttle_data(offer, prefix=prefix, percentage="100"), headers=HX)
    assert saved.status_code == 200
    db.session.expire_all()
    assert (row.percentage, row.offer_event_id, row.sub1, row.throttle_status) == (100, None, None, ThrottleStatus.REJECTED)
    assert admin_client.post(f"{url}/{row.id}/delete", headers=HX).status_code == 200
    assert db.session.scalar(select(func.count(CustomThrottle.id))) == 0
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "CustomThrottle").order_by(AuditEntry.id)).all()
    assert actions == ["create", "update", "delete"]


@pytest.mark.parametrize("values, message", [
    ({"percentage": "101"}, "Enter a whole number from 0 to 100."),
    ({"percentage": "-5"}, "Enter a whole number from 0 to 100."),
    ({"percentage": "12.5"}, "Enter a whole number from 0 to 100."),
    ({"percentage": ""}, "Enter a whole number from 0 to 100."),
    ({"throttle_status": "Approved"}, "Pick one of: Pending, Rejected."),
    ({"sub3": "x" * 256}, "Keep it to 255 characters."),
])
def test_throttle_fields_are_validated(admin_client, setup, values, message):
    publisher, offer, _ = setup
    response = admin_client.post(f"/admin/publishers/{publisher.id}/throttles", data=throttle_data(offer, **values), headers=HX)
    assert response.status_code == 400 and message in body(response)
    assert db.session.scalar(select(func.count(CustomThrottle.id))) == 0


def test_zero_and_full_throttles_are_allowed(admin_client, setup):
    publisher, offer, _ = setup
    for percentage in ("0", "100"):
        response = admin_client.post(f"/admin/publishers/{publisher.id}/throttles", data=throttle_data(offer, percentage=percentage), headers=HX)
        assert response.status_code == 200
    assert sorted(db.session.scalars(select(CustomThrottle.percentage))) == [0, 100]


def test_terms_of_another_publisher_are_404_and_archived_publishers_are_read_only(admin_client, setup):
    publisher, offer, _ = setup
    theirs = CustomThrottleFactory(offer=offer)
    archived = PublisherFactory(archived_at=utcnow())
    db.session.commit()
    assert admin_client.get(f"/admin/publishers/{publisher.id}/throttles/{theirs.id}/edit").status_code == 404
    assert admin_client.post(f"/admin/publishers/{publisher.id}/throttles/{theirs.id}/delete").status_code == 404
    assert admin_client.post(f"/admin/publishers/{publisher.id}/payouts/999999/edit").status_code == 404
    refused = admin_client.post(f"/admin/publishers/{archived.id}/payouts", data=payout_data(offer), headers=HX)
    assert refused.status_code == 400 and "archived" in body(refused)
    page = body(admin_client.get(f"/admin/publishers/{publisher.id}"))
    assert f'data-throttle-id="{theirs.id}"' not in page


def test_the_sections_work_without_javascript(admin_client, setup):
    publisher, offer, _ = setup
    added = admin_client.post(f"/admin/publishers/{publisher.id}/payouts", data=payout_data(offer))
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/admin/publishers/{publisher.id}#payouts")
    refused = admin_client.post(f"/admin/publishers/{publisher.id}/throttles", data=throttle_data(offer, percentage="500"))
    assert refused.status_code == 400 and "<html" in body(refused) and "Enter a whole number" in body(refused)
    section = admin_client.get(f"/admin/publishers/{publisher.id}/payouts")
    assert section.status_code == 302
