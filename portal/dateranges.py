"""Named date ranges ("last 7 days", "this month" …) seen from a day in the viewer's time zone, and the
longest span a range may cover."""
from __future__ import annotations

from datetime import date, timedelta

DATE_RANGES = {
    "today": "Today",
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom",
}
MAX_DAYS = 731


def resolve_range(name: str, today: date) -> tuple[date, date]:
    """The inclusive (start, end) dates of a relative range, seen from `today` in the owner's zone; a
    ValueError for a name that is not one (including "custom", whose dates the caller holds)."""
    if name == "today":
        return today, today
    if name == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if name == "last_7_days":
        return today - timedelta(days=6), today
    if name == "last_30_days":
        return today - timedelta(days=29), today
    if name == "this_month":
        return today.replace(day=1), today
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"date range: unknown value {name!r}")
