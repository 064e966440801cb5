"""POST /api/v1/events over HTTP: status codes, the three body forms, auth, limits and trace ids."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ApiKey
from portal.accounts.service import create_api_key, revoke_api_key
from portal.events.models import Event, Player
from portal.extensions import db
from portal.types import utcnow
from tests.events.conftest import EVENTS_URL, deposit


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def assert_traced(response):
    body = response.get_json()
    assert body["trace_id"] and body["trace_id"] == response.headers["X-Request-ID"]
    return body


# Single events


def test_a_single_event_is_accepted_with_202_and_its_id(send):
    response = send(deposit(idempotency_key="dep-1"))
    assert response.status_code == 202
    body = assert_traced(response)
    assert body["result"]["status"] == "accepted" and body["result"]["idempotency_key"] == "dep-1"
    [event] = db.session.scalars(select(Event)).all()
    assert str(event.id) == body["result"]["event_id"]
    assert (event.type, event.amount, event.currency) == ("deposit", Decimal("10.0000"), "EUR")


def test_a_repeated_single_event_answers_200_duplicate_with_the_first_id(send):
    first = send(deposit(idempotency_key="dep-1")).get_json()["result"]
    response = send(deposit(idempotency_key="dep-1"))
    assert response.status_code == 200
    result = assert_traced(response)["result"]
    assert result == {"event_id": first["event_id"], "idempotency_key": "dep-1", "status": "duplicate"}
    assert event_count() == 1


def test_the_same_key_with_another_body_is_a_409_conflict(send):
    send(deposit(idempotency_key="dep-1", amount="10.00"))
    response = send(deposit(idempotency_key="dep-1", amount="99.00"))
    assert response.status_code == 409
    body = assert_traced(response)
    assert "idempotency_key 'dep-1' was used for a different event" in body["error"]
    assert event_count() == 1


def test_the_trace_id_is_the_callers_request_id_when_given(send):
    response = send(deposit(), **{"X-Request-ID": "caller-trace-0001"})
    assert response.get_json()["trace_id"] == "caller-trace-0001" == response.headers["X-Request-ID"]


def test_the_request_id_reaches_error_responses_too(send):
    response = send(b"{", **{"X-Request-ID": "caller-trace-0002"})
    assert response.status_code == 400 and response.get_json()["trace_id"] == "caller-trace-0002"


# Validation


@pytest.mark.parametrize(
    "body, message",
    [
        ({"type": "deposit", "amount": "1", "currency": "EUR"}, "player_id: is required"),
        ({"type": "ftd", "player_id": "p"}, "amount: required"),
        ({"type": "deposit", "player_id": "p", "amount": "10"}, "currency: required when an amount is given"),
        ({"type": "deposit", "player_id": "p", "amount": "-5", "currency": "EUR"}, "amount: must be greater than zero"),
        ({"type": "withdrawal", "player_id": "p", "amount": "abc", "currency": "EUR"}, "amount: must be a decimal"),
        ({"type": "chargeback", "player_id": "p", "amount": "1.00001", "currency": "EUR"}, "amount: has more than 4"),
        ({"type": "deposit", "player_id": "p", "amount": "1", "currency": "eur"}, "currency: must be an ISO 4217"),
        ({"type": "revenue", "player_id": "p", "amount": "-3", "currency": "EUR"}, "period_start: is required"),
        (
            {"type": "revenue", "player_id": "p", "amount": "1", "currency": "EUR", "period_start": "2025-02-01", "period_end": "2025-01-01"},
            "period_end: must not be before period_start",
        ),
        ({"type": "custom", "player_id": "p"}, "name: is required"),
        ({"type": "registration", "player_id": "p", "timestamp": "2025-01-15T10:30:00"}, "timestamp: needs a time zone"),
        ({"type": "registration", "player_id": "p", "timestamp": "yesterday"}, "timestamp: must be an ISO 8601"),
        ({"type": "registration", "player_id": "p", "click_id": "not-a-uuid"}, "click_id: must be a UUID"),
        ({"type": "registration", "player_id": "p" * 256}, "player_id: must be at most 255 characters"),
        ({"type": "registration", "player_id": 42}, "player_id: must be a string"),
        ({"type": "registration", "player_id": "p", "idempotency_key": ""}, "idempotency_key: must not be empty"),
        ({"type": "registration", "player_id": True}, "player_id: must be a string"),
        ({"type": "pageview", "site_id": None, "session_id": "s"}, "site_id: must be a string"),
        ({"type": "pageview", "site_id": "w", "session_id": "s", "utm": {"source": 7}}, "utm.source: must be a string"),
        ({"type": "registration", "player_id": "p", "note": "x" * 40_000}, "properties: larger than 32 KB"),
        ({"type": "pageview", "session_id": "s"}, "site_id: is required"),
        ({"type": "pageleave", "site_id": "w", "session_id": "s"}, "duration: is required"),
        ({"type": "custom_event", "site_id": "w", "session_id": "s"}, "event_name: is required"),
        ({"type": "web_vitals", "site_id": "w", "session_id": "s"}, "vitals: is required"),
        ({"type": "web_vitals", "site_id": "w", "session_id": "s", "vitals": {"lcp": "fast"}}, "vitals.lcp: must be a number"),
        ({"type": "error", "site_id": "w", "session_id": "s"}, "error_message: error_name or error_message is required"),
        ({"type": "error", "site_id": "w", "session_id": "s", "error_message": "x", "error_stack": "s" * 3000}, "error_stack: must be at most 2048"),
        ({"type": "payment", "site_id": "w", "session_id": "s", "amount": "9.99"}, "currency: required"),
        ({"type": "teleport", "player_id": "p"}, "type: unknown event type"),
        ({"player_id": "p"}, "type: is required"),
    ],
)
def test_an_invalid_single_event_is_a_400_naming_the_field(send, body, message):
    response = send(body)
    assert response.status_code == 400
    assert message in assert_traced(response)["error"]
    assert event_count() == 0


@pytest.mark.parametrize("event_type", ["pageview", "external_link", "identify", "button_click", "form_submit", "copy"])
def test_web_events_need_only_site_and_session(send, event_type):
    response = send({"type": event_type, "site_id": "w", "session_id": "s", "url": "https://brand.example/a"})
    assert response.status_code == 202
    [event] = db.session.scalars(select(Event)).all()
    assert event.player_id is None and event.properties["site_id"] == "w" and event.properties["url"].endswith("/a")


def test_every_player_event_type_is_stored_with_its_fields(send):
    bodies = [
        {"type": "registration", "player_id": "p"},
        deposit("p", type="ftd"),
        deposit("p"),
        deposit("p", type="withdrawal"),
        deposit("p", type="chargeback"),
        {"type": "revenue", "player_id": "p", "amount": "-12.5", "currency": "EUR", "period_start": "2025-01-01", "period_end": "2025-01-31"},
        {"type": "custom", "player_id": "p", "name": "vip_upgrade", "level": 3},
    ]
    response = send({"events": bodies})
    assert response.status_code == 202 and response.get_json()["summary"]["accepted"] == 7
    events = {e.type: e for e in db.session.scalars(select(Event))}
    assert str(events["revenue"].amount) == "-12.5000"
    assert events["revenue"].properties == {"period_start": "2025-01-01", "period_end": "2025-01-31"}
    assert events["custom"].properties == {"name": "vip_upgrade", "level": 3}
    assert len({e.player_id for e in events.values()}) == 1


def test_an_aware_timestamp_is_stored_in_utc_and_a_missing_one_defaults_to_now(send):
    before = utcnow()
    day = (before - timedelta(days=1)).date().isoformat()
    send({"events": [{"type": "registration", "player_id": "a", "timestamp": f"{day}T12:30:00+02:00"},
                     {"type": "registration", "player_id": "b"}]})
    events = {e.properties.get("x", e.player_id): e for e in db.session.scalars(select(Event))}
    stamps = sorted(e.occurred_at for e in events.values())
    assert stamps[0].isoformat() == f"{day}T10:30:00+00:00"
    assert before - timedelta(seconds=1) <= stamps[1] <= utcnow()


def test_unknown_keys_are_kept_as_properties(send):
    send(deposit(bonus_code="WELCOME", meta={"campaign": "spring", "score": 7}))
    event = db.session.scalars(select(Event)).one()
    assert event.properties == {"bonus_code": "WELCOME", "meta": {"campaign": "spring", "score": 7}}


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "expected a JSON object"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"deposit"', "must be a JSON object"),
        (b'{"type": "deposit", "amount": NaN}', "NaN is not a number JSON allows"),
        (b'{"events": []}', "events: must be a list of 1 to 100"),
        (b'{"events": {"type": "deposit"}}', "events: must be a list"),
        (b'{"users": []}', "users: must be a list of 1 to 1000"),
        (b'{"events": [], "users": []}', 'either "events" or "users"'),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_bodies_and_wrong_shapes_are_400_with_a_message(send, raw, message):
    response = send(raw)
    assert response.status_code == 400
    assert message in assert_traced(response)["error"]


def test_more_than_100_events_in_a_batch_is_a_400(send):
    response = send({"events": [deposit(f"p{n}") for n in range(101)]})
    assert response.status_code == 400 and "1 to 100" in response.get_json()["error"]
    assert event_count() == 0


def test_a_body_over_10_mb_is_a_413_json_error(send):
    response = send(b" " * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert assert_traced(response)["error"]


# Batches


def test_a_batch_reports_each_item_and_accepts_the_good_ones(send):
    response = send({"events": [deposit("a"), {"type": "deposit", "player_id": "b", "amount": "x", "currency": "EUR"}, "junk", deposit("c")]})
    assert response.status_code == 202
    body = assert_traced(response)
    assert body["summary"] == {"total": 4, "accepted": 2, "duplicates": 0, "errors": 2}
    results = body["results"]
    assert [r["status"] for r in results] == ["accepted", "error", "error", "accepted"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert results[1]["error"].startswith("events[1].amount: ") and "event_id" not in results[1]
    assert results[2]["error"] == "events[2]: must be a JSON object"
    stored = {str(e.id) for e in db.session.scalars(select(Event))}
    assert stored == {results[0]["event_id"], results[3]["event_id"]}


def test_a_batch_that_is_all_repeats_is_a_200(send):
    batch = {"events": [deposit("a", idempotency_key="a1"), deposit("b", idempotency_key="b1")]}
    assert send(batch).status_code == 202
    response = send(batch)
    assert response.status_code == 200
    assert response.get_json()["summary"] == {"total": 2, "accepted": 0, "duplicates": 2, "errors": 0}
    assert event_count() == 2


def test_a_batch_where_every_item_fails_is_a_400_with_every_error(send):
    response = send({"events": [{"type": "deposit"}, {"type": "nope"}]})
    assert response.status_code == 400
    body = assert_traced(response)
    assert body["summary"] == {"total": 2, "accepted": 0, "duplicates": 0, "errors": 2}
    assert body["results"][0]["error"].startswith("events[0].")
    assert body["results"][1]["error"].startswith("events[1].type: ")
    assert event_count() == 0


def test_a_key_reused_inside_one_batch_is_a_duplicate_or_a_conflict(send):
    response = send({"events": [deposit(idempotency_key="k"), deposit(idempotency_key="k"), deposit(idempotency_key="k", amount="2")]})
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate", "error"]
    assert results[1]["event_id"] == results[0]["event_id"]
    assert "was used for a different event" in results[2]["error"]
    assert event_count() == 1


def test_a_conflict_in_a_batch_is_an_item_error_not_a_409(send):
    send(deposit(idempotency_key="k", amount="1"))
    response = send({"events": [deposit(idempotency_key="k", amount="2"), deposit("other")]})
    assert response.status_code == 202
    assert "idempotency_key 'k' was used for a different event" in response.get_json()["results"][0]["error"]


# The user-batch form (seed 004)


def test_the_user_batch_form_stores_each_users_events_under_its_player(send):
    body = {
        "users": [
            {"identifiers": {"user_id": "u-1", "email": "ana@example.com"}, "user_properties": {"tier": "gold"}, "events": [deposit(None), {"type": "registration"}]},
            {"identifiers": {"anon_id": "anon-7"}, "events": [{"event_name": "purchase", "revenue": 12.5, "sku": "X"}]},
        ]
    }
    response = send(body)
    assert response.status_code == 202
    result = assert_traced(response)
    assert result["summary"] == {"total": 3, "accepted": 3, "duplicates": 0, "errors": 0}
    assert [r["user_index"] for r in result["results"]] == [0, 0, 1]
    players = {p.external_id: p for p in db.session.scalars(select(Player))}
    assert set(players) == {"u-1", "anon:anon-7"}
    assert players["u-1"].email == "ana@example.com" and players["u-1"].user_properties == {"tier": "gold"}
    assert players["anon:anon-7"].anon_id == "anon-7"
    custom = db.session.scalars(select(Event).where(Event.type == "custom")).one()
    assert custom.player_id == players["anon:anon-7"].id
    assert custom.properties == {"name": "purchase", "revenue": 12.5, "sku": "X"}


def test_a_user_without_identifiers_fails_alone(send):
    body = {
        "users": [
            {"identifiers": {"first_name": "Ana"}, "events": [{"type": "registration"}, {"type": "registration"}]},
            {"identifiers": {"user_id": "u-2"}, "events": [{"type": "registration"}]},
            {"identifiers": {"user_id": "u-3"}, "events": []},
        ]
    }
    response = send(body)
    assert response.status_code == 202
    body = response.get_json()
    assert body["summary"] == {"total": 4, "accepted": 1, "duplicates": 0, "errors": 3}
    errors = [r["error"] for r in body["results"] if r["status"] == "error"]
    assert errors[0] == errors[1] and errors[0].startswith("users[0].identifiers: at least one of user_id")
    assert errors[2] == "users[2].events: must be a list of at least one event"


def test_a_users_identifiers_are_checked_field_by_field(send):
    body = {"users": [
        {"identifiers": {"email": "a@"}, "events": [{"type": "registration"}]},
        {"identifiers": {"user_id": "u", "phone_number": "1" * 33}, "events": [{"type": "registration"}]},
    ]}
    errors = [r["error"] for r in send(body).get_json()["results"]]
    assert errors == ["users[0].identifiers.email: must be at least 3 characters",
                      "users[1].identifiers.phone_number: must be at most 32 characters"]


def test_a_user_batch_event_error_names_user_and_event(send):
    response = send({"users": [{"identifiers": {"user_id": "u"}, "events": [{"type": "registration"}, {"type": "ftd"}]}]})
    assert response.get_json()["results"][1]["error"].startswith("users[0].events[1].amount: required")


def test_an_event_naming_another_player_than_its_user_is_refused(send):
    response = send({"users": [{"identifiers": {"user_id": "u"}, "events": [{"type": "registration", "player_id": "someone-else"}]}]})
    assert response.status_code == 400
    assert "users[0].events[0].player_id: differs" in response.get_json()["results"][0]["error"]


def test_more_than_1000_users_is_a_400(send):
    users = [{"identifiers": {"user_id": f"u{n}"}, "events": [{"type": "registration"}]} for n in range(1001)]
    assert send({"users": users}).status_code == 400


# Auth


def test_a_missing_key_is_a_401(send):
    response = send(deposit(), key=None)
    assert response.status_code == 401
    assert "X-API-Key" in assert_traced(response)["error"]


@pytest.mark.parametrize("key", ["tl_unknown", "nonsense", ""])
def test_an_unknown_key_is_a_401(send, key):
    response = send(deposit(), key=key)
    assert response.status_code == 401 and assert_traced(response)["error"]
    assert event_count() == 0


def test_a_revoked_key_is_a_401(send, api_key):
    revoke_api_key(db.session.scalars(select(ApiKey)).one())
    db.session.commit()
    response = send(deposit())
    assert response.status_code == 401
    assert event_count() == 0


def test_a_network_key_may_not_send_events(send):
    _, network_secret = create_api_key("network", None)
    db.session.commit()
    response = send(deposit(), key=network_secret)
    assert response.status_code == 403
    assert "advertiser" in assert_traced(response)["error"]
    assert event_count() == 0


def test_no_csrf_token_is_needed(client, api_key):
    response = client.post(EVENTS_URL, data=json.dumps(deposit()), headers={"X-API-Key": api_key}, csrf=False)
    assert response.status_code == 202


def test_last_used_at_is_written_at_most_once_a_minute(send):
    key = db.session.scalars(select(ApiKey)).one()
    assert key.last_used_at is None
    send(deposit())
    db.session.expire_all()
    first = db.session.scalars(select(ApiKey)).one().last_used_at
    assert first is not None
    send(deposit())
    db.session.expire_all()
    assert db.session.scalars(select(ApiKey)).one().last_used_at == first
    key = db.session.scalars(select(ApiKey)).one()
    key.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    send(deposit())
    db.session.expire_all()
    assert db.session.scalars(select(ApiKey)).one().last_used_at > first


# Rate limit


def test_too_many_requests_for_one_key_is_a_429_with_retry_after(app, send, advertiser, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTS_RATE_LIMIT", "2 per minute")
    assert send(deposit()).status_code == 202
    assert send(deposit()).status_code == 202
    response = send(deposit())
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert assert_traced(response)["error"]
    assert event_count() == 2
    _, other_secret = create_api_key("second", advertiser.id)
    db.session.commit()
    assert send(deposit(), key=other_secret).status_code == 202  # the limit is per key


def test_a_refused_event_creates_no_player(send):
    send(deposit("p-1", idempotency_key="k"))
    send({"type": "deposit", "player_id": "p-2", "amount": "oops", "currency": "EUR"})
    send(deposit("p-3", idempotency_key="k"))  # a conflict: the key belongs to p-1's event
    assert set(db.session.scalars(select(Player.external_id))) == {"p-1"}
