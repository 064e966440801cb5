"""Named date ranges, seen from a day in the owner's time zone."""
from __future__ import annotations

from datetime import date

import pytest

from portal.dateranges import resolve_range


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("today", (date(2026, 3, 1), date(2026, 3, 1))),
        ("yesterday", (date(2026, 2, 28), date(2026, 2, 28))),
        ("last_7_days", (date(2026, 2, 23), date(2026, 3, 1))),
        ("this_month", (date(2026, 3, 1), date(2026, 3, 1))),
        ("last_month", (date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_date_range_presets(name, expected):
    assert resolve_range(name, date(2026, 3, 1)) == expected


@pytest.mark.parametrize("name", ["custom", "fortnight"])
def test_a_name_that_is_no_relative_range_is_refused(name):
    with pytest.raises(ValueError, match=f"date range: unknown value '{name}'"):
        resolve_range(name, date(2026, 3, 1))
