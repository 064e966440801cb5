"""Account managers: network staff who reach the network side like admins, but not user management, the
audit log or the network API keys (403); their menu; the role rules in the service and the database."""
import re

import pytest
from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import STAFF_ROLES, ApiKey, Role, User
from portal.accounts.service import AccountError, api_key_owner, create_api_key, create_user
from portal.audit.models import AuditEntry
from portal.dashboard.navigation import MENUS
from portal.extensions import db
from portal.network.models import Advertiser
from tests.factories import (
    DEFAULT_PASSWORD,
    CreativeFactory,
    CustomPayoutFactory,
    LandingPageFactory,
    OfferEventFactory,
    OfferFactory,
    PublisherFactory,
    UserFactory,
)
from tests.network.conftest import HX, body


def nav_labels(page: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


@pytest.fixture
def network(app):
    offer = OfferFactory(name="Alpha Casino")
    event = OfferEventFactory(offer=offer)
    page = LandingPageFactory(offer=offer)
    publisher = PublisherFactory(name="Goal Rush Media")
    payout = CustomPayoutFactory(publisher=publisher, offer=offer)
    CreativeFactory(offer=offer)
    db.session.commit()
    return dict(offer=offer, event=event, page=page, publisher=publisher, payout=payout)


def test_staff_are_admins_and_account_managers_only():
    assert STAFF_ROLES == (Role.ADMIN, Role.ACCOUNT_MANAGER)
    assert Role.ACCOUNT_MANAGER.value == "account_manager" and Role.ACCOUNT_MANAGER.label == "Account manager"
    assert [User(role=role).is_staff for role in Role] == [True, True, False, False]


def test_an_account_manager_reaches_every_page_of_their_menu(app, manager_client, manager_user):
    db.session.commit()
    with app.test_request_context():
        urls = [url_for(endpoint) for endpoint, _ in MENUS[Role.ACCOUNT_MANAGER]]
    assert len(urls) == 14
    for url in urls:
        assert manager_client.get(url).status_code == 200, url


def test_an_account_manager_reaches_the_network_detail_pages(manager_client, network):
    o, p = network["offer"].id, network["publisher"].id
    urls = [f"/admin/advertisers/{network['offer'].advertiser_id}/edit", "/admin/advertisers/new", "/admin/offers/new",
            f"/admin/offers/{o}", f"/admin/offers/{o}/edit", f"/admin/offers/{o}/events/{network['event'].id}/edit",
            f"/admin/offers/{o}/pages/{network['page'].id}/edit", "/admin/publishers/new", f"/admin/publishers/{p}",
            f"/admin/publishers/{p}/edit", f"/admin/publishers/{p}/payouts/{network['payout'].id}/edit", "/admin/creatives/new",
            "/admin/rewards/rules", "/admin/redemptions/fans", "/admin/payouts/new"]
    for url in urls:
        assert manager_client.get(url).status_code == 200, url
    for section in ("users", "payouts", "throttles"):  # the publisher page's sections, as HTMX loads them
        assert manager_client.get(f"/admin/publishers/{p}/{section}", headers=HX).status_code == 200, section


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/users"), ("post", "/admin/users/invite"), ("post", "/admin/users/bulk"), ("get", "/admin/users/{me}"),
    ("get", "/admin/users/{me}/edit"), ("post", "/admin/users/{me}/edit"), ("post", "/admin/users/{me}/link"),
    ("get", "/admin/audit"), ("get", "/settings/api-keys"), ("post", "/settings/api-keys"),
    ("post", "/settings/api-keys/{key}/revoke"),
])
def test_admin_only_pages_are_403_for_an_account_manager(manager_client, manager_user, method, path):
    key, _ = create_api_key("Network key", None)
    db.session.commit()
    url = path.format(me=manager_user.id, key=key.id)
    data = {"invite-email": "x@network.example", "invite-first_name": "X", "invite-role": "admin", "name": "Mine",
            f"user-{manager_user.id}-role": "admin", "action": "activate", "ids": [str(manager_user.id)]}
    assert getattr(manager_client, method)(url, data=data if method == "post" else None).status_code == 403
    db.session.expire_all()
    assert manager_user.role == Role.ACCOUNT_MANAGER and key.revoked_at is None
    assert db.session.scalar(select(User).where(User.email == "x@network.example")) is None
    assert list(db.session.scalars(select(ApiKey.name))) == ["Network key"]


def test_the_menu_hides_the_admin_only_pages_from_account_managers(manager_client, admin_client):
    manager = nav_labels(body(manager_client.get("/")))
    admin = nav_labels(body(admin_client.get("/")))
    assert [label for label in admin if label not in manager] == ["Users", "Audit log", "API keys"]
    assert {"Advertisers", "Offers", "Publishers", "Conversions", "Reports", "Creatives", "Rewards", "Payouts"} <= set(manager)
    settings = body(manager_client.get("/settings/password"))
    assert "/settings/api-keys" not in settings and "Account manager" in settings  # the header names the role


def test_history_links_to_the_audit_log_only_for_admins(manager_client, admin_client, network):
    p = network["publisher"].id
    assert "/admin/audit" not in body(manager_client.get(f"/admin/publishers/{p}"))
    assert "/admin/audit" not in body(manager_client.get(f"/admin/offers/{network['offer'].id}"))
    assert "/admin/audit" not in body(manager_client.get(f"/admin/advertisers/{network['offer'].advertiser_id}/edit"))
    assert "/admin/audit?object_type=Publisher" in body(admin_client.get(f"/admin/publishers/{p}"))


def test_an_account_manager_changes_the_network_and_is_the_audited_actor(manager_client, manager_user):
    response = manager_client.post("/admin/advertisers/new", data={"name": "Brand Casino", "active": "y", "default_currency": "EUR",
                                                                   "manager_id": str(manager_user.id)})
    assert response.status_code == 302
    advertiser = db.session.scalar(select(Advertiser))
    assert (advertiser.name, advertiser.manager_id) == ("Brand Casino", manager_user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Advertiser"))
    assert entry.actor_id == manager_user.id and entry.changes["manager_id"] == [None, manager_user.id]


def test_account_managers_belong_to_the_network_and_have_no_api_keys(app, manager_user):
    publisher = PublisherFactory()
    with pytest.raises(AccountError, match="Network staff belong to the network"):
        create_user("am@network.example", None, Role.ACCOUNT_MANAGER, publisher_id=publisher.id)
    with pytest.raises(AccountError, match="Only admins and advertiser users have API keys."):
        api_key_owner(manager_user)
    created = create_user("am@network.example", None, Role.ACCOUNT_MANAGER, city="Valletta", country="MT")
    assert (created.role, created.is_staff, created.city, created.country) == (Role.ACCOUNT_MANAGER, True, "Valletta", "MT")


def test_the_database_refuses_an_account_manager_with_an_organisation(app):
    publisher = PublisherFactory()
    db.session.commit()
    db.session.add(User(email="am@network.example", username="am", role=Role.ACCOUNT_MANAGER, publisher_id=publisher.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_user_cli_creates_an_account_manager(app):
    result = app.test_cli_runner().invoke(args=["user", "create", "--role", "account_manager", "--email", "am@network.example",
                                                "--password", "cli password 123"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.email == "am@network.example")) == Role.ACCOUNT_MANAGER


def test_an_account_manager_signs_in_to_the_network_dashboard(app):
    UserFactory(email="am@network.example", is_account_manager=True)
    db.session.commit()
    visitor = app.test_client()
    assert visitor.post("/login", data={"email": "am@network.example", "password": DEFAULT_PASSWORD}).status_code == 302
    page = body(visitor.get("/"))
    assert "Advertisers" in nav_labels(page) and "Audit log" not in nav_labels(page)
    assert visitor.get("/admin/users").status_code == 403
