"""Times are stored in UTC and shown in the viewer's time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask
from flask_login import current_user


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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
