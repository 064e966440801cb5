"""Ingest advertiser events: validate, attribute, store. Flushes, never commits (the view commits once).

Idempotency is enforced by the database: events go in with one INSERT … ON CONFLICT (advertiser_id,
idempotency_key) DO NOTHING, so a concurrent repeat of a key never aborts the transaction; a row that
did not go in lost to another event with that key, which is re-read and compared by body hash."""
from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import bindparam, select
from uuid_utils.compat import uuid7

from portal.events.attribution import attributable_clicks, attribute
from portal.events.models import AcceptedEvent, Event
from portal.events.players import (
    Identity,
    identity_key,
    merge_user_properties,
    players_for,
)
from portal.events.schemas import (
    EVENT_TYPES,
    MAX_PROPERTIES_BYTES,
    PLAYER_TYPES,
    EventIn,
    InvalidItem,
    TimeWindow,
    amount_value,
    validate_event,
    validate_identifiers,
    validate_user_properties,
)
from portal.extensions import db
from portal.jsontext import compact_json
from portal.signals import events_accepted, hours_touched
from portal.sql import any_of_param, dialect_name, insert_rows, run
from portal.types import utcnow

MAX_BATCH_EVENTS = 100
MAX_USERS = 1000
MAX_USER_BATCH_EVENTS = 10_000
_CHUNK = 1000

ACCEPTED, DUPLICATE, ERROR = "accepted", "duplicate", "error"


class BadPayload(ValueError):
    """The body as a whole cannot be read (not JSON, or not one of the three shapes): a 400."""


@dataclass
class ItemResult:
    index: int
    status: str = ACCEPTED
    event_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    error: str | None = None
    conflict: bool = False  # the key was used for a different event (409 for a single event)
    user_index: int | None = None
    withheld: bool = False  # valid, but not stored: another event of its user was refused


@dataclass
class IngestResult:
    single: bool
    items: list[ItemResult]
    users: int = 0  # how many users a user-batch body sent (0 for the other forms)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "total": len(self.items),
            "accepted": self.count(ACCEPTED),
            "duplicates": self.count(DUPLICATE),
            "errors": self.count(ERROR),
        }


@dataclass
class _Pending:
    result: ItemResult
    event: EventIn
    body_hash: str
    identity: Identity | None
    properties: dict = field(default_factory=dict)  # the event's, JSON-ready
    user_properties: dict = field(default_factory=dict)
    first: _Pending | None = None  # an earlier item of this body with the same idempotency key


def _reject_constant(name: str):
    raise BadPayload(f"body: {name} is not a number JSON allows")


def parse_payload(body: bytes) -> Any:
    """The JSON body with every number with a fraction read as an exact Decimal (never a float)."""
    if not body.strip():
        raise BadPayload("body: expected a JSON object")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except BadPayload:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, ints over 4300 digits, deep nesting
        raise BadPayload(f"body: not valid JSON ({str(exc)[:120]})") from None


def ingest(advertiser_id: int, payload: Any) -> IngestResult:
    """Validate, attribute and store the events of one request body for one advertiser, and announce those
    stored (`events_accepted`: their conversions are written in the same transaction).

    May store the clicks waiting in the Redis click buffer, in the same transaction, to find a click it
    does not know yet."""
    received_at = utcnow()  # one moment for the whole body
    single, pending, items = _unpack(payload, _time_window(received_at))
    live = _settle_known_keys(advertiser_id, pending)
    clicks = attributable_clicks(advertiser_id, {p.event.click_id for p in live if p.event.click_id})
    needed = [p for p in live if p.identity] + [p for p in pending if p.user_properties]  # not repeats or conflicts
    first_clicks = {}  # a new player starts attributed to the click of its first event that has one
    for p in live:
        if p.identity and p.event.click_id in clicks:
            first_clicks.setdefault(p.identity.key, clicks[p.event.click_id])
    needed += [p for p in pending if p.identity and p.identity.profile]
    merging = {p.identity.key for p in pending if p.user_properties or (p.identity and p.identity.profile)}
    players = players_for(advertiser_id, {p.identity.key: p.identity for p in needed}, first_clicks, merging)
    for p in pending:  # a user's profile merges even when its events are repeats or invalid
        if p.user_properties:
            merge_user_properties(players[p.identity.key], p.user_properties)
    rows, sources = [], []
    for p in live:
        player = players.get(p.identity.key) if p.identity else None
        source = attribute(player, clicks.get(p.event.click_id))
        rows.append(_event_row(advertiser_id, p, player.id if player else None, source, received_at))
        sources.append(source)
    _insert_events(advertiser_id, live, rows)
    hours_touched.send(times=[row["occurred_at"] for row in rows])
    # Only events inserted now are announced: a repeat or a key lost to a concurrent request earned already.
    events_accepted.send(advertiser_id=advertiser_id, events=[
        _accepted_event(row, source) for p, row, source in zip(live, rows, sources, strict=True)
        if p.result.status == ACCEPTED
    ])
    for p in pending:
        if p.first is not None:
            _follow_first(p)
    db.session.flush()
    return IngestResult(single, items, len(payload["users"]) if "users" in payload else 0)


def _time_window(now: datetime) -> TimeWindow:
    config = current_app.config
    return TimeWindow.around(now, config["EVENTS_MAX_AGE_DAYS"], config["EVENTS_MAX_FUTURE_MINUTES"])


# Shapes ---------------------------------------------------------------------------------------------


def _unpack(payload: Any, window: TimeWindow) -> tuple[bool, list[_Pending], list[ItemResult]]:
    if not isinstance(payload, dict):
        raise BadPayload('body: must be a JSON object: one event, {"events": [...]} or {"users": [...]}')
    if "events" in payload and "users" in payload:
        raise BadPayload('body: send either "events" or "users", not both')
    pending: list[_Pending] = []
    items: list[ItemResult] = []
    if "users" in payload:
        _unpack_users(payload["users"], window, pending, items)
        return False, pending, items
    if "events" in payload:
        events = payload["events"]
        if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH_EVENTS:
            raise BadPayload(f"events: must be a list of 1 to {MAX_BATCH_EVENTS} events")
        for n, raw in enumerate(events):
            _add_item(ItemResult(n), raw, f"events[{n}]", window, None, {}, pending, items)
        return False, pending, items
    _add_item(ItemResult(0), payload, "", window, None, {}, pending, items)
    return True, pending, items


def _unpack_users(users: Any, window: TimeWindow, pending: list[_Pending], items: list[ItemResult]) -> None:
    """Seed 004's user batch. A user is all or nothing: when one of its events (or its identifiers) is refused,
    none of its events is stored and its profile does not merge, so the sender can fix and resend that user
    whole without storing its other events twice."""
    if not isinstance(users, list) or not 1 <= len(users) <= MAX_USERS:
        raise BadPayload(f"users: must be a list of 1 to {MAX_USERS} users")
    total = sum(len(u["events"]) for u in users if isinstance(u, dict) and isinstance(u.get("events"), list))
    if total > MAX_USER_BATCH_EVENTS:
        raise BadPayload(f"users: at most {MAX_USER_BATCH_EVENTS} events in one request")
    for u, user in enumerate(users):
        prefix = f"users[{u}]"
        events = user.get("events") if isinstance(user, dict) else None
        try:
            if not isinstance(user, dict):
                raise InvalidItem(f"{prefix}: must be a JSON object")
            if not isinstance(events, list) or not events:
                raise InvalidItem(f"{prefix}.events: must be a list of at least one event")
            ids = validate_identifiers(user.get("identifiers"), f"{prefix}.identifiers")
            profile = _json_safe(ids.model_extra or {})
            _check_size(profile, f"{prefix}.identifiers")
            properties = _json_safe(validate_user_properties(user.get("user_properties"), f"{prefix}.user_properties"))
            _check_size(properties, f"{prefix}.user_properties")
        except InvalidItem as exc:
            for _ in events if isinstance(events, list) and events else [None]:
                items.append(ItemResult(len(items), ERROR, error=str(exc), user_index=u))
            continue
        identity = Identity(
            identity_key(ids.user_id, ids.email, ids.phone_number, ids.anon_id), ids.email, ids.phone_number, ids.anon_id,
            profile,
        )
        mine: list[_Pending] = []
        first = len(items)
        for n, raw in enumerate(events):
            result = ItemResult(len(items), user_index=u)
            _add_item(result, raw, f"{prefix}.events[{n}]", window, identity, properties, mine, items)
            properties = {}  # merged once per user
        if all(result.status != ERROR for result in items[first:]):
            pending.extend(mine)
            continue
        for result in items[first:]:
            if result.status != ERROR:
                result.status, result.idempotency_key, result.withheld = ERROR, None, True
                result.error = f"{prefix}: not stored, another event of this user was refused"


def _seed_004_event(raw: Any, identity: Identity, prefix: str) -> Any:
    """A user-batch event names its player through the user's identifiers and its type `event_name`
    (seed 004): a player event type, or else a custom event of that name. Its `revenue` is the event's
    amount (see `_seed_004_revenue`); `revenue` and `event_value` must be numbers."""
    if not isinstance(raw, dict):
        return raw
    raw = dict(raw)
    if "type" not in raw:
        name = raw.pop("event_name", None)
        if name is None:
            raise InvalidItem(f"{prefix}.event_name: is required")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise InvalidItem(f"{prefix}.event_name: must be a string of 1 to 100 characters")
        raw["type"] = name if name in PLAYER_TYPES else "custom"
        if raw["type"] == "custom":
            raw.setdefault("name", name)
    if "event_value" in raw:
        _seed_004_number(raw["event_value"], f"{prefix}.event_value")
    if "revenue" in raw:
        _seed_004_revenue(raw, prefix)
    if raw.get("player_id") is None:
        raw["player_id"] = identity.key
    elif raw["player_id"] != identity.key:
        raise InvalidItem(f"{prefix}.player_id: differs from the user's identifiers")
    return raw


def _seed_004_number(value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        raise InvalidItem(f"{field}: must be a number")


def _seed_004_revenue(raw: dict, prefix: str) -> None:
    """`revenue` becomes the event's `amount` (its `currency` stays `currency`) when the event has no amount
    and either its type needs one (ftd, deposit, …) or a currency is given; otherwise it is kept as a
    property. Either way it must be a number."""
    _seed_004_number(raw["revenue"], f"{prefix}.revenue")
    model = EVENT_TYPES.get(raw.get("type"))
    if "amount" in raw or model is None or not (model.AMOUNT_REQUIRED or "currency" in raw):
        return
    if model.AMOUNT_REQUIRED and "currency" not in raw:
        raise InvalidItem(f"{prefix}.currency: required with revenue (an ISO 4217 code such as EUR)")
    try:
        raw["amount"] = amount_value(raw.pop("revenue"))
    except ValueError as exc:
        raise InvalidItem(f"{prefix}.revenue: {exc}") from None


def _add_item(
    result: ItemResult,
    raw: Any,
    prefix: str,
    window: TimeWindow,
    identity: Identity | None,
    user_properties: dict,
    pending: list[_Pending],
    items: list[ItemResult],
) -> None:
    """Validate one event; a valid one joins `pending`, an invalid one is answered with its error."""
    items.append(result)
    try:
        if identity is not None:
            raw = _seed_004_event(raw, identity, prefix)
        event = validate_event(raw, prefix, window)
        properties = _properties(event)
        _check_size(properties, f"{prefix}.properties" if prefix else "properties")
    except InvalidItem as exc:
        result.status, result.error = ERROR, str(exc)
        if user_properties:  # the user itself is valid: its profile still merges
            pending.append(_Pending(result, None, "", identity, {}, user_properties))
        return
    result.idempotency_key = event.idempotency_key
    if identity is None and event.player_key():
        identity = Identity(event.player_key())
    pending.append(_Pending(result, event, _body_hash(event), identity, properties, user_properties))


def _check_size(value: dict, where: str) -> None:
    """`value` is JSON-ready (from `_json_safe`): its size is that of its compact UTF-8 JSON."""
    if len(compact_json(value)) > MAX_PROPERTIES_BYTES:
        raise InvalidItem(f"{where}: larger than {MAX_PROPERTIES_BYTES // 1024} KB")


# Idempotency ----------------------------------------------------------------------------------------


def _body_hash(event: EventIn) -> str:
    """SHA-256 of the event's canonical JSON: a true repeat hashes the same, another body does not."""
    return hashlib.sha256(canonical_json(event.model_dump(mode="json", exclude_unset=True))).hexdigest()


def canonical_json(document: Any) -> bytes:
    """`document` as `json.dumps(sort_keys=True, separators=(",", ":"))` writes it (ASCII, keys sorted),
    so stored body hashes keep matching. orjson writes the same bytes in a fraction of the time whenever
    its output is ASCII without DEL; otherwise (non-ASCII text, DEL, integers over 64 bits) the standard
    library writes it."""
    try:
        canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        if canonical.isascii() and b"\x7f" not in canonical:
            return canonical
    except TypeError:  # orjson.JSONEncodeError: an integer over 64 bits
        pass
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _conflict_message(key: str) -> str:
    return f"idempotency_key {key!r} was used for a different event"


def _settle(result: ItemResult, body_hash: str, winner_id: uuid.UUID, winner_hash: str) -> None:
    if winner_hash == body_hash:
        result.status, result.event_id = DUPLICATE, winner_id
    else:
        result.status, result.conflict = ERROR, True
        result.error = _conflict_message(result.idempotency_key)


def _stored_keys(advertiser_id: int, keys: list[str]) -> dict[str, tuple[uuid.UUID, str]]:
    stored = {}
    stmt = _stored_keys_statement(dialect_name())
    for start in range(0, len(keys), _CHUNK):
        rows = run(stmt, {"advertiser_id": advertiser_id, "keys": keys[start : start + _CHUNK]})
        stored.update({key: (event_id, body_hash) for key, event_id, body_hash in rows})
    return stored


@functools.cache
def _stored_keys_statement(dialect: str):
    table = Event.__table__
    return select(table.c.idempotency_key, table.c.id, table.c.body_hash).where(
        table.c.advertiser_id == bindparam("advertiser_id"), any_of_param(table.c.idempotency_key, "keys", dialect)
    )


def _settle_known_keys(advertiser_id: int, pending: list[_Pending]) -> list[_Pending]:
    """Answer repeats of keys already stored or already seen in this body; return the items to insert."""
    with_event = [p for p in pending if p.event is not None]
    stored = _stored_keys(advertiser_id, sorted({p.event.idempotency_key for p in with_event if p.event.idempotency_key}))
    live, firsts = [], {}
    for p in with_event:
        key = p.event.idempotency_key
        if key in stored:
            _settle(p.result, p.body_hash, *stored[key])
        elif key and key in firsts:
            p.first = firsts[key]
        else:
            if key:
                firsts[key] = p
            p.result.event_id = uuid7()  # a plain uuid.UUID: orjson writes it in the rows and the answer
            live.append(p)
    return live


def _follow_first(p: _Pending) -> None:
    """An item repeating a key seen earlier in the same body answers as that first item did."""
    first = p.first.result
    if first.status == ERROR:  # the first lost to an earlier, different event: so does this one
        p.result.status, p.result.conflict, p.result.error = ERROR, first.conflict, first.error
    elif p.body_hash == p.first.body_hash:
        p.result.status, p.result.event_id = DUPLICATE, first.event_id
    else:
        p.result.status, p.result.conflict = ERROR, True
        p.result.error = _conflict_message(p.result.idempotency_key)


def _insert_events(advertiser_id: int, live: list[_Pending], rows: list[dict]) -> None:
    if not rows:
        return
    # Keys in sorted order: two concurrent batches sharing keys wait on each other, never deadlock.
    rows = sorted(rows, key=lambda row: (row["idempotency_key"] is None, row["idempotency_key"] or ""))
    table = Event.__table__
    inserted = {event_id for event_id, in insert_rows(table, rows, ["advertiser_id", "idempotency_key"], [table.c.id])}
    lost = [p for p in live if p.result.event_id not in inserted]
    if not lost:
        return
    # A concurrent request stored these keys between our look-up and our insert: it won.
    winners = _stored_keys(advertiser_id, sorted({p.event.idempotency_key for p in lost}))
    for p in lost:
        _settle(p.result, p.body_hash, *winners[p.event.idempotency_key])


# Rows -----------------------------------------------------------------------------------------------


def _properties(event: EventIn) -> dict:
    """The fields the event set that have no column of their own, then its unknown keys: what
    `model_dump(exclude_unset=True, exclude=EventIn.COLUMNS)` gives, in its order, without its cost."""
    given = event.model_fields_set
    found = {name: getattr(event, name) for name in _property_fields(type(event)) if name in given}
    if event.model_extra:
        found.update(event.model_extra)
    return _json_safe(found)


@functools.cache
def _property_fields(model: type[EventIn]) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name not in EventIn.COLUMNS)


def _event_row(advertiser_id: int, p: _Pending, player_id: int | None, source, received_at: datetime) -> dict:
    """The events row of `p`; an event without a timestamp happened when its body was received."""
    event = p.event
    return {
        "id": p.result.event_id,
        "advertiser_id": advertiser_id,
        "idempotency_key": event.idempotency_key,
        "body_hash": p.body_hash,
        "type": event.type,
        "player_id": player_id,
        "click_id": event.click_id,
        "publisher_id": source.publisher_id if source else None,
        "offer_id": source.offer_id if source else None,
        "link_id": source.link_id if source else None,
        "amount": event.amount,
        "currency": event.currency,
        "occurred_at": event.timestamp or received_at,
        "received_at": received_at,
        "properties": p.properties,
    }


def _accepted_event(row: dict, source) -> AcceptedEvent:
    return AcceptedEvent(
        event_id=row["id"], type=row["type"], properties=row["properties"], player_id=row["player_id"],
        click_id=source.click_id if source else None, link_id=row["link_id"], publisher_id=row["publisher_id"],
        offer_id=row["offer_id"], amount=row["amount"], currency=row["currency"], occurred_at=row["occurred_at"],
    )


def _json_safe(value: Any) -> Any:
    """Properties as the JSON column holds them. Numbers stay as sent: a number with a fraction or an
    exponent is a Decimal (`parse_payload`), written back digit for digit (`portal.jsontext`)."""
    if type(value) in _PLAIN:  # most values: nothing to convert
        return value
    if isinstance(value, dict):
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _PLAIN else _json_safe(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_PLAIN = frozenset({str, int, bool, float, Decimal, type(None)})
