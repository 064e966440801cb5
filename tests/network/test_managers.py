"""Account managers of advertisers and publishers: who may be picked (Active network staff only), the
manager shown in the lists and on the pages, the audited change, and the "Managed by me" filter."""
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import UserStatus
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network.managers import account_managers
from portal.network.models import Advertiser, Publisher
from tests.factories import AdvertiserFactory, PublisherFactory, UserFactory
from tests.network.conftest import HX, body

REFUSED = "Pick an active admin or account manager who may manage"


def publisher_form(**values) -> dict:
    form = {"name": "Goal Rush Media", "status": "Active", "email": "", "website": "", "country": "GB", "timezone": "UTC",
            "postback_url": "", "manager_id": ""}
    form.update(values)
    return form


def advertiser_form(**values) -> dict:
    form = {"name": "Brand Casino", "active": "y", "default_currency": "EUR", "manager_id": ""}
    form.update(values)
    return form


def ids_in(html: str, kind: str) -> list[int]:
    return [int(i) for i in re.findall(rf'data-{kind}-id="(\d+)"', html)]


@pytest.fixture
def staff(admin_user, manager_user):
    """Everyone who could be named a manager, and those who cannot (whose publisher and advertiser come along)."""
    people = dict(
        admin=admin_user,
        manager=manager_user,
        gone=UserFactory(is_account_manager=True, status=UserStatus.DEACTIVATED),
        publisher_user=UserFactory(is_publisher=True),
        advertiser_user=UserFactory(is_advertiser=True),
    )
    db.session.commit()
    return people


def test_the_choices_are_the_active_admins_and_account_managers(staff):
    assert {u.id for u in account_managers(Publisher)} == {staff["admin"].id, staff["manager"].id}
    assert staff["gone"].id in {u.id for u in account_managers(Publisher, include_id=staff["gone"].id)}  # an edit keeps the current one
    assert staff["publisher_user"].id not in {u.id for u in account_managers(Publisher, include_id=staff["publisher_user"].id)}


def test_a_publisher_gets_a_staff_manager_and_the_change_is_audited(manager_client, staff):
    form = body(manager_client.get("/admin/publishers/new"))
    assert f'<option value="{staff["manager"].id}">' in form and f'value="{staff["publisher_user"].id}"' not in form
    response = manager_client.post("/admin/publishers/new", data=publisher_form(manager_id=str(staff["manager"].id)))
    assert response.status_code == 302
    publisher = db.session.scalar(select(Publisher).where(Publisher.name == "Goal Rush Media"))
    assert publisher.manager_id == staff["manager"].id
    page = body(manager_client.get(f"/admin/publishers/{publisher.id}"))
    assert f'data-profile="manager">{staff["manager"].display_name}<' in page
    saved = manager_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(manager_id=str(staff["admin"].id)),
                                headers=HX)
    assert saved.status_code == 200 and f'data-profile="manager">{staff["admin"].display_name}<' in body(saved)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Publisher", AuditEntry.action == "update"))
    assert entry.changes == {"manager_id": [staff["manager"].id, staff["admin"].id]} and entry.actor_id == staff["manager"].id


@pytest.mark.parametrize("who", ["publisher_user", "advertiser_user", "gone"])
def test_only_active_staff_can_manage_a_new_publisher_or_advertiser(admin_client, staff, who):
    user_id = str(staff[who].id)
    response = admin_client.post("/admin/publishers/new", data=publisher_form(manager_id=user_id))
    assert response.status_code == 400 and f'id="manager_id-error">{REFUSED}' in body(response)
    response = admin_client.post("/admin/advertisers/new", data=advertiser_form(manager_id=user_id))
    assert response.status_code == 400 and f'id="manager_id-error">{REFUSED}' in body(response)
    assert db.session.scalar(select(Publisher.id).where(Publisher.name == "Goal Rush Media")) is None
    assert db.session.scalar(select(Advertiser.id).where(Advertiser.name == "Brand Casino")) is None


def test_an_unknown_manager_is_refused_inline(admin_client, staff):
    response = admin_client.post("/admin/publishers/new", data=publisher_form(manager_id="999999"))
    assert response.status_code == 400 and REFUSED in body(response)


def test_an_edit_keeps_a_deactivated_manager_but_cannot_pick_one(admin_client, staff):
    publisher = PublisherFactory(name="Goal Rush Media", manager_id=staff["gone"].id)
    other = PublisherFactory(name="Spin Scout")
    db.session.commit()
    kept = admin_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(manager_id=str(staff["gone"].id)), headers=HX)
    assert kept.status_code == 200 and "is saved" in body(kept) and f'data-profile="manager">{staff["gone"].display_name}<' in body(kept)
    moved = admin_client.post(f"/admin/publishers/{other.id}/edit",
                              data=publisher_form(name="Spin Scout", manager_id=str(staff["gone"].id)), headers=HX)
    assert moved.status_code == 400 and REFUSED in body(moved)
    db.session.expire_all()
    assert (publisher.manager_id, other.manager_id) == (staff["gone"].id, None)


def test_advertisers_take_account_managers_too(admin_client, staff):
    response = admin_client.post("/admin/advertisers/new", data=advertiser_form(manager_id=str(staff["manager"].id)))
    assert response.status_code == 302
    advertiser = db.session.scalar(select(Advertiser).where(Advertiser.name == "Brand Casino"))
    assert advertiser.manager_id == staff["manager"].id
    page = body(admin_client.get(f"/admin/advertisers/{advertiser.id}/edit"))
    assert f"Managed by {staff['manager'].display_name}" in page


def test_managed_by_me_filters_the_publishers_and_advertisers_lists(manager_client, staff):
    me, admin = staff["manager"], staff["admin"]
    mine = PublisherFactory(name="Mine Media", manager_id=me.id)
    admins = PublisherFactory(name="Admin Media", manager_id=admin.id)
    PublisherFactory(name="Nobody Media")
    my_brand = AdvertiserFactory(name="Mine Brand", manager_id=me.id)
    AdvertiserFactory(name="Other Brand")
    db.session.commit()

    everyone = body(manager_client.get("/admin/publishers"))
    assert len(ids_in(everyone, "publisher")) == 4 and '<option value="me">Managed by me</option>' in everyone
    assert f"<td data-manager>{me.display_name}</td>" in everyone and "<td data-manager>—</td>" in everyone
    page = body(manager_client.get("/admin/publishers", query_string={"manager": "me"}))
    assert ids_in(page, "publisher") == [mine.id] and '<option selected value="me">' in page
    partial = body(manager_client.get("/admin/publishers", query_string={"manager": "me", "sort": "-name"}, headers=HX))
    assert ids_in(partial, "publisher") == [mine.id] and "manager=me" in partial  # sort links keep the filter
    by_admin = body(manager_client.get("/admin/publishers", query_string={"manager": str(admin.id)}))
    assert ids_in(by_admin, "publisher") == [admins.id]

    brands = body(manager_client.get("/admin/advertisers", query_string={"manager": "me"}))
    assert ids_in(brands, "advertiser") == [my_brand.id] and f"<td data-manager>{me.display_name}</td>" in brands
    assert len(ids_in(body(manager_client.get("/admin/advertisers", query_string={"manager": "nonsense"})), "advertiser")) == 3


def test_the_bulk_action_keeps_the_manager_filter_without_javascript(admin_client, staff):
    publisher = PublisherFactory(manager_id=staff["admin"].id)
    db.session.commit()
    response = admin_client.post("/admin/publishers/bulk", data={"action": "suspend", "ids": [str(publisher.id)], "manager": "me"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/publishers?manager=me")
