"""Field rules every domain's verbs share: text, URLs, currencies, countries, emails, choices, amounts, flags.

Each rule takes what a form or an API sent (strings, or already typed values) and returns the value to
store, or records a message for the field in `errors`; a verb then raises `Invalid(errors)`."""
from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from portal.types import MONEY_QUANTUM, MONEY_SCALE

MAX_URL = 2048
MAX_AMOUNT = Decimal("1000000000")  # far above any commission, far below NUMERIC(18,4)
CURRENCY = re.compile(r"[A-Z]{3}")
COUNTRY = re.compile(r"[A-Z]{2}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Invalid(ValueError):
    """Values the rules refuse: `errors` maps each field at fault to its message ("" for the form)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def text(errors: dict, field: str, value, max_length: int, required: str = "") -> str:
    value = (value or "").strip()
    if not value and required:
        errors[field] = required
    elif len(value) > max_length:
        errors[field] = f"Keep it to {max_length} characters."
    return value


def url(errors: dict, field: str, value, required: str = "", max_length: int = MAX_URL) -> str:
    """An absolute http(s) URL, or "" when not required."""
    value = (value or "").strip()
    if not value:
        if required:
            errors[field] = required
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        errors[field] = "Enter a full http:// or https:// address."
    elif len(value) > max_length:
        errors[field] = f"Keep the address to {max_length} characters."
    return value


def currency(errors: dict, field: str, value) -> str:
    value = (value or "").strip()
    if not CURRENCY.fullmatch(value):
        errors[field] = "Enter a three-letter ISO 4217 code in capitals, e.g. EUR or USD."
    return value


def country(errors: dict, field: str, value) -> str:
    value = (value or "").strip().upper()
    if value and not COUNTRY.fullmatch(value):
        errors[field] = "Enter a two-letter ISO 3166 country code, e.g. GB or DE."
    return value


def email(errors: dict, field: str, value) -> str:
    value = (value or "").strip()
    if value and (len(value) > 254 or not EMAIL.fullmatch(value)):
        errors[field] = "Enter an email address such as name@example.com."
    return value


def choice(errors: dict, field: str, value, enum_cls: type[enum.Enum]):
    """An enum member from a member or its exact value (the seed's spelling, case and all)."""
    if isinstance(value, enum_cls):
        return value
    for member in enum_cls:
        if member.value == value:
            return member
    errors[field] = "Pick one of: " + ", ".join(member.value for member in enum_cls) + "."
    return None


def decimal(errors: dict, field: str, value, upper: Decimal = MAX_AMOUNT) -> Decimal | None:
    """A Decimal from 0 to `upper` with at most four decimal places; None when blank."""
    if isinstance(value, float):
        raise TypeError("amounts must be Decimals or strings, never floats")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = "Enter a number such as 12.50."
        return None
    if not number.is_finite():
        errors[field] = "Enter a number such as 12.50."
    elif number < 0:
        errors[field] = "It cannot be negative."
    elif number > upper:
        errors[field] = f"It cannot be more than {upper:,}."
    elif number.as_tuple().exponent < -MONEY_SCALE:
        errors[field] = f"Use at most {MONEY_SCALE} decimal places."
    else:
        return number.quantize(MONEY_QUANTUM)
    return None


def flag(value) -> bool:
    return bool(value) and value not in ("0", "false", "False", "off", "n")
