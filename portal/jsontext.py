"""JSON text as Tracklane stores it: compact UTF-8 by orjson, every number exactly as it came.

A JSON number with a fraction is read as a Decimal (never a float) where exactness matters (event bodies);
writing it back as `str(Decimal)` keeps every digit, where a float would keep 17 and turn 1e400 into
a string."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

_INT64 = range(-(2**63), 2**64)  # what orjson writes as a number itself


def exact_number(value: Any) -> orjson.Fragment:
    """orjson's `default` for Decimals: the number's own digits, e.g. 12.345678901234567890123 or 1E+400."""
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError(f"{type(value).__name__} {value!r} is not a JSON number")


def compact_json(value: Any, default=exact_number) -> bytes:
    """`value` as compact UTF-8 JSON; Decimals (through `default`) and integers of any size exactly."""
    try:
        return orjson.dumps(value, default=default)
    except orjson.JSONEncodeError:
        # orjson stops at 64-bit integers and a JSON property may be larger: those go in as their digits.
        return orjson.dumps(_big_integers_as_digits(value), default=default)


def _big_integers_as_digits(value: Any) -> Any:
    if type(value) is int:
        return value if value in _INT64 else orjson.Fragment(str(value))
    if isinstance(value, dict):
        return {key: _big_integers_as_digits(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_big_integers_as_digits(item) for item in value]
    return value


def json_column_text(value: Any) -> str:
    """The database engine's serializer for JSON columns: Decimals kept exactly; whatever orjson refuses
    (keys that are not strings, lone surrogates) as the standard library, SQLAlchemy's default, writes it."""
    try:
        return compact_json(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value)
