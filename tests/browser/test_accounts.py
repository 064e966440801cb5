"""Journeys in a real browser: sign in and out for each role, API keys and the users list in place."""
import pytest

from portal.accounts.models import Role
from portal.extensions import db
from tests.factories import DEFAULT_PASSWORD, UserFactory

ROLES = {
    "admin": ({}, "Network dashboard"),
    "account_manager": ({"is_account_manager": True}, "Network dashboard"),
    "publisher": ({"is_publisher": True, "publisher__name": "Alpha Media"}, "Alpha Media"),
    "advertiser": ({"is_advertiser": True, "advertiser__name": "Xanadu Casino"}, "Xanadu Casino"),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_sees_its_dashboard_and_signs_out(app, page, role):
    traits, heading = ROLES[role]
    user = UserFactory(email=f"{role}@tracklane.test", **traits)
    db.session.commit()

    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert Role(role).label in page.locator(".who").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert "You are signed out." in page.content()
    page.goto("/")
    assert "/login" in page.url


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_an_advertiser_creates_a_key_sees_it_once_and_revokes_it_in_place(app, page):
    user = UserFactory(is_advertiser=True)
    db.session.commit()
    sign_in(page, user)
    page.get_by_role("link", name="API keys").first.click()
    page.get_by_label("Name").fill("CRM events")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-api-key-secret").input_value()
    assert secret.startswith("tl_")
    assert secret in page.locator("#new-api-key-curl").inner_text()

    page.goto("/settings/api-keys")
    assert secret not in page.content()
    page.on("dialog", lambda dialog: dialog.accept())
    page.evaluate("() => (window.__same_page = true)")  # gone if the page reloads
    row = page.locator("#api-keys tbody tr", has_text="CRM events")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_text("Revoked").wait_for()
    assert page.evaluate("() => window.__same_page === true")


def test_an_admin_searches_users_in_place(app, page):
    admin = UserFactory(email="boss@tracklane.test")
    UserFactory(email="pia@publisher.test", is_publisher=True)
    UserFactory(email="adam@brand.test", is_advertiser=True)
    db.session.commit()
    sign_in(page, admin)
    page.goto("/admin/users")
    page.evaluate("() => (window.__same_page = true)")
    page.get_by_label("Email or name contains").fill("brand")
    page.locator("#users-table", has_text="1 user").wait_for()
    assert page.locator("#users-table tbody tr").all_inner_texts()[0].strip().startswith("adam@brand.test")
    assert page.evaluate("() => window.__same_page === true")
    assert "q=brand" in page.url


def test_a_wrong_password_keeps_the_email_and_shows_the_error(app, page):
    UserFactory(email="ana@tracklane.test")
    db.session.commit()
    page.goto("/login")
    page.get_by_label("Email").fill("ana@tracklane.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".field-error").inner_text() == "Email or password is not right."
    assert page.get_by_label("Email").input_value() == "ana@tracklane.test"
