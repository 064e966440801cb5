"""The audit log: one function writes every admin change; the admin page reads it back."""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.paging import paginate
from portal.timezones import zone

ENTRIES_PER_PAGE = 50


def json_safe(value):
    """A value the JSON column stores without loss: Decimals as strings, enums by value, times in ISO 8601."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)


def snapshot(obj, fields) -> dict:
    """The values of `fields` on `obj`, to compare before and after a change."""
    return {name: getattr(obj, name) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{"field": (before, after)} for every field whose value changed (Decimal 5 equals 5.0000)."""
    return {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}


def record(actor_id: int | None, action: str, obj, changes: dict) -> AuditEntry:
    """Write one audit entry for `action` on `obj` (flushed, not committed); `changes` maps field to (before, after)."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        changes={name: [json_safe(before), json_safe(after)] for name, (before, after) in changes.items()},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def object_types() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))


def actors() -> list[User]:
    """The people who appear in the log, by email."""
    ids = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.email)))


def search_entries(
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    timezone: str = "UTC",
    page: int = 1,
    per_page: int = ENTRIES_PER_PAGE,
) -> Pagination:
    """A page of entries, newest first; the days are whole days in `timezone` (the viewer's)."""
    stmt = select(AuditEntry)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    tz = zone(timezone)
    if day_from is not None:
        stmt = stmt.where(AuditEntry.created_at >= datetime.combine(day_from, time.min, tz))
    if day_to is not None:
        stmt = stmt.where(AuditEntry.created_at < datetime.combine(day_to + timedelta(days=1), time.min, tz))
    stmt = stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return paginate(stmt, page, per_page)


def actor_names(entries) -> dict[int, str]:
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    if not ids:
        return {}
    return {user.id: user.email for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
