"""Seed 004 (user-batch events): a client written from that document, Bearer key + x-customer-id, reading
users_accepted / users_rejected / errors, walked through the document's requests against the app."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.service import create_api_key
from portal.events.models import Event, Player
from portal.extensions import db
from tests.factories import AdvertiserFactory

URL = "/api/v1/events"


class Seed004Client:
    """What a seed-004 integration sends: Authorization: Bearer <key>, x-customer-id, a {"users": [...]} body."""

    def __init__(self, client, key: str, customer_id: str):
        self.client, self.key, self.customer_id = client, key, customer_id

    def send(self, users, **headers):
        headers = {"Authorization": f"Bearer {self.key}", "x-customer-id": self.customer_id, **headers}
        return self.client.post(URL, json={"users": users}, headers={k: v for k, v in headers.items() if v is not None})


@pytest.fixture
def advertiser(app):
    return AdvertiserFactory()


@pytest.fixture
def key(app, advertiser):
    _, secret = create_api_key("seed 004", advertiser.id)
    db.session.commit()
    return secret


@pytest.fixture
def seed(client, key, advertiser):
    return Seed004Client(client, key, str(advertiser.id))


def answer(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["trace_id"] and body["trace_id"] == response.headers["X-Request-ID"]
    return body


def events():
    return list(db.session.scalars(select(Event).order_by(Event.occurred_at)))


def player(external_id):
    return db.session.scalar(select(Player).where(Player.external_id == external_id))


# The documented examples


def test_simple_event(seed):
    body = answer(seed.send([{
        "identifiers": {"email": "jane@example.com", "user_id": "usr_12345"},
        "events": [{"event_name": "purchase", "timestamp": "2026-11-15T14:30:00Z", "revenue": 89.99,
                    "currency": "USD", "order_id": "ORD-9876"}],
    }]), 202)
    assert {k: body[k] for k in ("users_accepted", "users_rejected", "errors")} == {
        "users_accepted": 1, "users_rejected": 0, "errors": []}
    [event] = events()
    assert (event.type, event.amount, event.currency) == ("custom", Decimal("89.99"), "USD")
    assert event.properties == {"name": "purchase", "order_id": "ORD-9876"}
    assert player("usr_12345").email == "jane@example.com"


def test_batch_of_users_and_several_events_per_user(seed):
    body = answer(seed.send([
        {"identifiers": {"user_id": "usr_001"}, "events": [{"event_name": "page_view"}, {"event_name": "add_to_cart"}]},
        {"identifiers": {"anon_id": "anon_9"}, "events": [{"event_name": "page_view", "page": "/pricing"}]},
    ]), 202)
    assert (body["users_accepted"], body["users_rejected"]) == (2, 0)
    assert sorted(e.properties["name"] for e in events()) == ["add_to_cart", "page_view", "page_view"]


def test_custom_event_properties_are_stored(seed):
    answer(seed.send([{"identifiers": {"user_id": "u"}, "events": [
        {"event_name": "add_to_cart", "product_id": "SKU-1", "cart_total": 42.5, "tags": ["a", "b"]}]}]), 202)
    [event] = events()
    assert event.properties == {"name": "add_to_cart", "product_id": "SKU-1", "cart_total": 42.5, "tags": ["a", "b"]}


def test_user_properties_accumulate_last_write_wins(seed):
    user = {"identifiers": {"user_id": "u"}, "events": [{"event_name": "login"}]}
    answer(seed.send([{**user, "user_properties": {"loyalty_tier": "gold", "lifetime_value": 10}}]), 202)
    answer(seed.send([{**user, "user_properties": {"loyalty_tier": "platinum"}}]), 202)
    assert player("u").user_properties == {"loyalty_tier": "platinum", "lifetime_value": 10}


def test_profile_fields_among_identifiers_and_user_properties_are_kept(seed):
    answer(seed.send([{"identifiers": {"email": "ana@example.com", "first_name": "Ana", "last_name": "Lima"},
                       "user_properties": {"city": "Porto"}, "events": [{"event_name": "registration"}]}]), 202)
    kept = player("email:ana@example.com")
    assert kept.profile == {"first_name": "Ana", "last_name": "Lima"} and kept.user_properties == {"city": "Porto"}
    # identifiers are set once: a later first_name does not overwrite, a new field is added
    answer(seed.send([{"identifiers": {"email": "ana@example.com", "first_name": "Anna", "country": "PT"},
                       "events": [{"event_name": "login"}]}]), 202)
    db.session.expire_all()
    assert player("email:ana@example.com").profile == {"first_name": "Ana", "last_name": "Lima", "country": "PT"}


# Partial acceptance and errors


def test_partial_acceptance_reports_the_rejected_user_by_index(seed):
    body = answer(seed.send([
        {"identifiers": {"user_id": "a"}, "events": [{"event_name": "login"}]},
        {"identifiers": {"user_id": "b"}, "events": [{"event_name": "login"}]},
        {"identifiers": {"first_name": "NoId"}, "events": [{"event_name": "login"}]},
    ]), 202)
    assert (body["users_accepted"], body["users_rejected"]) == (2, 1)
    [error] = body["errors"]
    assert set(error) == {"userIndex", "message"} and error["userIndex"] == 2
    assert "at least one of user_id, email, phone_number or anon_id" in error["message"]
    assert len(events()) == 2


def test_all_users_rejected_is_400_validation_failed(seed):
    body = answer(seed.send([{"identifiers": {"user_id": "a"}, "events": []}]), 400)
    assert body["error"] == "validation failed" and body["users_accepted"] == 0 and body["users_rejected"] == 1
    assert body["errors"] == [{"userIndex": 0, "message": "users[0].events: must be a list of at least one event"}]


def test_an_event_without_event_name_is_named_as_event_name(seed):
    body = answer(seed.send([{"identifiers": {"user_id": "a"}, "events": [{"timestamp": "2026-11-15T14:30:00Z"}]}]), 400)
    assert body["errors"][0]["message"] == "users[0].events[0].event_name: is required"


@pytest.mark.parametrize("field", ["revenue", "event_value"])
@pytest.mark.parametrize("value", ["abc", "12.5", True, None, {"v": 1}])
def test_revenue_and_event_value_must_be_numbers(seed, field, value):
    body = answer(seed.send([{"identifiers": {"user_id": "a"}, "events": [{"event_name": "purchase", field: value}]}]), 400)
    assert body["errors"][0]["message"] == f"users[0].events[0].{field}: must be a number"
    assert events() == []


def test_a_user_with_one_bad_event_is_rejected_whole(seed):
    body = answer(seed.send([
        {"identifiers": {"user_id": "a"}, "events": [{"event_name": "login"}, {"event_name": "purchase", "revenue": "abc"}]},
        {"identifiers": {"user_id": "b"}, "events": [{"event_name": "login"}]},
    ]), 202)
    assert (body["users_accepted"], body["users_rejected"]) == (1, 1)
    assert body["errors"] == [{"userIndex": 0, "message": "users[0].events[1].revenue: must be a number"}]
    assert [r["status"] for r in body["results"]] == ["error", "error", "accepted"]  # our per-event detail
    assert [e.properties["name"] for e in events()] == ["login"]


# Field mapping onto our player events


def test_ftd_revenue_is_the_amount(seed):
    answer(seed.send([{"identifiers": {"user_id": "p1"}, "events": [
        {"event_name": "ftd", "revenue": 50, "currency": "EUR", "event_value": 1}]}]), 202)
    [event] = events()
    assert (event.type, event.amount, event.currency) == ("ftd", Decimal("50.00"), "EUR")
    assert event.properties == {"event_value": 1}


def test_ftd_revenue_without_currency_names_currency(seed):
    body = answer(seed.send([{"identifiers": {"user_id": "p1"}, "events": [{"event_name": "ftd", "revenue": 50}]}]), 400)
    assert body["errors"][0]["message"].startswith("users[0].events[0].currency: required with revenue")


def test_a_custom_event_revenue_without_currency_stays_a_property(seed):
    answer(seed.send([{"identifiers": {"user_id": "p1"}, "events": [{"event_name": "purchase", "revenue": 12.5}]}]), 202)
    [event] = events()
    assert event.amount is None and event.properties == {"name": "purchase", "revenue": 12.5}


# Authentication


def test_x_api_key_still_works_and_a_per_event_body_keeps_its_answer(client, key, advertiser):
    response = client.post(URL, json={"type": "registration", "player_id": "p"},
                           headers={"Authorization": f"Bearer {key}", "x-customer-id": str(advertiser.id)})
    assert answer(response, 202)["result"]["status"] == "accepted"
    response = client.post(URL, json={"users": [{"identifiers": {"user_id": "u"}, "events": [{"event_name": "x"}]}]},
                           headers={"X-API-Key": key})
    assert answer(response, 202)["users_accepted"] == 1


@pytest.mark.parametrize("headers, message", [
    ({"Authorization": None, "x-customer-id": None}, "header (or Authorization: Bearer <key>) is missing"),
    ({"x-customer-id": None}, "x-customer-id header is missing"),
    ({"x-customer-id": "999999"}, "does not match"),
    ({"Authorization": "Bearer tl_not_a_key"}, "not valid"),
    ({"Authorization": "Basic abc"}, "is missing"),
])
def test_bad_credentials_are_401(seed, headers, message):
    response = seed.send([{"identifiers": {"user_id": "u"}, "events": [{"event_name": "x"}]}], **headers)
    assert message in answer(response, 401)["error"]
    assert events() == []
