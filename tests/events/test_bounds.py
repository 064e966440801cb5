"""What the events API accepts at the edges: event times near now, amounts every sum over them can hold,
and property numbers kept digit for digit."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from portal.events.models import Event, Player
from portal.extensions import db
from portal.types import utcnow
from tests.events.conftest import deposit


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def registration(timestamp: str) -> dict:
    return {"type": "registration", "player_id": "p", "timestamp": timestamp}


# Event times


@pytest.mark.parametrize("timestamp", [
    "9999-12-31T23:59:59Z",  # the probe's: every later rollup refresh failed on it
    "3000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
])
def test_a_timestamp_far_from_now_is_a_400_naming_it(send, timestamp):
    response = send(registration(timestamp))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error.startswith("timestamp: must be at most 400 days before and 15 minutes after now"), error
    assert event_count() == 0


def test_the_window_is_400_days_back_and_15_minutes_ahead(send):
    now = utcnow()
    for moment in (now - timedelta(days=399, hours=23), now + timedelta(minutes=14)):
        assert send(registration(iso(moment))).status_code == 202
    for moment in (now - timedelta(days=400, minutes=1), now + timedelta(minutes=16)):
        assert send(registration(iso(moment))).status_code == 400
    assert event_count() == 2


def test_the_window_is_checked_in_utc_whatever_the_offset(send):
    # 10 minutes from now written in UTC+14: inside the window although its wall clock is a day ahead.
    from datetime import timezone

    ahead = (utcnow() + timedelta(minutes=10)).astimezone(timezone(timedelta(hours=14)))
    assert send(registration(ahead.isoformat())).status_code == 202


def test_the_window_follows_the_settings(app, send, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTS_MAX_AGE_DAYS", 2000)
    monkeypatch.setitem(app.config, "EVENTS_MAX_FUTURE_MINUTES", 0)
    assert send(registration(iso(utcnow() - timedelta(days=1500)))).status_code == 202
    response = send(registration(iso(utcnow() + timedelta(minutes=1))))
    assert response.status_code == 400
    assert "at most 2000 days before and 0 minutes after now" in response.get_json()["error"]


def test_a_batch_refuses_only_the_event_out_of_the_window(send):
    response = send({"events": [deposit("a"), deposit("b", timestamp="9999-12-31T23:59:59Z"), deposit("c")]})
    assert response.status_code == 202
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["accepted", "error", "accepted"]
    assert results[1]["error"].startswith("events[1].timestamp: must be at most 400 days before")
    assert event_count() == 2


def test_a_user_batch_event_out_of_the_window_names_user_and_event(send):
    body = {"users": [{"identifiers": {"user_id": "u"}, "events": [
        {"type": "registration"}, {"type": "registration", "timestamp": "1999-01-01T00:00:00+02:00"}]}]}
    answer = send(body).get_json()
    results = answer["results"]
    assert results[0]["status"] == "error" and results[0]["error"].endswith("another event of this user was refused")
    assert results[1]["error"].startswith("users[0].events[1].timestamp: must be at most 400 days before")
    assert answer["errors"] == [{"userIndex": 0, "message": results[1]["error"]}]


# Amounts


@pytest.mark.parametrize("amount", [
    "99999999999999.9999",  # the probe's: two of them overflowed the hourly deposit_amount
    "10000000000",
    "10000000000.0000",
    100000000000000000000,
    "1e12",
])
def test_an_amount_of_ten_billion_or_more_is_a_400_naming_it(send, amount):
    response = send(deposit(amount=amount))
    assert response.status_code == 400
    assert response.get_json()["error"] == "amount: must be less than 10,000,000,000 in absolute value"
    assert event_count() == 0


@pytest.mark.parametrize("body", [
    {"type": "revenue", "player_id": "p", "amount": "-99999999999999.9999", "currency": "EUR",
     "period_start": "2026-01-01", "period_end": "2026-01-31"},
    {"type": "chargeback", "player_id": "p", "amount": "99999999999999.9999", "currency": "EUR"},
    {"type": "payment", "site_id": "w", "session_id": "s", "amount": "-10000000000", "currency": "EUR"},
])
def test_every_event_type_bounds_its_amount(send, body):
    response = send(body)
    assert response.status_code == 400 and response.get_json()["error"].startswith("amount: must be less than")


def test_the_largest_amounts_are_accepted(send):
    revenue = {"type": "revenue", "player_id": "p", "amount": "-9999999999.9999", "currency": "EUR",
               "period_start": "2026-01-01", "period_end": "2026-01-31"}
    response = send({"events": [deposit(amount="9999999999.9999"), revenue, deposit(amount="0.0001")]})
    assert response.get_json()["summary"]["accepted"] == 3
    assert sorted(db.session.scalars(select(Event.amount))) == [
        Decimal("-9999999999.9999"), Decimal("0.0001"), Decimal("9999999999.9999")]


# Property numbers


def stored_properties() -> dict:
    """The events row's properties as the database holds them, read as exact numbers."""
    raw = db.session.scalar(select(func.cast(Event.properties, db.Text)))
    return json.loads(raw, parse_float=Decimal)


def test_property_numbers_are_stored_exactly_as_sent(send):
    body = (b'{"type":"registration","player_id":"p","score":12.345678901234567890123,"huge":1e400,'
            b'"tiny":-0.000000000000000000000001,"kept":1.50,"whole":7,"nested":{"x":[0.1,2.5e-3]}}')
    assert send(body).status_code == 202
    properties = stored_properties()
    assert properties == {
        "score": Decimal("12.345678901234567890123"), "huge": Decimal("1e400"),
        "tiny": Decimal("-0.000000000000000000000001"), "kept": Decimal("1.50"), "whole": 7,
        "nested": {"x": [Decimal("0.1"), Decimal("0.0025")]},
    }
    assert str(properties["kept"]) == "1.50" and isinstance(properties["huge"], Decimal)


def test_web_event_numbers_are_stored_exactly_too(send):
    body = (b'{"type":"web_vitals","site_id":"w","session_id":"s","vitals":{"lcp":1234.56789012345678901,'
            b'"cls":0.1},"screen":{"w":1920,"dpr":1.3333333333333333333}}')
    assert send(body).status_code == 202
    properties = stored_properties()
    assert properties["vitals"] == {"lcp": Decimal("1234.56789012345678901"), "cls": Decimal("0.1")}
    assert properties["screen"] == {"w": 1920, "dpr": Decimal("1.3333333333333333333")}


def test_stored_properties_are_json_the_database_can_read(send):
    send(b'{"type":"registration","player_id":"p","huge":1e400,"ref":123456789012345678901234567890}')
    if db.engine.dialect.name == "postgresql":
        value = db.session.scalar(text("SELECT properties -> 'huge' FROM events"))  # the json operator parses it
    else:
        value = db.session.scalar(text("SELECT json_extract(properties, '$.ref') FROM events"))
    assert value is not None


def test_user_properties_keep_their_numbers_too(send):
    body = (b'{"users":[{"identifiers":{"user_id":"u"},"user_properties":{"ltv":1234.567890123456789},'
            b'"events":[{"type":"registration"}]}]}')
    assert send(body).status_code == 202
    raw = db.session.scalar(select(func.cast(Player.user_properties, db.Text)))
    assert json.loads(raw, parse_float=Decimal) == {"ltv": Decimal("1234.567890123456789")}
