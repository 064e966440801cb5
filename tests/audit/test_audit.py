"""The audit log: record() stores JSON-safe before/after values; /admin/audit lists, filters and pages them."""
import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.audit.models import AuditEntry
from portal.audit.service import json_safe, record
from portal.extensions import db
from tests.factories import OfferFactory, UserFactory
from tests.network.conftest import HX, body


class Colour(enum.Enum):
    RED = "Red"


def test_record_stores_json_safe_changes(app):
    admin = UserFactory()
    offer = OfferFactory()
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    entry = record(admin.id, "update", offer, {"payout": (Decimal("1.5000"), Decimal("2")), "visibility": (Colour.RED, None),
                                               "archived_at": (None, when), "active": (True, False)})
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.actor_id, stored.action, stored.object_type, stored.object_id) == (admin.id, "update", "Offer", str(offer.id))
    assert stored.changes == {"payout": ["1.5000", "2"], "visibility": ["Red", None],
                              "archived_at": [None, "2026-01-02T03:04:00+00:00"], "active": [True, False]}


def test_json_safe_handles_nested_values():
    assert json_safe({"a": [Decimal("1.10"), date(2026, 1, 2)]}) == {"a": ["1.10", "2026-01-02"]}


@pytest.fixture
def log(app):
    alice, bob = UserFactory(email="alice@tracklane.test"), UserFactory(email="bob@tracklane.test")
    offer = OfferFactory()
    now = datetime.now(UTC)
    for n in range(55):
        db.session.add(AuditEntry(actor_id=alice.id, action="update", object_type="Offer", object_id=str(offer.id),
                                  changes={"payout": [str(n), str(n + 1)]}, created_at=now - timedelta(minutes=n)))
    db.session.add(AuditEntry(actor_id=bob.id, action="archive", object_type="Advertiser", object_id="7", changes={},
                              created_at=now - timedelta(days=3)))
    db.session.commit()
    return alice, bob


def test_admin_sees_entries_newest_first_in_pages(admin_client, log):
    html = body(admin_client.get("/admin/audit"))
    assert "56 entries" in html and "page 1 of 2" in html
    assert html.index("<code>payout</code>: 0 → 1") < html.index("<code>payout</code>: 1 → 2")
    html = body(admin_client.get("/admin/audit?page=2"))
    assert html.count("data-entry-id") == 6 and "bob@tracklane.test" in html


def test_filters_by_object_type_actor_and_date(admin_client, log):
    alice, bob = log
    html = body(admin_client.get("/admin/audit?object_type=Advertiser"))
    assert "1 entry" in html and "Advertiser #7" in html
    html = body(admin_client.get(f"/admin/audit?actor={bob.id}"))
    assert "1 entry" in html
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    html = body(admin_client.get(f"/admin/audit?day_from={day}&day_to={day}"))
    assert "1 entry" in html and "bob@tracklane.test" in html
    response = admin_client.get("/admin/audit?day_from=not-a-date")
    assert response.status_code == 200 and "56 entries" in body(response)


def test_htmx_gets_the_table_only(admin_client, log):
    response = admin_client.get("/admin/audit?object_type=Offer", headers=HX)
    assert body(response).lstrip().startswith('<div id="audit-table">') and "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("role_client", ["publisher_client", "advertiser_client"])
def test_only_admins_read_the_log(request, role_client, log):
    assert request.getfixturevalue(role_client).get("/admin/audit").status_code == 403


def test_admin_changes_made_in_the_portal_show_up(admin_client, admin_user):
    admin_client.post("/admin/advertisers/new", data={"name": "Acme", "active": "y", "default_currency": "EUR"})
    html = body(admin_client.get("/admin/audit?object_type=Advertiser"))
    assert admin_user.email in html and "create" in html and "<code>name</code>: — → Acme" in html
