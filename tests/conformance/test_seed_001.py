"""Seed 001 (web analytics events) walked against POST /api/v1/events: the documented request bodies, each
event type of its table with its required fields, the answer's code and headers, and the documented error
that names every missing required field at once."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.accounts.service import create_api_key
from portal.events.models import Event
from portal.extensions import db
from tests.factories import AdvertiserFactory

URL = "/api/v1/events"
REQUIRED = {"type", "site_id", "session_id"}


@pytest.fixture
def post(client):
    _, secret = create_api_key("web events", AdvertiserFactory().id)
    db.session.commit()

    def send(body):
        return client.post(URL, json=body, headers={"X-API-Key": secret})

    return send


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def assert_json_headers(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Retry-After" not in response.headers
    return response.get_json()


def test_the_documented_pageview_is_accepted(post):
    body = {
        "type": "pageview",
        "site_id": "YOUR_SITE_ID",
        "session_id": "unique-session-id",
        "url": "https://example.com/pricing",
        "path": "/pricing",
        "hostname": "example.com",
        "title": "Pricing - Example",
        "referrer": "https://google.com",
        "timestamp": now(),
        "screen": {"width": 1920, "height": 1080, "viewport_width": 1440, "viewport_height": 900, "pixel_ratio": 2},
        "language": "en-US",
        "user_agent": "Mozilla/5.0...",
    }
    assert assert_json_headers(post(body), 202)["result"]["status"] == "accepted"
    assert stored() == 1


def test_the_documented_server_side_custom_event_is_accepted(post):
    body = {
        "type": "custom_event",
        "site_id": "YOUR_SITE_ID",
        "session_id": "server-1736937000000",
        "event_name": "api_signup",
        "properties": {"source": "api"},
        "timestamp": now(),
    }
    assert_json_headers(post(body), 202)


EXTRA = {
    "pageleave": {"duration": 5400},
    "custom_event": {"event_name": "signup", "properties": {"plan": "pro"}},
    "web_vitals": {"vitals": {"lcp": 1200, "fid": 8, "cls": 0.02, "fcp": 800, "ttfb": 90}},
    "error": {"error_name": "TypeError", "error_message": "x is undefined", "error_stack": "at f (app.js:1)"},
    "payment": {"provider": "stripe"},
    "identify": {"user_id": "u-42"},
}
TYPES = ["pageview", "pageleave", "custom_event", "web_vitals", "external_link", "error", "payment", "identify",
         "button_click", "form_submit", "copy"]


@pytest.mark.parametrize("event_type", TYPES)
def test_each_documented_event_type_is_accepted(post, event_type):
    body = {"type": event_type, "site_id": "w", "session_id": "s", "visitor_id": "v", **EXTRA.get(event_type, {})}
    assert_json_headers(post(body), 202)


def test_missing_required_fields_are_all_named(post):
    error = assert_json_headers(post({"url": "https://example.com/"}), 400)["error"]
    named = {part.split(":", 1)[0].strip() for part in error.split(";")}
    assert named == REQUIRED
    assert stored() == 0


@pytest.mark.parametrize("missing", [("site_id", "session_id"), ("type", "session_id"), ("type", "site_id")])
def test_any_two_missing_required_fields_are_both_named(post, missing):
    body = {"type": "pageview", "site_id": "w", "session_id": "s"}
    for name in missing:
        del body[name]
    error = assert_json_headers(post(body), 400)["error"]
    assert {part.split(":", 1)[0].strip() for part in error.split(";")} == set(missing)


def test_a_batch_names_each_events_missing_fields(post):
    response = post({"events": [{"type": "pageview", "site_id": "w", "session_id": "s"}, {"site_id": "w"}]})
    data = assert_json_headers(response, 202)
    assert data["summary"]["accepted"] == 1
    error = data["results"][1]["error"]
    assert "events[1].type: is required" in error and "events[1].session_id: is required" in error
