"""Times are stored in UTC and shown in the viewer's time zone."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask
from flask_login import current_user

from portal.types import utcnow

# The days a filter, report or cut-off may name: wider than any data here, and far enough from date.min and
# date.max that a day's bounds in every time zone (and the day after the last) can still be computed.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def check_day(day: date, name: str) -> date:
    """`day` when it lies within FIRST_DAY..LAST_DAY; else a ValueError whose message names `name`."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{name} must be a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.")
    return day


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(timezone: str) -> date:
    """Today's date in `timezone` (UTC for an unknown zone)."""
    return utcnow().astimezone(zone(timezone)).date()


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware UTC datetime in the signed-in user's zone (UTC for visitors)."""
    if value is None:
        return ""
    name = current_user.timezone if current_user and current_user.is_authenticated else "UTC"
    return value.astimezone(zone(name)).strftime(fmt)


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
