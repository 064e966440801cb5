"""How numbers read on a page: exact, never through float, without noise digits."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

_CENTS = Decimal("0.01")


def money_text(value) -> str:
    """An amount as people read it: two decimals, or every decimal it really has (never rounded)."""
    if value is None:
        return ""
    value = Decimal(value)
    cents = value.quantize(_CENTS)
    return f"{cents if cents == value else value.normalize():,}"


def percent_text(value) -> str:
    """A percentage without trailing zeros: 10.0000 → 10, 7.5000 → 7.5."""
    if value is None:
        return ""
    value = Decimal(value).normalize()
    return f"{value.quantize(Decimal(1)) if value == value.to_integral_value() else value:f}"


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(money_text, "amount")
    app.add_template_filter(percent_text, "percent")
