"""The audited lifecycle advertisers, offers and publishers share: create, update, archive, restore, and the
list pages' bulk actions. Each change is audited and flushed; views commit."""
from __future__ import annotations

from sqlalchemy import select, true

from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.ids import parse_ids
from portal.types import utcnow
from portal.validation import Invalid

BULK_ACTIONS = {"activate": "Set active", "pause": "Pause", "archive": "Archive", "restore": "Restore"}


def create_audited(actor_id: int, obj, fields) -> None:
    """Add `obj` and audit its `fields` as created."""
    db.session.add(obj)
    db.session.flush()
    record(actor_id, "create", obj, {name: (None, value) for name, value in snapshot(obj, fields).items()})


def update_audited(actor_id: int, obj, values: dict) -> dict:
    """Set `values` on a record that is not archived; audits and returns what changed."""
    if obj.archived_at is not None:
        raise Invalid({"": "This record is archived; restore it before you change it."})
    before = snapshot(obj, values)
    for name, value in values.items():
        setattr(obj, name, value)
    db.session.flush()
    changes = diff(before, snapshot(obj, values))
    if changes:
        record(actor_id, "update", obj, changes)
    return changes


def archive_audited(actor_id: int, obj) -> bool:
    """Archive `obj` (audited); False if it already was."""
    if obj.archived_at is not None:
        return False
    obj.archived_at = utcnow()
    db.session.flush()
    record(actor_id, "archive", obj, {"archived_at": (None, obj.archived_at)})
    return True


def restore_audited(actor_id: int, obj) -> bool:
    """Restore an archived `obj` (audited); False if it was not archived."""
    if obj.archived_at is None:
        return False
    before, obj.archived_at = obj.archived_at, None
    db.session.flush()
    record(actor_id, "restore", obj, {"archived_at": (before, None)})
    return True


def _set_active(actor_id: int, obj, active: bool) -> bool:
    if obj.archived_at is not None or obj.active == active:
        return False
    obj.active = active
    db.session.flush()
    record(actor_id, "update", obj, {"active": (not active, active)})
    return True


def bulk_update(actor_id: int, model, ids, action: str, archive, restore, within=true()) -> int:
    """Apply `action` to the selected rows `within` reach only; returns how many changed (archived rows keep their status)."""
    if action not in BULK_ACTIONS:
        raise Invalid({"action": "Pick what to do with the selected rows."})
    ids = parse_ids(ids)
    if not ids:
        raise Invalid({"ids": "Select at least one row."})
    changed = 0
    for obj in db.session.scalars(select(model).where(model.id.in_(ids), within).order_by(model.id)):
        if action == "archive":
            changed += archive(actor_id, obj)
        elif action == "restore":
            changed += restore(actor_id, obj)
        else:
            changed += _set_active(actor_id, obj, action == "activate")
    return changed
