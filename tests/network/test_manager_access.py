"""Seed 003's manager flags, manager reach and API access on users: the admin forms (enums as the seed spells
them, inline errors, audit), who may be picked as a manager, the clean-up when a flag goes off, Limited and
Restricted reach over publishers and advertisers (with their offers), API access, and migration 0009's defaults."""
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from portal.accounts.models import ManagerAccess, User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network.managers import account_managers
from portal.network.models import Advertiser, Publisher
from tests.factories import (
    AdvertiserFactory,
    CustomPayoutFactory,
    OfferEventFactory,
    OfferFactory,
    PublisherFactory,
    UserFactory,
)
from tests.network.conftest import HX, body
from tests.network.test_managers import advertiser_form, publisher_form

USERS = "/admin/users"
REFUSED = "Pick an active admin or account manager who may manage"


def nav_labels(page: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


def ids_in(html: str, kind: str) -> list[int]:
    return [int(i) for i in re.findall(rf'data-{kind}-id="(\d+)"', html)]


def invite(client, **values):
    data = {"email": "am@network.example", "first_name": "Ada", "role": "account_manager", "timezone": "UTC",
            "publisher_manager_access": "Global", "advertiser_manager_access": "Global"}
    data.update(values)
    return client.post(f"{USERS}/invite", data={f"invite-{name}": value for name, value in data.items()})


def edit(client, user, **values):
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name, "role": user.role.value,
            "advertiser_id": str(user.advertiser_id or ""), "timezone": user.timezone,
            "publisher_manager_access": user.publisher_manager_access.value,
            "advertiser_manager_access": user.advertiser_manager_access.value}
    data.update({name: "y" for name in ("is_publisher_manager", "is_advertiser_manager", "api_access_enabled") if getattr(user, name)})
    data.update(values)
    return client.post(f"{USERS}/{user.id}/edit", data={f"user-{user.id}-{k}": v for k, v in data.items() if v is not None}, headers=HX)


def reach(user, publishers=ManagerAccess.GLOBAL, advertisers=ManagerAccess.GLOBAL):
    user.publisher_manager_access, user.advertiser_manager_access = publishers, advertisers
    db.session.commit()


# ---------------------------------------------------------------- the admin forms


def test_the_forms_offer_the_seeds_enums_and_the_invite_stores_and_audits_them(admin_client, admin_user):
    page = body(admin_client.get(USERS))
    for value in ("Global", "Limited", "Restricted"):
        assert f'<option value="{value}">{value}</option>' in page or f'<option selected value="{value}">{value}</option>' in page
    response = invite(admin_client, is_publisher_manager="y", publisher_manager_access="Limited", advertiser_manager_access="Restricted")
    assert response.status_code == 201
    user = db.session.scalar(select(User).where(User.email == "am@network.example"))
    assert (user.is_publisher_manager, user.publisher_manager_access, user.is_advertiser_manager, user.advertiser_manager_access,
            user.api_access_enabled) == (True, ManagerAccess.LIMITED, False, ManagerAccess.RESTRICTED, False)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.action == "invite"))
    assert entry.changes["publisher_manager_access"] == [None, "Limited"] and entry.changes["is_publisher_manager"] == [None, True]
    assert entry.changes["api_access_enabled"] == [None, False]


@pytest.mark.parametrize("value", ["global", "Everything", "LIMITED"])
def test_an_access_outside_the_enum_is_refused_inline(admin_client, value):
    response = invite(admin_client, publisher_manager_access=value)
    assert response.status_code == 400
    assert 'id="invite-publisher_manager_access-error">Pick one of: Global, Limited, Restricted.<' in body(response)
    assert db.session.scalar(select(User.id).where(User.email == "am@network.example")) is None


def test_an_edit_changes_the_reach_and_is_audited(admin_client, admin_user, manager_user):
    response = edit(admin_client, manager_user, advertiser_manager_access="Limited", api_access_enabled=None,
                    is_publisher_manager=None)
    assert response.status_code == 200 and "is saved" in body(response)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.action == "update"))
    assert entry.actor_id == admin_user.id
    assert entry.changes == {"advertiser_manager_access": ["Global", "Limited"], "api_access_enabled": [True, False],
                             "is_publisher_manager": [True, False]}


def test_staff_fields_are_not_shown_for_publisher_or_advertiser_users(admin_client, advertiser_user, publisher_user):
    advertiser_form = body(admin_client.get(f"{USERS}/{advertiser_user.id}/edit"))
    assert "manager_access" not in advertiser_form and "is_publisher_manager" not in advertiser_form
    assert f'user-{advertiser_user.id}-api_access_enabled' in advertiser_form
    publisher_form = body(admin_client.get(f"{USERS}/{publisher_user.id}/edit"))
    assert "manager_access" not in publisher_form and "api_access_enabled" not in publisher_form


# ---------------------------------------------------------------- who may manage, and the clean-up


def test_the_manager_choices_follow_each_flag(admin_client, admin_user):
    publishers_only = UserFactory(is_account_manager=True, is_advertiser_manager=False)
    db.session.commit()
    assert publishers_only.id in {u.id for u in account_managers(Publisher)}
    assert publishers_only.id not in {u.id for u in account_managers(Advertiser)}
    refused = admin_client.post("/admin/advertisers/new", data={"name": "Brand", "active": "y", "default_currency": "EUR",
                                                                 "manager_id": str(publishers_only.id)})
    assert refused.status_code == 400 and REFUSED in body(refused)
    assert f'<option value="{publishers_only.id}">' in body(admin_client.get("/admin/publishers/new"))
    assert f'<option value="{publishers_only.id}">' not in body(admin_client.get("/admin/advertisers/new"))


def test_turning_a_flag_off_clears_that_kind_of_assignment_audited(admin_client, admin_user, manager_user):
    publisher = PublisherFactory(manager_id=manager_user.id)
    advertiser = AdvertiserFactory(manager_id=manager_user.id)
    db.session.commit()
    assert edit(admin_client, manager_user, is_publisher_manager=None).status_code == 200
    db.session.expire_all()
    assert (publisher.manager_id, advertiser.manager_id) == (None, manager_user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Publisher"))
    assert entry.changes == {"manager_id": [manager_user.id, None]} and entry.actor_id == admin_user.id


# ---------------------------------------------------------------- reach over publishers


@pytest.fixture
def publishers(manager_user):
    mine = PublisherFactory(name="Mine Media", manager_id=manager_user.id)
    other = PublisherFactory(name="Other Media")
    payout = CustomPayoutFactory(publisher=other)
    db.session.commit()
    return dict(mine=mine, other=other, payout=payout)


@pytest.mark.parametrize("kind, form", [("publishers", publisher_form), ("advertisers", advertiser_form)])
def test_a_limited_managers_new_record_stays_theirs(manager_client, manager_user, kind, form):
    reach(manager_user, publishers=ManagerAccess.LIMITED, advertisers=ManagerAccess.LIMITED)
    page = body(manager_client.get(f"/admin/{kind}/new"))
    assert f'<option selected value="{manager_user.id}">' in page
    refused = manager_client.post(f"/admin/{kind}/new", data=form(manager_id=""))
    assert refused.status_code == 400 and "keep yourself as this" in body(refused)
    assert db.session.scalar(select(Publisher.id if kind == "publishers" else Advertiser.id)) is None
    assert manager_client.post(f"/admin/{kind}/new", data=form(manager_id=str(manager_user.id))).status_code == 302


def test_limited_publisher_reach_lists_only_managed_and_404s_the_rest(manager_client, manager_user, publishers):
    reach(manager_user, publishers=ManagerAccess.LIMITED)
    mine, other = publishers["mine"], publishers["other"]
    assert ids_in(body(manager_client.get("/admin/publishers")), "publisher") == [mine.id]
    assert manager_client.get(f"/admin/publishers/{mine.id}").status_code == 200
    for url in (f"/admin/publishers/{other.id}", f"/admin/publishers/{other.id}/edit", f"/admin/publishers/{other.id}/users",
                f"/admin/publishers/{other.id}/payouts/{publishers['payout'].id}/edit"):
        assert manager_client.get(url, headers=HX).status_code == 404, url
    assert manager_client.post(f"/admin/publishers/{other.id}/archive").status_code == 404
    manager_client.post("/admin/publishers/bulk", data={"action": "archive", "ids": [str(other.id), str(mine.id)]})
    db.session.expire_all()
    assert other.archived_at is None and mine.archived_at is not None  # the bulk action skips what is out of reach


def test_restricted_publisher_reach_is_403_and_out_of_the_menu(manager_client, manager_user, publishers):
    reach(manager_user, publishers=ManagerAccess.RESTRICTED)
    for url in ("/admin/publishers", "/admin/publishers/new", f"/admin/publishers/{publishers['mine'].id}"):
        assert manager_client.get(url).status_code == 403, url
    labels = nav_labels(body(manager_client.get("/")))
    assert "Publishers" not in labels and "Advertisers" in labels and "Conversions" not in labels
    assert manager_client.get("/admin/offers").status_code == 200
    assert manager_client.get("/conversions").status_code == 403  # every conversion names a publisher


def test_admins_reach_everything_whatever_their_access_says(admin_client, admin_user, publishers):
    reach(admin_user, ManagerAccess.RESTRICTED, ManagerAccess.RESTRICTED)
    assert len(ids_in(body(admin_client.get("/admin/publishers")), "publisher")) == 2
    assert admin_client.get(f"/admin/publishers/{publishers['other'].id}").status_code == 200


# ---------------------------------------------------------------- reach over advertisers and offers


@pytest.fixture
def brands(manager_user):
    mine = OfferFactory(name="Mine Offer", advertiser=AdvertiserFactory(name="Mine Brand", manager_id=manager_user.id))
    other = OfferFactory(name="Other Offer", advertiser=AdvertiserFactory(name="Other Brand"))
    event = OfferEventFactory(offer=other)
    db.session.commit()
    return dict(mine=mine, other=other, event=event)


def test_limited_advertiser_reach_covers_advertisers_and_their_offers(manager_client, manager_user, brands):
    reach(manager_user, advertisers=ManagerAccess.LIMITED)
    mine, other = brands["mine"], brands["other"]
    assert ids_in(body(manager_client.get("/admin/advertisers")), "advertiser") == [mine.advertiser_id]
    offers = body(manager_client.get("/admin/offers"))
    assert "Mine Offer" in offers and "Other Offer" not in offers
    assert manager_client.get(f"/admin/offers/{mine.id}").status_code == 200
    for url in (f"/admin/advertisers/{other.advertiser_id}/edit", f"/admin/offers/{other.id}", f"/admin/offers/{other.id}/edit",
                f"/admin/offers/{other.id}/events", f"/admin/offers/{other.id}/pages",
                f"/admin/offers/{other.id}/events/{brands['event'].id}/edit"):
        assert manager_client.get(url, headers=HX).status_code == 404, url
    assert manager_client.post(f"/admin/offers/{other.id}/archive").status_code == 404
    assert manager_client.post(f"/admin/advertisers/{other.advertiser_id}/archive").status_code == 404
    new_offer = body(manager_client.get("/admin/offers/new"))
    assert "Mine Brand" in new_offer and "Other Brand" not in new_offer
    moved = manager_client.post(f"/admin/offers/{mine.id}/edit", data={"advertiser_id": str(other.advertiser_id), "name": "Moved"})
    assert moved.status_code == 400 and 'id="advertiser_id-error"' in body(moved)


def test_restricted_advertiser_reach_is_403_and_out_of_the_menu(manager_client, manager_user, brands):
    reach(manager_user, advertisers=ManagerAccess.RESTRICTED)
    for url in ("/admin/advertisers", "/admin/offers", f"/admin/offers/{brands['mine'].id}", "/admin/offers/new"):
        assert manager_client.get(url).status_code == 403, url
    labels = nav_labels(body(manager_client.get("/")))
    assert "Advertisers" not in labels and "Offers" not in labels and "Publishers" in labels
    assert "Conversions" not in labels and manager_client.get("/conversions").status_code == 403  # each names an offer


# ---------------------------------------------------------------- API access


@pytest.mark.parametrize("who", ["admin", "advertiser"])
def test_without_api_access_the_api_keys_page_is_403(request, who):
    user = request.getfixturevalue(f"{who}_user")
    client = request.getfixturevalue(f"{who}_client")
    assert client.get("/settings/api-keys").status_code == 200
    user.api_access_enabled = False
    db.session.commit()
    assert client.get("/settings/api-keys").status_code == 403
    assert client.post("/settings/api-keys", data={"name": "CRM"}).status_code == 403
    assert "API keys" not in nav_labels(body(client.get("/")))


# ---------------------------------------------------------------- migration 0009


def test_migration_0009_fills_the_existing_rows(app):
    db.session.remove()
    downgrade(revision="0008")
    try:
        with db.engine.begin() as conn:
            for i, role in enumerate(("admin", "account_manager", "account_manager")):  # 901 manages a publisher
                conn.execute(text("INSERT INTO users (id, email, username, role, status, first_name, last_name, timezone, phone,"
                                  " city, country, created_at) VALUES (:id, :email, :email, :role, 'Active',"
                                  " '', '', 'UTC', '', '', '', CURRENT_TIMESTAMP)"),
                             dict(id=900 + i, email=f"u{i}@network.example", role=role))
            conn.execute(text("INSERT INTO publishers (id, name, status, email, website, country, timezone, postback_url, created_at,"
                              " manager_id) SELECT 900, 'P', 'Active', '', '', 'GB', 'UTC', '', CURRENT_TIMESTAMP, 901"))
    finally:
        upgrade()
    rows = {row.id: row for row in db.session.execute(select(User.id, User.is_publisher_manager, User.is_advertiser_manager,
                                                             User.publisher_manager_access, User.advertiser_manager_access,
                                                             User.api_access_enabled).where(User.id >= 900))}
    assert (rows[900].is_publisher_manager, rows[901].is_publisher_manager, rows[902].is_publisher_manager) == (False, True, False)
    assert not any(row.is_advertiser_manager for row in rows.values())
    assert all(row.publisher_manager_access == row.advertiser_manager_access == ManagerAccess.GLOBAL for row in rows.values())
    assert all(row.api_access_enabled for row in rows.values())
