from decimal import Decimal

import pytest

from portal.formatting import money_text, percent_text


@pytest.mark.parametrize(
    "value, text",
    [(Decimal("20.0000"), "20.00"), (Decimal("1234.5"), "1,234.50"), (Decimal("0.0925"), "0.0925"),
     (Decimal("-3.1000"), "-3.10"), (None, "")],
)
def test_money_keeps_every_real_decimal_and_at_least_two(value, text):
    assert money_text(value) == text


@pytest.mark.parametrize(
    "value, text",
    [(Decimal("10.0000"), "10"), (Decimal("7.5000"), "7.5"), (Decimal("0.1250"), "0.125"), (Decimal("100"), "100"), (None, "")],
)
def test_percent_drops_trailing_zeros(value, text):
    assert percent_text(value) == text
