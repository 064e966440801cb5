"""Row ids as the database stores them: whole numbers up to the id columns' (PostgreSQL integer) maximum.

A number beyond that range names no row, so it is treated as "no such row" wherever an id comes in
(a route's `<int:…>`, a form's choice, an API argument) instead of reaching the database and failing there."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """`value` as an id, or None when it is not a whole number from 0 to MAX_ID."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None  # the length first: int() refuses strings of over 4300 digits
    number = int(text)
    return number if number <= MAX_ID else None


def parse_ids(values) -> set[int]:
    """The ids among `values` (a bulk selection); anything else is dropped."""
    return {number for number in map(parse_id, values) if number is not None}


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number beyond MAX_ID does not match, so the route answers 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
