"""Settings → API keys over HTTP: who may reach it, the secret shown once, revoking in place, isolation."""
import hashlib
import json
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiKey
from portal.accounts.service import create_api_key, find_api_key
from portal.extensions import db
from tests.conftest import signed_in_client
from tests.factories import UserFactory

URL = "/settings/api-keys"


def new_secret(page: str) -> str:
    return re.search(r'id="new-api-key-secret"[^>]*value="(tl_[^"]+)"', page).group(1)


def test_an_advertiser_user_sees_its_api_keys_page(advertiser_client):
    response = advertiser_client.get(URL)
    assert response.status_code == 200
    assert "<h1>API keys</h1>" in response.get_data(as_text=True)


def test_an_admin_sees_the_network_api_keys_page(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert "Network keys" in response.get_data(as_text=True)


def test_a_publisher_user_is_forbidden(publisher_client):
    assert publisher_client.get(URL).status_code == 403
    assert publisher_client.post(URL, data={"name": "mine"}).status_code == 403
    assert db.session.scalar(select(ApiKey.id)) is None


def test_an_anonymous_visitor_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_creating_a_key_shows_it_once_with_copy_buttons_and_a_curl_example(advertiser_client, advertiser_user):
    response = advertiser_client.post(URL, data={"name": "CRM events"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = new_secret(page)
    key = find_api_key(secret)
    assert key.advertiser_id == advertiser_user.advertiser_id and key.created_by_id == advertiser_user.id
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert 'data-copy-target="#new-api-key-secret"' in page and 'data-copy-target="#new-api-key-curl"' in page
    assert (
        f'curl -X POST http://localhost/api/v1/events -H "X-API-Key: {secret}" -H "Content-Type: application/json"'
        """ -d '{"type":"registration","player_id":"p-1"}'"""
    ) in page
    assert 'id="name"' in page and 'value=""' in page  # the create form is blank again

    again = advertiser_client.get(URL).get_data(as_text=True)
    assert secret not in again
    assert "CRM events" in again and f"{key.prefix}…" in again


def test_the_curl_example_uses_the_public_base_url_when_set(app, advertiser_client):
    app.config["PUBLIC_BASE_URL"] = "https://track.example.com"
    try:
        page = advertiser_client.post(URL, data={"name": "CRM"}).get_data(as_text=True)
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert "curl -X POST https://track.example.com/api/v1/events" in page


def test_an_admin_creates_a_network_key(admin_client):
    page = admin_client.post(URL, data={"name": "Ops"}).get_data(as_text=True)
    assert find_api_key(new_secret(page)).advertiser_id is None


def test_a_key_needs_a_name_and_the_error_keeps_what_was_typed(advertiser_client):
    response = advertiser_client.post(URL, data={"name": ""})
    assert response.status_code == 400
    assert 'id="name-error">Name the key after what will use it.<' in response.get_data(as_text=True)
    response = advertiser_client.post(URL, data={"name": "x" * 101})
    assert response.status_code == 400
    assert f'value="{"x" * 101}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiKey.id)) is None


def test_creating_a_key_without_csrf_token_is_refused(advertiser_client):
    assert advertiser_client.post(URL, data={"name": "CRM"}, csrf=False).status_code == 400
    assert db.session.scalar(select(ApiKey.id)) is None


@pytest.fixture
def my_key(advertiser_user):
    key, secret = create_api_key("Mine", advertiser_user.advertiser_id)
    db.session.commit()
    return key, secret


def test_revoke_with_htmx_returns_only_the_row(advertiser_client, my_key):
    key, secret = my_key
    response = advertiser_client.post(f"{URL}/{key.id}/revoke", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    row = response.get_data(as_text=True).strip()
    assert row.startswith(f'<tr id="api-key-{key.id}"') and row.endswith("</tr>")
    assert "Revoked" in row and "<html" not in row and "hx-post" not in row
    assert find_api_key(secret) is None


def test_revoke_without_htmx_returns_the_full_page(advertiser_client, my_key):
    key, secret = my_key
    response = advertiser_client.post(f"{URL}/{key.id}/revoke")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert "<h1>API keys</h1>" in page and "is revoked" in page and "Revoked " in page
    assert find_api_key(secret) is None


def test_revoke_needs_post(advertiser_client, my_key):
    assert advertiser_client.get(f"{URL}/{my_key[0].id}/revoke").status_code == 405


def test_htmx_revoke_without_csrf_header_is_refused(advertiser_client, my_key):
    key, secret = my_key
    response = advertiser_client.post(f"{URL}/{key.id}/revoke", headers={"HX-Request": "true"}, csrf=False)
    assert response.status_code == 400
    assert find_api_key(secret) is key


def test_revoking_another_advertisers_key_is_404_and_changes_nothing(app, advertiser_client):
    other = UserFactory(is_advertiser=True)
    their_key, their_secret = create_api_key("Theirs", other.advertiser_id)
    network_key, network_secret = create_api_key("Network", None)
    db.session.commit()
    for key in (their_key, network_key):
        assert advertiser_client.post(f"{URL}/{key.id}/revoke", headers={"HX-Request": "true"}).status_code == 404
        assert advertiser_client.post(f"{URL}/{key.id}/revoke").status_code == 404
    db.session.expire_all()
    assert find_api_key(their_secret) is their_key and find_api_key(network_secret) is network_key


def test_an_admin_cannot_revoke_an_advertisers_key_from_the_network_page(admin_client, my_key):
    key, secret = my_key
    assert admin_client.post(f"{URL}/{key.id}/revoke").status_code == 404
    assert find_api_key(secret) is key


def test_revoking_an_unknown_key_is_404(advertiser_client):
    assert advertiser_client.post(f"{URL}/999999/revoke").status_code == 404


def test_the_list_never_shows_another_advertisers_keys(app, advertiser_client, my_key):
    other = UserFactory(is_advertiser=True)
    create_api_key("Their secret project", other.advertiser_id)
    create_api_key("Network ops", None)
    db.session.commit()
    page = advertiser_client.get(URL).get_data(as_text=True)
    assert "Mine" in page
    assert "Their secret project" not in page and "Network ops" not in page
    other_page = signed_in_client(app, other).get(URL).get_data(as_text=True)
    assert "Their secret project" in other_page and "Mine" not in other_page


def test_the_admin_list_shows_only_network_keys(admin_client, my_key):
    create_api_key("Network ops", None)
    db.session.commit()
    page = admin_client.get(URL).get_data(as_text=True)
    assert "Network ops" in page and "Mine" not in page


def test_menus_link_the_page_for_admins_and_advertisers_only(admin_client, advertiser_client, publisher_client):
    assert f'href="{URL}"' in admin_client.get("/").get_data(as_text=True)
    assert f'href="{URL}"' in advertiser_client.get("/").get_data(as_text=True)
    assert f'href="{URL}"' not in publisher_client.get("/").get_data(as_text=True)


def test_the_page_always_shows_a_copyable_curl_example_with_a_placeholder_key(advertiser_client):
    advertiser_client.post(URL, data={"name": "CRM events"})
    page = advertiser_client.get(URL).get_data(as_text=True)
    assert (
        'curl -X POST http://localhost/api/v1/events -H "X-API-Key: YOUR_API_KEY" -H "Content-Type: application/json"'
        """ -d '{"type":"registration","player_id":"p-1"}'"""
    ) in page
    assert 'id="api-key-curl"' in page and 'data-copy-target="#api-key-curl"' in page


def test_the_placeholder_example_follows_the_request_host_or_the_public_base_url(app, advertiser_user, advertiser_client):
    db.session.commit()
    elsewhere = app.test_client()
    with elsewhere.session_transaction(base_url="https://portal.example.org") as session:
        session["_user_id"] = str(advertiser_user.id)
    page = elsewhere.get(URL, base_url="https://portal.example.org").get_data(as_text=True)
    assert "curl -X POST https://portal.example.org/api/v1/events" in page
    app.config["PUBLIC_BASE_URL"] = "https://track.example.com"
    try:
        page = advertiser_client.get(URL).get_data(as_text=True)
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert "curl -X POST https://track.example.com/api/v1/events" in page


def test_right_after_creation_the_example_carries_the_key_not_the_placeholder(advertiser_client):
    page = advertiser_client.post(URL, data={"name": "CRM"}).get_data(as_text=True)
    assert f'-H "X-API-Key: {new_secret(page)}"' in page and "YOUR_API_KEY" not in page


def test_the_example_posts_a_body_the_events_api_accepts(app, advertiser_client):
    from portal.events.schemas import validate_event

    page = advertiser_client.get(URL).get_data(as_text=True)
    body = re.search(r"-d '([^']+)'", page).group(1)
    assert json.loads(body) == {"type": "registration", "player_id": "p-1"}
    assert validate_event(json.loads(body)).player_key() == "p-1"  # raises on a body the API would refuse


def test_network_keys_get_no_event_example_since_the_events_api_refuses_them(admin_client):
    page = admin_client.get(URL).get_data(as_text=True)
    assert "YOUR_API_KEY" not in page
    page = admin_client.post(URL, data={"name": "Ops"}).get_data(as_text=True)
    assert "/api/v1/events" not in page
