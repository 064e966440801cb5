"""Sign in, sign out and password pages over HTTP: status codes, cookies, CSRF, throttling, redirects."""
import pytest

from portal.accounts.passwords import verify_password
from portal.extensions import db
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def ana(app):
    user = UserFactory(email="ana@example.com")
    db.session.commit()
    return user


def sign_in(client, email="ana@example.com", password=DEFAULT_PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def set_cookie(response, name):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))


# Sign in

def test_login_page_renders_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Sign in</h1>" in page
    assert 'name="csrf_token"' in page and 'name="email"' in page and 'name="password"' in page


def test_good_login_redirects_to_the_dashboard_with_an_httponly_samesite_lax_cookie(client, ana):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = set_cookie(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    assert ana.last_login_at is not None


def test_remember_me_cookie_is_httponly_and_samesite_lax(client, ana):
    response = client.post("/login", data={"email": "ana@example.com", "password": DEFAULT_PASSWORD, "remember": "y"})
    cookie = set_cookie(response, "remember_token")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_ignores_the_case_of_the_email(client, ana):
    assert sign_in(client, email="  ANA@Example.com").status_code == 302


def test_bad_login_shows_an_inline_error_and_keeps_the_email_typed(client, ana):
    response = sign_in(client, password="wrong password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and "Email or password is not right." in page
    assert 'value="ana@example.com"' in page
    assert "wrong password" not in page  # a password is never sent back
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, ana):
    response = sign_in(client, email="nobody@example.com")
    assert response.status_code == 401
    assert "Email or password is not right." in response.get_data(as_text=True)


def test_empty_login_form_shows_required_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('class="field-error"') == 2


def test_a_deactivated_user_cannot_sign_in(client):
    from portal.accounts.models import UserStatus

    UserFactory(email="gone@example.com", status=UserStatus.DEACTIVATED)
    db.session.commit()
    assert sign_in(client, email="gone@example.com").status_code == 401


@pytest.mark.parametrize("target", ["/settings/password", "/admin/users?role=admin"])
def test_next_is_honoured_for_same_site_paths(client, ana, target):
    response = sign_in(client, query_string={"next": target})
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "http://evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example"],
)
def test_next_falls_back_to_the_dashboard_for_other_sites(client, ana, target):
    response = sign_in(client, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_signed_in_user_visiting_login_goes_to_the_dashboard(admin_client):
    response = admin_client.get("/login")
    assert (response.status_code, response.headers["Location"]) == (302, "/")


# Throttling

def test_sixth_failed_attempt_within_a_minute_is_throttled_with_a_clear_message(client, ana):
    for _ in range(5):
        assert sign_in(client, password="wrong password").status_code == 401
    response = sign_in(client, password="wrong password")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    assert sign_in(client).status_code == 429  # even the right password waits
    assert sign_in(client, email="other@example.com", password="wrong password").status_code == 401


def test_a_successful_sign_in_is_not_counted_as_an_attempt(app, ana):
    first = app.test_client()
    for _ in range(4):
        assert sign_in(first, password="wrong password").status_code == 401
    assert sign_in(first).status_code == 302
    second = app.test_client()
    assert sign_in(second, password="wrong password").status_code == 401  # the fifth counted failure
    assert sign_in(second, password="wrong password").status_code == 429


def test_one_address_trying_many_emails_is_throttled_per_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "10 per minute")
    client = app.test_client()
    for n in range(10):
        assert sign_in(client, email=f"guess{n}@example.com", password="wrong password").status_code == 401
    response = sign_in(client, email="guess10@example.com", password="wrong password")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    elsewhere = app.test_client()
    other = sign_in(elsewhere, email="guess11@example.com", password="wrong", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 401  # another address has its own count


def test_the_per_address_limit_defaults_to_thirty_failures_a_minute(client):
    for n in range(30):
        assert sign_in(client, email=f"guess{n}@example.com", password="wrong password").status_code == 401
    response = sign_in(client, email="guess30@example.com", password="wrong password")
    assert response.status_code == 429 and "Retry-After" in response.headers


# Sign out

def test_logout_requires_post(admin_client):
    assert admin_client.get("/logout").status_code == 405
    assert admin_client.get("/").status_code == 200


def test_logout_without_csrf_token_is_refused(admin_client):
    response = admin_client.post("/logout", csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert admin_client.get("/").status_code == 200


def test_logout_signs_out(admin_client):
    response = admin_client.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert admin_client.get("/").status_code == 302


# CSRF

def test_login_without_csrf_token_is_refused(client, ana):
    response = sign_in(client, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_password_change_without_csrf_token_is_refused(admin_client, admin_user):
    data = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert admin_client.post("/settings/password", data=data, csrf=False).status_code == 400
    assert verify_password(admin_user.password_hash, DEFAULT_PASSWORD)


def test_htmx_request_without_csrf_header_is_refused(admin_client):
    response = admin_client.post("/logout", headers={"HX-Request": "true"}, csrf=False)
    assert response.status_code == 400
    assert admin_client.get("/").status_code == 200


def test_a_forged_csrf_token_is_refused(admin_client):
    assert admin_client.post("/logout", headers={"X-CSRFToken": "forged"}, csrf=False).status_code == 400


# Change password

def change(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirm=None, **kwargs):
    data = {"current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm}
    return client.post("/settings/password", data=data, **kwargs)


def test_password_page_renders(admin_client):
    response = admin_client.get("/settings/password")
    assert response.status_code == 200
    assert "<h1>Change password</h1>" in response.get_data(as_text=True)


def test_password_page_needs_sign_in(client):
    assert client.get("/settings/password").status_code == 302


def test_change_password_then_sign_in_with_the_new_one(admin_client, admin_user, app):
    response = change(admin_client)
    assert (response.status_code, response.headers["Location"]) == (302, "/settings/password")
    assert "Your password is changed." in admin_client.get("/settings/password").get_data(as_text=True)
    fresh = app.test_client()
    assert sign_in(fresh, email=admin_user.email).status_code == 401
    assert sign_in(fresh, email=admin_user.email, password=NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"current": "not my password"}, "current_password", "The current password is not right."),
        ({"new": "short"}, "new_password", "Use at least 10 characters."),
        ({"confirm": "something else entirely"}, "confirm_password", "The two new passwords differ."),
        ({"current": ""}, "current_password", "This field is required."),
    ],
)
def test_change_password_errors_are_shown_inline(admin_client, admin_user, kwargs, field, message):
    response = change(admin_client, **kwargs)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}<' in page
    assert verify_password(admin_user.password_hash, DEFAULT_PASSWORD)
