"""Helpers shared by the Flask-WTF forms of every domain."""
from __future__ import annotations


def optional_int(value) -> int | None:
    """'' and None mean "none picked"; anything that is not a whole number is no choice at all (-1)."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
