"""Admin → Users management: invite network and advertiser users with a one-time link, in-place edits with
inline errors, status changes one by one and in bulk, self-protection, sorting and filters, audit, and who
may reach it (admins only; 404 for an unknown user; CSRF on every change)."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User, UserStatus
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.types import utcnow
from tests.factories import DEFAULT_PASSWORD, AdvertiserFactory, PublisherFactory, UserFactory
from tests.network.conftest import HX, body

URL = "/admin/users"
NEW_PASSWORD = "a long new password"


def invite(client, headers=HX, **values):
    data = {"invite-email": "Ada@Network.example", "invite-first_name": "Ada", "invite-last_name": "Lovelace",
            "invite-role": "admin", "invite-advertiser_id": "", "invite-timezone": "Europe/London"}
    data.update({f"invite-{name}": value for name, value in values.items()})
    response = client.post(f"{URL}/invite", data=data, headers=headers)
    match = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', body(response))
    return response, (urlsplit(match.group(1)).path if match else None)


def edit_form(user, **values) -> dict:
    data = {"email": user.email, "first_name": user.first_name or "First", "last_name": user.last_name,
            "phone": user.phone, "city": user.city, "country": user.country,
            "role": user.role.value, "advertiser_id": str(user.advertiser_id or ""), "timezone": user.timezone,
            "publisher_manager_access": user.publisher_manager_access.value,
            "advertiser_manager_access": user.advertiser_manager_access.value}
    # A browser posts a ticked checkbox as "y" and leaves an unticked one out.
    data.update({name: "y" for name in ("is_publisher_manager", "is_advertiser_manager", "api_access_enabled") if getattr(user, name)})
    data.update(values)
    return {f"user-{user.id}-{name}": value for name, value in data.items()}


def audit(user, action=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.object_id == str(user.id))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def emails(page: str) -> list[str]:
    return re.findall(r"<td>([^<@\s]+@[^<\s]+)</td>", page)


@pytest.fixture
def brand():
    advertiser = AdvertiserFactory(name="Brand Casino")
    db.session.commit()
    return advertiser


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("method, path", [
    ("get", URL), ("post", f"{URL}/bulk"), ("post", f"{URL}/invite"), ("get", f"{URL}/1"), ("get", f"{URL}/1/edit"),
    ("post", f"{URL}/1/edit"), ("post", f"{URL}/1/deactivate"), ("post", f"{URL}/1/link"),
])
def test_publishers_and_advertisers_are_forbidden_and_visitors_sent_to_login(client, publisher_client, advertiser_client, method, path):
    assert getattr(publisher_client, method)(path).status_code == 403
    assert getattr(advertiser_client, method)(path, headers=HX).status_code == 403
    assert getattr(client, method)(path).status_code == 302


@pytest.mark.parametrize("method, path", [
    ("get", f"{URL}/999999"), ("get", f"{URL}/999999/edit"), ("post", f"{URL}/999999/edit"),
    ("post", f"{URL}/999999/activate"), ("post", f"{URL}/999999/link"),
])
def test_an_unknown_user_is_404(admin_client, method, path):
    assert getattr(admin_client, method)(path, headers=HX).status_code == 404


def test_an_unknown_change_is_404(admin_client, advertiser_user):
    db.session.commit()
    assert admin_client.post(f"{URL}/{advertiser_user.id}/delete").status_code == 404


# ---------------------------------------------------------------- invite


def test_inviting_an_admin_shows_a_one_time_link_and_audits(app, admin_client, admin_user):
    response, path = invite(admin_client)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["HX-Trigger"] == "users-changed" and "ada@network.example is ready" in body(response)
    assert path.startswith("/set-password/")
    user = db.session.scalar(select(User).where(User.email == "ada@network.example"))
    assert (user.role, user.advertiser_id, user.password_hash, user.status, user.timezone, user.first_name) == (
        Role.ADMIN, None, None, UserStatus.ACTIVE, "Europe/London", "Ada")
    [entry] = audit(user)
    assert entry.action == "invite" and entry.actor_id == admin_user.id
    assert entry.changes["email"] == [None, "ada@network.example"] and entry.changes["role"] == [None, "admin"]
    with admin_client.session_transaction() as session:
        assert path.rsplit("/", 1)[1] not in str(dict(session))

    visitor = app.test_client()
    assert visitor.post("/login", data={"email": "ada@network.example", "password": NEW_PASSWORD}).status_code == 401
    done = visitor.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert visitor.post("/login", data={"email": "ada@network.example", "password": NEW_PASSWORD}).status_code == 302
    assert visitor.get(URL).status_code == 200  # the new admin reaches the admin pages
    assert app.test_client().get(path).status_code == 400  # used once, dead


def test_inviting_an_advertiser_user_ties_them_to_the_advertiser(admin_client, brand):
    response, path = invite(admin_client, email="ops@brand.example", role="advertiser", advertiser_id=str(brand.id))
    assert response.status_code == 201 and path
    user = db.session.scalar(select(User).where(User.email == "ops@brand.example"))
    assert (user.role, user.advertiser_id) == (Role.ADVERTISER, brand.id)


def test_inviting_an_account_manager_with_a_phone_city_and_country(admin_client, admin_user):
    response, path = invite(admin_client, email="sam@network.example", role="account_manager", phone=" +356 2122 0000 ",
                            city="Valletta", country="mt")
    assert response.status_code == 201 and path
    user = db.session.scalar(select(User).where(User.email == "sam@network.example"))
    assert (user.role, user.advertiser_id, user.phone, user.city, user.country) == (
        Role.ACCOUNT_MANAGER, None, "+356 2122 0000", "Valletta", "MT")
    [entry] = audit(user)
    assert entry.changes["role"] == [None, "account_manager"] and entry.changes["country"] == [None, "MT"]
    assert entry.changes["phone"] == [None, "+356 2122 0000"] and entry.changes["city"] == [None, "Valletta"]
    assert "<td>Account manager</td>" in body(admin_client.get(URL, query_string={"role": "account_manager"}))


def test_an_admin_invite_ignores_a_picked_advertiser(admin_client, brand):
    invite(admin_client, advertiser_id=str(brand.id))
    user = db.session.scalar(select(User).where(User.email == "ada@network.example"))
    assert (user.role, user.advertiser_id) == (Role.ADMIN, None)


def test_invite_without_javascript_shows_the_whole_page_with_the_link(admin_client):
    response, path = invite(admin_client, headers={})
    assert response.status_code == 201 and "<html" in body(response) and path.startswith("/set-password/")
    assert "ada@network.example" in emails(body(response))


@pytest.mark.parametrize("values, field, message", [
    ({"email": ""}, "email", "Enter the user&#39;s email address."),
    ({"email": "not an email"}, "email", "An email address must have an @-sign."),
    ({"first_name": ""}, "first_name", "Enter the user&#39;s first name."),
    ({"first_name": "x" * 101}, "first_name", "Keep it to 100 characters."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Enter a time zone"),
    ({"phone": "1" * 51}, "phone", "Keep it to 50 characters."),
    ({"city": "x" * 101}, "city", "Keep it to 100 characters."),
    ({"country": "USA"}, "country", "Enter a two-letter ISO 3166 country code"),
    ({"country": "U1"}, "country", "Enter a two-letter ISO 3166 country code"),
    ({"role": "publisher"}, "role", "Pick Network admin, Account manager or Advertiser user."),
    ({"role": "owner"}, "role", "Pick Network admin, Account manager or Advertiser user."),
    ({"role": "advertiser", "advertiser_id": ""}, "advertiser_id", "Pick the advertiser this user works for"),
    ({"role": "advertiser", "advertiser_id": "999999"}, "advertiser_id", "Pick the advertiser this user works for"),
])
def test_invite_validation_is_inline_and_keeps_what_was_typed(admin_client, values, field, message):
    response, path = invite(admin_client, **values)
    assert response.status_code == 400 and path is None
    page = body(response)
    assert f'id="invite-{field}-error">{message}' in page
    assert 'value="Lovelace"' in page  # what was typed stays
    assert db.session.scalar(select(User).where(User.first_name == "Ada")) is None


def test_an_archived_advertiser_cannot_get_new_users(admin_client):
    archived = AdvertiserFactory(archived_at=utcnow())
    db.session.commit()
    response, _ = invite(admin_client, role="advertiser", advertiser_id=str(archived.id))
    assert response.status_code == 400 and 'id="invite-advertiser_id-error"' in body(response)


def test_invite_refuses_an_email_in_use(admin_client):
    UserFactory(email="taken@network.example")
    db.session.commit()
    response, _ = invite(admin_client, email="Taken@Network.example")
    assert response.status_code == 400 and 'id="invite-email-error">Another user has this email address.' in body(response)


def test_invite_without_csrf_is_refused(admin_client):
    response = admin_client.post(f"{URL}/invite", data={"invite-email": "x@network.example", "invite-first_name": "X",
                                                        "invite-role": "admin"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "x@network.example")) is None


# ---------------------------------------------------------------- edit in place


def test_edit_form_and_cancel_are_rows(admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    form = admin_client.get(f"{URL}/{user.id}/edit", headers=HX)
    assert form.status_code == 200 and body(form).lstrip().startswith(f'<tr id="user-{user.id}" class="editing">')
    assert f'<option selected value="{brand.id}">Brand Casino</option>' in body(form)
    row = admin_client.get(f"{URL}/{user.id}", headers=HX)
    assert row.status_code == 200 and f'<tr id="user-{user.id}" data-user-id="{user.id}">' in body(row)
    assert admin_client.get(f"{URL}/{user.id}").status_code == 302  # without JS: back to the list
    full = admin_client.get(f"{URL}/{user.id}/edit")
    assert full.status_code == 200 and "<html" in body(full) and "Save user" in body(full)


def test_edit_saves_in_place_and_audits(admin_client, admin_user, brand):
    user = UserFactory(email="old@brand.example", first_name="Old", is_advertiser=True, advertiser=brand)
    other = AdvertiserFactory(name="Other Brand")
    db.session.commit()
    data = edit_form(user, email="New@Brand.example", first_name="Nora", advertiser_id=str(other.id), timezone="Asia/Tokyo")
    response = admin_client.post(f"{URL}/{user.id}/edit", data=data, headers=HX)
    assert response.status_code == 200 and "new@brand.example is saved." in body(response)
    assert "<td>new@brand.example</td>" in body(response) and "Other Brand" in body(response)
    db.session.refresh(user)
    assert (user.email, user.first_name, user.advertiser_id, user.timezone) == ("new@brand.example", "Nora", other.id, "Asia/Tokyo")
    [entry] = audit(user, "update")
    assert entry.actor_id == admin_user.id
    assert entry.changes == {"email": ["old@brand.example", "new@brand.example"], "first_name": ["Old", "Nora"],
                             "advertiser_id": [brand.id, other.id], "timezone": ["UTC", "Asia/Tokyo"]}
    again = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user), headers=HX)
    assert "Nothing changed." in body(again) and len(audit(user, "update")) == 1


def test_edit_changes_phone_city_and_country_and_audits_them(admin_client, admin_user, publisher_user):
    db.session.commit()
    form = body(admin_client.get(f"{URL}/{publisher_user.id}/edit", headers=HX))
    assert f'name="user-{publisher_user.id}-phone"' in form and f'name="user-{publisher_user.id}-country"' in form
    data = edit_form(publisher_user, phone="+49 30 1234", city="Berlin", country="de")
    response = admin_client.post(f"{URL}/{publisher_user.id}/edit", data=data, headers=HX)
    assert response.status_code == 200
    db.session.refresh(publisher_user)
    assert (publisher_user.phone, publisher_user.city, publisher_user.country) == ("+49 30 1234", "Berlin", "DE")
    [entry] = audit(publisher_user, "update")
    assert entry.actor_id == admin_user.id
    assert entry.changes == {"phone": ["", "+49 30 1234"], "city": ["", "Berlin"], "country": ["", "DE"]}
    edit = body(admin_client.get(f"{URL}/{publisher_user.id}/edit", headers=HX))
    assert 'value="+49 30 1234"' in edit and 'value="Berlin"' in edit and 'value="DE"' in edit
    bad = admin_client.post(f"{URL}/{publisher_user.id}/edit", data=edit_form(publisher_user, country="Germany"), headers=HX)
    assert bad.status_code == 400 and f'id="user-{publisher_user.id}-country-error">Enter a two-letter ISO 3166' in body(bad)
    assert 'value="Germany"' in body(bad) and len(audit(publisher_user, "update")) == 1


def test_edit_turns_an_advertiser_user_into_an_account_manager(admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    response = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user, role="account_manager"), headers=HX)
    assert response.status_code == 200 and "<td>Account manager</td>" in body(response)
    db.session.refresh(user)
    assert (user.role, user.advertiser_id) == (Role.ACCOUNT_MANAGER, None)


def test_an_account_manager_who_leaves_the_network_stops_managing(admin_client, admin_user, brand):
    manager = UserFactory(is_account_manager=True)
    db.session.flush()
    brand.manager_id = manager.id
    publisher = PublisherFactory(manager_id=manager.id)
    kept = PublisherFactory(manager_id=admin_user.id)
    db.session.commit()
    response = admin_client.post(f"{URL}/{manager.id}/edit", data=edit_form(manager, role="advertiser", advertiser_id=str(brand.id)),
                                 headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    assert (brand.manager_id, publisher.manager_id, kept.manager_id) == (None, None, admin_user.id)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(["Advertiser", "Publisher"]))).all()
    assert sorted((e.object_type, e.changes["manager_id"], e.actor_id) for e in entries) == [
        ("Advertiser", [manager.id, None], admin_user.id), ("Publisher", [manager.id, None], admin_user.id)]


def test_edit_can_turn_an_advertiser_user_into_an_admin(admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    response = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user, role="admin"), headers=HX)
    assert response.status_code == 200
    db.session.refresh(user)
    assert (user.role, user.advertiser_id) == (Role.ADMIN, None)


def test_edit_errors_are_inline_and_keep_what_was_typed(admin_client, admin_user, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    UserFactory(email="taken@network.example")
    db.session.commit()
    taken = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user, email="TAKEN@network.example", first_name="Typed"), headers=HX)
    assert taken.status_code == 400
    assert f'id="user-{user.id}-email-error">Another user has this email address.' in body(taken)
    assert 'value="Typed"' in body(taken) and body(taken).lstrip().startswith(f'<tr id="user-{user.id}" class="editing">')
    no_js = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user, timezone="Nowhere"))
    assert no_js.status_code == 400 and "<html" in body(no_js) and "Enter a time zone" in body(no_js)
    db.session.refresh(user)
    assert user.email != "taken@network.example" and user.timezone == "UTC" and audit(user) == []


def test_edit_without_javascript_redirects_to_the_list(admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    response = admin_client.post(f"{URL}/{user.id}/edit", data=edit_form(user, first_name="Nia"))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)


def test_a_publisher_user_keeps_role_and_publisher(admin_client, publisher_user):
    db.session.commit()
    form = admin_client.get(f"{URL}/{publisher_user.id}/edit", headers=HX)
    assert f'name="user-{publisher_user.id}-role"' not in body(form)
    data = edit_form(publisher_user, role="admin", first_name="Pia")
    response = admin_client.post(f"{URL}/{publisher_user.id}/edit", data=data, headers=HX)
    assert response.status_code == 200
    db.session.refresh(publisher_user)
    assert (publisher_user.role, publisher_user.first_name) == (Role.PUBLISHER, "Pia") and publisher_user.publisher_id


def test_an_admin_cannot_demote_themselves(admin_client, admin_user, brand):
    data = edit_form(admin_user, role="advertiser", advertiser_id=str(brand.id))
    response = admin_client.post(f"{URL}/{admin_user.id}/edit", data=data, headers=HX)
    assert response.status_code == 400 and "You cannot take away your own admin role" in body(response)
    db.session.refresh(admin_user)
    assert admin_user.role == Role.ADMIN and audit(admin_user) == []


def test_an_admin_cannot_make_themselves_an_account_manager(admin_client, admin_user):
    response = admin_client.post(f"{URL}/{admin_user.id}/edit", data=edit_form(admin_user, role="account_manager"), headers=HX)
    assert response.status_code == 400 and "You cannot take away your own admin role" in body(response)
    db.session.refresh(admin_user)
    assert admin_user.role == Role.ADMIN


def test_edit_without_csrf_is_refused(admin_client, advertiser_user):
    db.session.commit()
    response = admin_client.post(f"{URL}/{advertiser_user.id}/edit", data=edit_form(advertiser_user, first_name="Zed"), csrf=False)
    assert response.status_code == 400
    db.session.refresh(advertiser_user)
    assert advertiser_user.first_name != "Zed"


# ---------------------------------------------------------------- status


def test_deactivating_a_user_ends_their_sign_in_and_session(app, admin_client, admin_user, brand):
    user = UserFactory(email="ops@brand.example", is_advertiser=True, advertiser=brand)
    db.session.commit()
    visitor = app.test_client()
    assert visitor.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    response = admin_client.post(f"{URL}/{user.id}/deactivate", headers=HX)
    assert response.status_code == 200 and "ops@brand.example is deactivated." in body(response)
    assert "<td data-status>Deactivated</td>" in body(response)
    assert visitor.get("/").status_code == 302  # the open session ends
    assert app.test_client().post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 401
    [entry] = audit(user, "update")
    assert entry.changes == {"status": ["Active", "Deactivated"]} and entry.actor_id == admin_user.id
    admin_client.post(f"{URL}/{user.id}/activate", headers=HX)
    assert app.test_client().post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302


def test_a_suspended_user_cannot_sign_in(app, admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    assert admin_client.post(f"{URL}/{user.id}/suspend").status_code == 303  # without JS: back to the list
    db.session.refresh(user)
    assert user.status == UserStatus.SUSPENDED
    assert app.test_client().post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 401


@pytest.mark.parametrize("change", ["deactivate", "suspend"])
def test_an_admin_cannot_lock_themselves_out(admin_client, admin_user, change):
    response = admin_client.post(f"{URL}/{admin_user.id}/{change}", headers=HX)
    assert response.status_code == 400 and "You cannot deactivate or suspend your own account" in body(response)
    db.session.refresh(admin_user)
    assert admin_user.status == UserStatus.ACTIVE and audit(admin_user) == []


def test_own_row_offers_no_lock_out_buttons(admin_client, admin_user):
    row = body(admin_client.get(f"{URL}/{admin_user.id}", headers=HX))
    assert "(you)" in row and f"/users/{admin_user.id}/deactivate" not in row and f"/users/{admin_user.id}/suspend" not in row


def test_a_new_password_link_resets_the_password(app, admin_client, admin_user, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    response = admin_client.post(f"{URL}/{user.id}/link", headers=HX)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    path = urlsplit(re.search(rf'id="invite-link-{user.id}" type="text" readonly value="([^"]+)"', body(response)).group(1)).path
    assert app.test_client().post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert app.test_client().post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    assert [entry.action for entry in audit(user)] == ["password_link"]


def test_no_link_for_an_inactive_user(admin_client, brand):
    user = UserFactory(is_advertiser=True, advertiser=brand, status=UserStatus.DEACTIVATED)
    db.session.commit()
    response = admin_client.post(f"{URL}/{user.id}/link", headers=HX)
    assert response.status_code == 400 and "Activate the user" in body(response) and "/set-password/" not in body(response)


def test_a_status_change_without_csrf_is_refused(admin_client, advertiser_user):
    db.session.commit()
    response = admin_client.post(f"{URL}/{advertiser_user.id}/deactivate", headers=HX, csrf=False)
    assert response.status_code == 400 and "try again" in body(response)
    db.session.refresh(advertiser_user)
    assert advertiser_user.status == UserStatus.ACTIVE


# ---------------------------------------------------------------- bulk


def test_bulk_status_change_applies_to_the_selection_only(admin_client, admin_user, brand):
    chosen = [UserFactory(is_advertiser=True, advertiser=brand) for _ in range(2)]
    spared = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    data = {"action": "suspend", "ids": [str(user.id) for user in chosen], "role": "advertiser"}
    response = admin_client.post(f"{URL}/bulk", data=data, headers=HX)
    assert response.status_code == 200 and "2 users changed." in body(response)
    for user in chosen + [spared]:
        db.session.refresh(user)
    assert [user.status for user in chosen] == [UserStatus.SUSPENDED] * 2 and spared.status == UserStatus.ACTIVE
    assert all(len(audit(user, "update")) == 1 for user in chosen)
    assert admin_user.email not in emails(body(response))  # the table keeps the role filter


def test_bulk_refuses_a_selection_that_locks_out_the_admin(admin_client, admin_user, brand):
    other = UserFactory(is_advertiser=True, advertiser=brand)
    db.session.commit()
    response = admin_client.post(f"{URL}/bulk", data={"action": "deactivate", "ids": [str(other.id), str(admin_user.id)]}, headers=HX)
    assert response.status_code == 400 and "You cannot deactivate or suspend your own account" in body(response)
    db.session.refresh(other)
    assert other.status == UserStatus.ACTIVE


@pytest.mark.parametrize("data, message", [
    ({"action": "", "ids": ["1"]}, "Pick what to do with the selected users."),
    ({"action": "delete", "ids": ["1"]}, "Pick what to do with the selected users."),
    ({"action": "activate"}, "Select at least one user."),
])
def test_bulk_needs_an_action_and_a_selection(admin_client, data, message):
    response = admin_client.post(f"{URL}/bulk", data=data, headers=HX)
    assert response.status_code == 400 and message in body(response)


def test_bulk_without_javascript_redirects_with_the_filters(admin_client, advertiser_user):
    db.session.commit()
    response = admin_client.post(f"{URL}/bulk", data={"action": "suspend", "ids": [str(advertiser_user.id)], "role": "advertiser"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{URL}?role=advertiser")


def test_bulk_without_csrf_is_refused(admin_client, advertiser_user):
    db.session.commit()
    response = admin_client.post(f"{URL}/bulk", data={"action": "suspend", "ids": [str(advertiser_user.id)]}, headers=HX, csrf=False)
    assert response.status_code == 400 and "try again" in body(response)
    db.session.refresh(advertiser_user)
    assert advertiser_user.status == UserStatus.ACTIVE


# ---------------------------------------------------------------- list: search, filters, sorting


@pytest.fixture
def crowd(admin_user, brand):
    UserFactory(email="zoe@brand.example", first_name="Zoe", last_name="Quinn", is_advertiser=True, advertiser=brand)
    UserFactory(email="bob@other.example", first_name="Bob", is_advertiser=True, advertiser__name="Other Brand",
                status=UserStatus.SUSPENDED)
    UserFactory(email="amy@network.example", first_name="Amy", status=UserStatus.DEACTIVATED)
    db.session.commit()


def test_search_by_name(admin_client, crowd):
    assert emails(body(admin_client.get(URL, query_string={"q": "quinn"}))) == ["zoe@brand.example"]
    assert emails(body(admin_client.get(URL, query_string={"q": "zoe quinn"}))) == ["zoe@brand.example"]


def test_filter_by_status_and_advertiser(admin_client, crowd, brand):
    assert emails(body(admin_client.get(URL, query_string={"status": "Suspended"}))) == ["bob@other.example"]
    assert emails(body(admin_client.get(URL, query_string={"advertiser": brand.id}))) == ["zoe@brand.example"]
    page = body(admin_client.get(URL, query_string={"status": "Gone", "advertiser": "999999"}))
    assert 'id="status-error"' in page and 'id="advertiser-error"' in page and len(emails(page)) == 4


def test_sorting_by_a_column_and_back(admin_client, admin_user, crowd):
    by_status = emails(body(admin_client.get(URL, query_string={"sort": "status", "role": "advertiser"})))
    assert by_status == ["zoe@brand.example", "bob@other.example"]  # Active before Suspended
    descending = emails(body(admin_client.get(URL, query_string={"sort": "-email"})))
    assert descending == sorted(descending, reverse=True)
    page = body(admin_client.get(URL, query_string={"sort": "-email", "role": "admin"}))
    assert 'aria-sort="descending"' in page and "sort=email" in page and "role=admin" in page
    assert emails(body(admin_client.get(URL, query_string={"sort": "password_hash"})))[0] == "amy@network.example"
