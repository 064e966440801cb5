"""The shapes advertisers may send to POST /api/v1/events, validated with pydantic.

Player events (registration, ftd, deposit, …) and the web events of seed 001 (pageview, …) share one
base: an optional idempotency key, player id, click id, amount + currency and an aware timestamp.
Unknown keys are allowed and kept as the event's properties."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar
from uuid import UUID

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from portal.types import AMOUNT_LIMIT, MONEY_QUANTUM, MONEY_SCALE

MAX_STRING = 2048
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class InvalidItem(ValueError):
    """One event (or user) that cannot be accepted; the message names the field(s) at fault."""


def _amount(value: Any) -> Decimal:
    # The body is parsed with parse_float=Decimal: a JSON number never went through float.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError("must be a decimal number (a JSON number or a string such as \"10.50\")")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise ValueError("must be a decimal number such as 10.50") from None
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if abs(amount) >= AMOUNT_LIMIT:
        raise ValueError(f"must be less than {AMOUNT_LIMIT:,} in absolute value")
    exact = amount.quantize(MONEY_QUANTUM)
    if exact != amount:
        raise ValueError(f"has more than {MONEY_SCALE} decimal places")
    return exact


amount_value = _amount  # an amount as sent (a number or a decimal string), exact; ValueError says what is wrong


@dataclass(frozen=True)
class TimeWindow:
    """The event times accepted in a body received at one moment: late reports up to `max_age_days` old,
    senders' clocks up to `max_future_minutes` ahead. Refusing the rest keeps every stored time an hour the
    reports can roll up (year 9999 has no next hour)."""

    earliest: datetime
    latest: datetime
    max_age_days: int
    max_future_minutes: int

    @classmethod
    def around(cls, now: datetime, max_age_days: int, max_future_minutes: int) -> TimeWindow:
        return cls(now - timedelta(days=max_age_days), now + timedelta(minutes=max_future_minutes),
                   max_age_days, max_future_minutes)

    def refusal(self) -> str:
        return (f"must be at most {self.max_age_days} days before and {self.max_future_minutes} minutes after now "
                f"({self.earliest:%Y-%m-%dT%H:%M:%SZ} to {self.latest:%Y-%m-%dT%H:%M:%SZ})")


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 string such as 2025-01-15T10:30:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp such as 2025-01-15T10:30:00Z") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("needs a time zone (e.g. 2025-01-15T10:30:00Z or +02:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise ValueError("must be an ISO 4217 code of 3 capital letters, e.g. EUR")
    return value


def _uuid(value: Any) -> UUID:
    if not isinstance(value, str):
        raise ValueError("must be a UUID string")
    try:
        return UUID(value)
    except ValueError:
        raise ValueError("must be a UUID such as 0190f3c2-7b1e-7c3a-9d4e-5f6a7b8c9d0e") from None


def _number(value: Any) -> Decimal | int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError("must be a number")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _text(max_length: int, min_length: int = 0):
    """A string of bounded length (JSON numbers and booleans are not silently turned into strings)."""
    return Annotated[str, StringConstraints(strict=True, min_length=min_length, max_length=max_length)]


Text = _text(MAX_STRING)
Id = _text(255, 1)
Amount = Annotated[Decimal, BeforeValidator(_amount)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Day = Annotated[date, BeforeValidator(_date)]
Currency = Annotated[str, BeforeValidator(_currency)]
ClickId = Annotated[UUID, BeforeValidator(_uuid)]
Number = Annotated[Decimal | int, BeforeValidator(_number)]


class EventIn(BaseModel):
    """What every event may carry; subclasses add the fields their type requires."""

    model_config = ConfigDict(extra="allow")

    # Fields stored in Event's own columns; everything else goes to Event.properties.
    COLUMNS: ClassVar[frozenset[str]] = frozenset(
        {"type", "idempotency_key", "player_id", "click_id", "amount", "currency", "timestamp"}
    )
    PLAYER_REQUIRED: ClassVar[bool] = False
    AMOUNT_REQUIRED: ClassVar[bool] = False

    type: str
    idempotency_key: Id | None = None
    player_id: Id | None = None
    click_id: ClickId | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    timestamp: Timestamp | None = None

    @model_validator(mode="after")
    def _amount_rules(self):
        if self.AMOUNT_REQUIRED and self.amount is None:
            missing = "amount: required for this event type"
            raise ValueError(missing if self.currency else f"{missing}; currency: required with the amount")
        if self.amount is not None and self.currency is None:
            raise ValueError("currency: required when an amount is given")
        return self

    def player_key(self) -> str | None:
        """The advertiser's id for the player this event is about, if the event names one."""
        return self.player_id


# Player events ------------------------------------------------------------------------------------


class PlayerEvent(EventIn):
    PLAYER_REQUIRED: ClassVar[bool] = True


class MoneyMovement(PlayerEvent):
    AMOUNT_REQUIRED: ClassVar[bool] = True

    @model_validator(mode="after")
    def _positive(self):
        if self.amount is not None and self.amount <= 0:
            raise ValueError("amount: must be greater than zero")
        return self


class Registration(PlayerEvent):
    pass


class Revenue(PlayerEvent):
    """Net gaming revenue of one player over a period; may be negative."""

    AMOUNT_REQUIRED: ClassVar[bool] = True
    period_start: Day
    period_end: Day

    @model_validator(mode="after")
    def _period(self):
        if self.period_end < self.period_start:
            raise ValueError("period_end: must not be before period_start")
        return self


class CustomPlayerEvent(PlayerEvent):
    name: _text(100, 1)


# Web events (seed 001) ----------------------------------------------------------------------------


class WebEvent(EventIn):
    site_id: _text(255, 1)
    session_id: _text(255, 1)
    visitor_id: _text(255) | None = None
    user_id: _text(255, 1) | None = None
    url: Text | None = None
    path: Text | None = None
    hostname: _text(255) | None = None
    title: _text(1024) | None = None
    referrer: Text | None = None
    language: _text(35) | None = None
    user_agent: _text(512) | None = None
    screen: dict[str, Number] | None = None
    utm: dict[str, _text(255)] | None = None
    ad_click_ids: dict[str, _text(255)] | None = None
    properties: dict[str, Any] | None = None
    provider: _text(100) | None = None

    def player_key(self) -> str | None:
        return self.player_id or self.user_id


class Pageview(WebEvent):
    pass


class Pageleave(WebEvent):
    duration: Annotated[Number, Field(ge=0)]


class CustomWebEvent(WebEvent):
    event_name: _text(100, 1)


class WebVitals(WebEvent):
    vitals: dict[str, Number]


class ErrorEvent(WebEvent):
    error_name: _text(255) | None = None
    error_message: _text(MAX_STRING) | None = None
    error_stack: _text(2048) | None = None

    @model_validator(mode="after")
    def _something_went_wrong(self):
        if not (self.error_name or self.error_message):
            raise ValueError("error_message: error_name or error_message is required")
        return self


EVENT_TYPES: dict[str, type[EventIn]] = {
    "registration": Registration,
    "ftd": MoneyMovement,
    "deposit": MoneyMovement,
    "withdrawal": MoneyMovement,
    "revenue": Revenue,
    "chargeback": MoneyMovement,
    "custom": CustomPlayerEvent,
    "pageview": Pageview,
    "pageleave": Pageleave,
    "custom_event": CustomWebEvent,
    "web_vitals": WebVitals,
    "external_link": WebEvent,
    "error": ErrorEvent,
    "payment": WebEvent,
    "identify": WebEvent,
    "button_click": WebEvent,
    "form_submit": WebEvent,
    "copy": WebEvent,
}
PLAYER_TYPES = frozenset(t for t, model in EVENT_TYPES.items() if model.PLAYER_REQUIRED)


class Identifiers(BaseModel):
    """Who a user-batch entry is about (seed 004): at least one of the four identifiers."""

    model_config = ConfigDict(extra="allow")

    user_id: Id | None = None
    email: _text(254, 3) | None = None
    phone_number: _text(32, 1) | None = None
    anon_id: Id | None = None

    @model_validator(mode="after")
    def _at_least_one(self):
        if not (self.user_id or self.email or self.phone_number or self.anon_id):
            raise ValueError("at least one of user_id, email, phone_number or anon_id is required")
        if self.email is not None and "@" not in self.email:
            raise ValueError("email: must be an email address")
        return self


# Validation entry points ----------------------------------------------------------------------------

MAX_DEPTH = 16
MAX_PROPERTIES_BYTES = 32 * 1024


def check_json(value: Any, path: str) -> None:
    """Refuse what the database cannot store: NUL, lone surrogates, non-finite numbers, deep nesting."""
    if not _surely_storable(value):
        _walk(value, path)


def _surely_storable(value: Any) -> bool:
    """One pass of orjson's C code over `value`: True means none of `check_json`'s faults can be in it;
    False only means the exact walk, which names the field, must look. orjson refuses lone surrogates,
    and `_finite` non-finite decimals; a NaN float would come out as null, so null sends to the walk, as
    do NUL escapes and more brackets than the depth allows."""
    try:
        text = orjson.dumps(value, default=_finite)
    except TypeError:  # orjson.JSONEncodeError
        return False
    return b"\\u0000" not in text and b"null" not in text and text.count(b"{") + text.count(b"[") <= MAX_DEPTH


def _finite(value: Any) -> int:
    if isinstance(value, Decimal) and value.is_finite():
        return 0
    raise TypeError("not a finite number")


def _walk(value: Any, path: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise InvalidItem(f"{path}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidItem(f"{path}: must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidItem(f"{path}: is not valid Unicode") from None
    elif (isinstance(value, float) and not math.isfinite(value)) or (isinstance(value, Decimal) and not value.is_finite()):
        raise InvalidItem(f"{path}: must be a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, path, depth + 1)
            _walk(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _walk(item, f"{path}[{n}]", depth + 1)


# Our words for the errors of pydantic's own checks (the text fields' type and length), by error type.
_MESSAGES = {
    "missing": lambda ctx: "is required",
    "extra_forbidden": lambda ctx: "is not allowed",
    "string_type": lambda ctx: "must be a string",
    "string_too_short": lambda ctx: (
        "must not be empty" if ctx["min_length"] == 1 else f"must be at least {ctx['min_length']} characters"
    ),
    "string_too_long": lambda ctx: f"must be at most {ctx['max_length']} characters",
}


def _field_errors(exc: ValidationError, prefix: str) -> str:
    messages = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
        if not loc and ": " in message:  # model-level checks name their fields in the message, "; " between them
            messages += [_named(*part.partition(": ")[::2], prefix) for part in message.split("; ")]
            continue
        if error["type"] in _MESSAGES:
            message = _MESSAGES[error["type"]](error.get("ctx", {}))
        messages.append(_named(loc, message, prefix))
    return "; ".join(messages)


def _named(loc: str, message: str, prefix: str) -> str:
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    return f"{field}: {message}" if field else message


def validate_event(raw: Any, prefix: str = "", window: TimeWindow | None = None) -> EventIn:
    """One event as sent, validated by the model of its type (its time within `window`, when given);
    raises InvalidItem naming the field."""
    where = prefix or "body"
    if not isinstance(raw, dict):
        raise InvalidItem(f"{where}: must be a JSON object")
    check_json(raw, prefix)
    kind = raw.get("type")
    field = f"{prefix}.type" if prefix else "type"
    if kind is None:
        raise InvalidItem(_without_type(raw, field, prefix))
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise InvalidItem(f"{field}: unknown event type; expected one of {', '.join(EVENT_TYPES)}")
    model = EVENT_TYPES[kind]
    try:
        event = model.model_validate(raw)
    except ValidationError as exc:
        errors = _field_errors(exc, prefix)
        if model.PLAYER_REQUIRED and raw.get("player_id") is None:  # named with the rest, not on the next try
            errors += f"; {prefix + '.' if prefix else ''}player_id: is required for {kind} events"
        raise InvalidItem(errors) from None
    if model.PLAYER_REQUIRED and not event.player_key():
        raise InvalidItem(f"{prefix + '.' if prefix else ''}player_id: is required for {kind} events")
    if window is not None and event.timestamp is not None and not window.earliest <= event.timestamp <= window.latest:
        raise InvalidItem(f"{prefix + '.' if prefix else ''}timestamp: {window.refusal()}")
    return event


def _without_type(raw: dict, field: str, prefix: str) -> str:
    """The errors of a body with no type: that, and, unless it names a player (a player event), what a web
    event would also miss or get wrong, so a seed-001 sender learns every missing field at once."""
    message = f"{field}: is required"
    if "player_id" in raw:
        return message
    try:
        WebEvent.model_validate({**raw, "type": ""})
    except ValidationError as exc:
        return f"{message}; {_field_errors(exc, prefix)}"
    return message


def validate_identifiers(raw: Any, prefix: str) -> Identifiers:
    if not isinstance(raw, dict):
        raise InvalidItem(f"{prefix}: must be a JSON object")
    check_json(raw, prefix)
    try:
        return Identifiers.model_validate(raw)
    except ValidationError as exc:
        raise InvalidItem(_field_errors(exc, prefix)) from None


def validate_user_properties(raw: Any, prefix: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidItem(f"{prefix}: must be a JSON object")
    check_json(raw, prefix)
    return raw
