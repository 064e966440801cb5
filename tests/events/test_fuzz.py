"""Hypothesis-generated junk: whatever the body, the endpoint answers with a 4xx or 2xx, never a 500."""
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.events.models import Event
from portal.events.schemas import EVENT_TYPES, InvalidItem
from portal.events.service import canonical_json
from portal.extensions import db
from portal.network.models import PayoutType
from portal.types import utcnow
from tests.events.conftest import EVENTS_URL
from tests.factories import ClickFactory, OfferEventFactory, OfferFactory, TrackingLinkFactory

FIELDS = [
    "type", "player_id", "idempotency_key", "click_id", "amount", "currency", "timestamp", "period_start",
    "period_end", "name", "site_id", "session_id", "duration", "event_name", "vitals", "screen", "utm",
    "properties", "error_message", "user_id", "revenue", "events", "users", "identifiers", "user_properties",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(list(EVENT_TYPES) + ["EUR", "eur", "2025-01-15T10:30:00Z", "2025-01-15T10:30:00", "2025-01-31",
                                         "0190f3c2-7b1e-7c3a-9d4e-5f6a7b8c9d0e", "-0.00001", "1e400", "\u0000", "10.50"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=25,
)
EVENT = st.fixed_dictionaries(
    {"type": st.sampled_from(list(EVENT_TYPES))},
    optional={field: SCALARS for field in FIELDS if field not in ("type", "events", "users")},
)
BODIES = st.one_of(
    JSON,
    EVENT,
    st.builds(lambda events: {"events": events}, st.lists(st.one_of(EVENT, JSON), max_size=5)),
    st.builds(
        lambda users: {"users": users},
        st.lists(st.fixed_dictionaries({"identifiers": JSON, "events": st.lists(st.one_of(EVENT, JSON), max_size=3)},
                                       optional={"user_properties": JSON}), max_size=3),
    ),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def no_rate_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTS_RATE_LIMIT", "1000000 per minute")


@SETTINGS
@given(body=BODIES)
def test_generated_bodies_never_give_a_500(client, api_key, body):
    response = client.post(EVENTS_URL, data=json.dumps(body), headers={"X-API-Key": api_key}, content_type="application/json")
    assert response.status_code in (200, 202, 400, 409), response.get_data(as_text=True)
    assert response.get_json()["trace_id"]


@SETTINGS
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_raw_bytes_never_give_a_500(client, api_key, raw):
    response = client.post(EVENTS_URL, data=raw, headers={"X-API-Key": api_key}, content_type="application/json")
    assert response.status_code in (200, 202, 400, 409)
    assert response.get_json()["trace_id"]


CANONICAL = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=5)),
    max_leaves=20,
)


@given(CANONICAL)
def test_canonical_json_is_byte_for_byte_what_the_standard_library_writes(document):
    # Stored body hashes were made with json.dumps: a repeat sent after an upgrade must hash the same.
    assert canonical_json(document) == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


STORABLE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.decimals(allow_nan=True, allow_infinity=True), st.floats(), st.text(max_size=8),
              st.sampled_from(["\x00", "\ud800", "a\\u0000", "null", "{[", "é"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=30,
)


def _refusal(check, value):
    try:
        check(value, "p")
    except InvalidItem as exc:
        return str(exc)
    return None


def _nested(levels):
    value = "x"
    for _ in range(levels):
        value = [value]
    return {"deep": value}


@given(STORABLE)
@example(_nested(15))
@example(_nested(16))
@example(_nested(30))
def test_the_quick_storability_pass_refuses_exactly_what_the_walk_refuses(value):
    from portal.events import schemas

    assert _refusal(schemas.check_json, value) == _refusal(schemas._walk, value)


# Every type's required fields at once: the ones a type does not declare become its unknown keys.
EVERY_REQUIRED = {
    "player_id": "p", "amount": "5.50", "currency": "EUR", "period_start": "2026-01-01", "period_end": "2026-01-31",
    "name": "n", "site_id": "s", "session_id": "x", "duration": 3, "event_name": "e", "vitals": {"lcp": 1.25},
    "error_message": "m",
}
OPTIONAL = {
    "idempotency_key": st.text(min_size=1, max_size=5), "timestamp": st.just("2026-01-15T10:30:00+02:00"),
    "click_id": st.uuids().map(str), "screen": st.dictionaries(st.text(max_size=3), st.integers() | st.just(1.5), max_size=3),
    "utm": st.dictionaries(st.text(max_size=3), st.text(max_size=5), max_size=2), "properties": JSON,
    "title": st.text(max_size=10), "user_id": st.text(min_size=1, max_size=4),
}


@given(kind=st.sampled_from(list(EVENT_TYPES)), dropped=st.sets(st.sampled_from(list(EVERY_REQUIRED))),
       optional=st.fixed_dictionaries({}, optional=OPTIONAL),
       unknown=st.dictionaries(st.text(max_size=6).filter(lambda k: k not in FIELDS), JSON, max_size=4))
def test_properties_are_what_model_dump_makes_of_the_fields_without_columns(kind, dropped, optional, unknown):
    from portal.events.schemas import EventIn, validate_event
    from portal.events.service import _json_safe, _properties, parse_payload

    body = {**unknown, **{k: v for k, v in EVERY_REQUIRED.items() if k not in dropped}, **optional, "type": kind}
    try:
        event = validate_event(parse_payload(json.dumps(body).encode()))
    except InvalidItem:
        assume(False)
    expected = _json_safe(event.model_dump(exclude_unset=True, exclude=EventIn.COLUMNS))
    assert list(_properties(event).items()) == list(expected.items())


# Extreme times and amounts: never a 5xx, nothing stored beyond the bounds, and the rollups refresh after.

_AROUND_NOW = st.integers(min_value=-1_000_000, max_value=1_000_000).map(  # minutes: in and out of the window
    lambda minutes: (utcnow() + timedelta(minutes=minutes)).isoformat()
)
EXTREME_TIMES = st.one_of(
    st.none(),
    st.sampled_from([
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999+14:00", "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z", "2038-01-19T03:14:08Z", "3000-01-01T00:00:00Z", "1900-02-28T12:00:00+05:30",
    ]),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
    .map(datetime.isoformat),
    _AROUND_NOW,
)
_NUMBER_TEXT = st.one_of(  # an amount written as a JSON number or as a string, as advertisers send both
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["99999999999999.9999", "-99999999999999.9999", "9999999999.9999", "-9999999999.9999",
                     "10000000000", "-10000000000", "1e400", "-1e-400", "1E+13", "0.00001", "0.0001", "0", "-0",
                     "12.345678901234567890123", "0.1000000000"]),
)
EXTREME_AMOUNTS = st.one_of(
    st.none(),
    _NUMBER_TEXT,
    _NUMBER_TEXT.map(json.dumps),
    st.sampled_from(['"NaN"', '"Infinity"', '"-Infinity"', '"nan"', '"sNaN"', '"1e400"', '" 5 "', '""', "null"]),
)
MONEY_TYPES = ["deposit", "ftd", "revenue", "chargeback", "withdrawal", "payment", "registration"]


def _event_text(kind: str, timestamp: str | None, amount: str | None, click_id: str) -> str:
    fields = {"type": kind, "player_id": "fuzz-player", "click_id": click_id, "currency": "EUR"}
    if kind == "revenue":
        fields.update(period_start="2026-01-01", period_end="2026-01-31")
    if kind == "payment":
        fields.update(site_id="w", session_id="s")
    if timestamp is not None:
        fields["timestamp"] = timestamp
    text = json.dumps(fields)
    return text if amount is None else text[:-1] + f', "amount": {amount}}}'


@pytest.fixture
def priced_click(app, advertiser):
    """A click on an offer of the advertiser whose events all earn: CPA, CPS and RevShare, so that every
    accepted event goes through pricing and the carried balance."""
    offer = OfferFactory(advertiser=advertiser, currency="EUR", allow_duplicate_conversions=True)
    for code, terms in {
        "registration": {"payout": Decimal("2")},
        "ftd": {"payout": Decimal("50")},
        "deposit": {"payout_type": PayoutType.CPS, "payout_percent": Decimal("5")},
        "revenue": {"payout_type": PayoutType.REVSHARE, "payout_percent": Decimal("30")},
    }.items():
        OfferEventFactory(offer=offer, code=code, allow_multiple_events=True, **terms)
    made = ClickFactory(link=TrackingLinkFactory(offer=offer))
    db.session.commit()
    return made


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(items=st.lists(st.tuples(st.sampled_from(MONEY_TYPES), EXTREME_TIMES, EXTREME_AMOUNTS), min_size=1, max_size=4))
@example(items=[("registration", "9999-12-31T23:59:59Z", None)])
@example(items=[("deposit", None, "99999999999999.9999"), ("deposit", None, "99999999999999.9999")])
@example(items=[("revenue", None, '"-99999999999999.9999"'), ("revenue", None, "-99999999999999.9999")])
def test_extreme_times_and_amounts_never_give_a_500_and_rollups_still_refresh(client, api_key, priced_click, items):
    from portal.reports.models import ReportDirtyHour, ReportFailedHour
    from portal.reports.rollups import refresh_rollups

    click_id = str(priced_click.click_id)
    first = _event_text("registration", None, None, click_id)
    body = '{"events": [' + ", ".join([first, *(_event_text(*item, click_id) for item in items)]) + "]}"
    response = client.post(EVENTS_URL, data=body, headers={"X-API-Key": api_key}, content_type="application/json")
    assert response.status_code in (200, 202, 400, 409), response.get_data(as_text=True)
    now = utcnow()
    earliest, latest, lowest, highest = db.session.execute(select(
        func.min(Event.occurred_at), func.max(Event.occurred_at), func.min(Event.amount), func.max(Event.amount)
    )).one()
    assert now - timedelta(days=400, minutes=5) <= earliest and latest <= now + timedelta(minutes=15)
    assert lowest is None or -Decimal("10000000000") < lowest <= highest < Decimal("10000000000")
    refresh_rollups()
    assert db.session.scalar(select(func.count()).select_from(ReportFailedHour)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyHour)) == 0
