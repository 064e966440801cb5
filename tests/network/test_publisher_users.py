"""A publisher's users: invite with a one-time set-password link, status changes, new links, the public
set-password page (expired, reused and tampered tokens) and who may sign in."""
import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from portal.accounts.invites import MAX_AGE_SECONDS, make_token
from portal.accounts.models import Role, User, UserStatus
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.types import utcnow
from tests.factories import DEFAULT_PASSWORD, PublisherFactory, UserFactory
from tests.network.conftest import HX, body

NEW_PASSWORD = "a long new password"


def invite(admin_client, publisher, **values) -> tuple:
    data = {"invite-email": "Maya@GoalRush.example", "invite-first_name": "Maya", "invite-last_name": "Berg"}
    data.update({f"invite-{k}": v for k, v in values.items()})
    response = admin_client.post(f"/admin/publishers/{publisher.id}/users", data=data, headers=HX)
    match = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', body(response))
    return response, (urlsplit(match.group(1)).path if match else None)


def sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_invite_creates_a_user_without_password_and_shows_a_link(admin_client, admin_user):
    publisher = PublisherFactory(timezone="Europe/Oslo")
    db.session.commit()
    response, path = invite(admin_client, publisher)
    assert response.status_code == 200 and "maya@goalrush.example is invited" in body(response)
    assert path.startswith("/set-password/")
    user = db.session.scalar(select(User).where(User.email == "maya@goalrush.example"))
    assert (user.role, user.publisher_id, user.password_hash, user.status, user.timezone) == (
        Role.PUBLISHER, publisher.id, None, UserStatus.ACTIVE, "Europe/Oslo")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "User"))
    assert entry.action == "invite" and entry.actor_id == admin_user.id
    # The link is in the answer only: it is neither flashed into the session nor stored.
    with admin_client.session_transaction() as session:
        assert path.rsplit("/", 1)[1] not in str(dict(session))


def test_invite_without_javascript_shows_the_whole_page_with_the_link(admin_client):
    publisher = PublisherFactory()
    db.session.commit()
    response = admin_client.post(f"/admin/publishers/{publisher.id}/users",
                                 data={"invite-email": "new@pub.example", "invite-first_name": "New"})
    assert response.status_code == 200 and "<html" in body(response) and "/set-password/" in body(response)


@pytest.mark.parametrize("values, message", [
    ({"email": ""}, "Enter the user&#39;s email address."),
    ({"email": "not an email"}, "email"),
    ({"first_name": ""}, "Enter the user&#39;s first name."),
])
def test_invite_refuses_bad_fields_inline(admin_client, values, message):
    publisher = PublisherFactory()
    db.session.commit()
    response, path = invite(admin_client, publisher, **values)
    assert response.status_code == 400 and message in body(response) and path is None
    assert db.session.scalar(select(User.id).where(User.publisher_id == publisher.id)) is None


def test_invite_refuses_a_taken_email_and_an_archived_publisher(admin_client):
    UserFactory(email="maya@goalrush.example")
    publisher = PublisherFactory()
    archived = PublisherFactory(archived_at=utcnow())
    db.session.commit()
    response, _ = invite(admin_client, publisher)
    assert response.status_code == 400 and "already exists" in body(response)
    response, _ = invite(admin_client, archived, email="other@pub.example")
    assert response.status_code == 400 and "archived" in body(response)


def test_invite_without_csrf_is_refused(admin_client):
    publisher = PublisherFactory()
    db.session.commit()
    response = admin_client.post(f"/admin/publishers/{publisher.id}/users", data={"invite-email": "x@pub.example"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(User.id).where(User.publisher_id == publisher.id)) is None


def test_the_invited_user_sets_a_password_once_and_signs_in(app, admin_client):
    publisher = PublisherFactory()
    db.session.commit()
    _, path = invite(admin_client, publisher)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "maya@goalrush.example" in body(page) and page.headers["Cache-Control"] == "no-store"
    assert sign_in(visitor, "maya@goalrush.example", NEW_PASSWORD).status_code == 401
    mismatch = visitor.post(path, data={"password": NEW_PASSWORD, "confirm_password": "something else"})
    assert mismatch.status_code == 400 and "The two passwords differ." in body(mismatch)
    short = visitor.post(path, data={"password": "short", "confirm_password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in body(short)
    done = visitor.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert sign_in(visitor, "maya@goalrush.example", NEW_PASSWORD).status_code == 302
    # Used: the same link is dead, for a GET and a POST alike.
    again = app.test_client()
    assert again.get(path).status_code == 400 and "used already" in body(again.get(path))
    assert again.post(path, data={"password": "another long one", "confirm_password": "another long one"}).status_code == 400


def test_set_password_without_csrf_changes_nothing(app):
    user = UserFactory(is_publisher=True, password_hash=None)
    db.session.commit()
    response = app.test_client().post(f"/set-password/{make_token(user)}",
                                      data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert user.password_hash is None


def test_expired_link_is_refused(app, monkeypatch):
    user = UserFactory(is_publisher=True, password_hash=None)
    db.session.commit()
    issued = int(time.time()) - MAX_AGE_SECONDS - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
    token = make_token(user)
    monkeypatch.undo()
    response = app.test_client().get(f"/set-password/{token}")
    assert response.status_code == 400 and "expired" in body(response) and "<form method=\"post\"" not in body(response)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "not-a-token",
    lambda token: make_token_for_other(token),
])
def test_tampered_links_are_refused(app, tamper):
    user = UserFactory(is_publisher=True, password_hash=None)
    db.session.commit()
    response = app.test_client().get(f"/set-password/{tamper(make_token(user))}")
    assert response.status_code == 400 and "not valid" in body(response)


def make_token_for_other(token: str) -> str:
    """Swap the signed user id for another user's while keeping the signature."""
    payload, rest = token.split(".", 1)
    return "Mg" + "." + rest  # base64 of "2"


def test_a_link_for_a_deactivated_user_is_refused(app):
    user = UserFactory(is_publisher=True, password_hash=None, status=UserStatus.DEACTIVATED)
    db.session.commit()
    response = app.test_client().get(f"/set-password/{make_token(user)}")
    assert response.status_code == 400 and "not active" in body(response)


def test_a_new_link_resets_a_forgotten_password(app, admin_client):
    user = UserFactory(is_publisher=True)
    db.session.commit()
    response = admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/link", headers=HX)
    assert response.status_code == 200
    path = urlsplit(re.search(r'readonly value="([^"]+)"', body(response)).group(1)).path
    visitor = app.test_client()
    assert visitor.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert sign_in(visitor, user.email, DEFAULT_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("change, status", [("deactivate", UserStatus.DEACTIVATED), ("suspend", UserStatus.SUSPENDED)])
def test_deactivated_and_suspended_users_cannot_sign_in_and_lose_their_session(app, admin_client, change, status):
    user = UserFactory(is_publisher=True)
    db.session.commit()
    from tests.conftest import signed_in_client

    session = signed_in_client(app, user)
    assert session.get("/links").status_code == 200
    response = admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/{change}", headers=HX)
    assert response.status_code == 200 and f"is {status.value.lower()}" in body(response)
    db.session.expire_all()
    assert user.status == status
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 401
    assert session.get("/links").status_code == 302  # the open session ends too
    link = admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/link", headers=HX)
    assert link.status_code == 400 and "Activate the user" in body(link)
    assert admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/activate", headers=HX).status_code == 200
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 302
    changes = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "update")).all()
    assert changes == [{"status": ["Active", status.value]}, {"status": [status.value, "Active"]}]


def test_user_actions_need_csrf_and_the_right_publisher(admin_client):
    user = UserFactory(is_publisher=True)
    other = PublisherFactory()
    db.session.commit()
    assert admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/suspend", csrf=False).status_code == 400
    assert admin_client.post(f"/admin/publishers/{other.id}/users/{user.id}/suspend").status_code == 404
    assert admin_client.post(f"/admin/publishers/{user.publisher_id}/users/{user.id}/explode").status_code == 404
    db.session.expire_all()
    assert user.status == UserStatus.ACTIVE


def test_users_section_lists_only_this_publishers_users(admin_client):
    mine = UserFactory(is_publisher=True, email="mine@pub.example")
    UserFactory(is_publisher=True, email="theirs@pub.example")
    db.session.commit()
    section = body(admin_client.get(f"/admin/publishers/{mine.publisher_id}/users", headers=HX))
    assert "mine@pub.example" in section and "theirs@pub.example" not in section


def test_set_password_tokens_are_masked_in_the_request_log(app, caplog):
    from portal.ops.logging import loggable_path

    user = UserFactory(is_publisher=True, password_hash=None)
    db.session.commit()
    token = make_token(user)
    assert loggable_path(f"/set-password/{token}") == "/set-password/[token]"
    with caplog.at_level("INFO", logger="tracklane.request"):
        app.test_client().get(f"/set-password/{token}")
    assert token not in caplog.text and "/set-password/[token]" in caplog.text
