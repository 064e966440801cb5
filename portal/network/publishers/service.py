"""Publisher verbs: validate, change, audit, flush (views commit); the list.

A publisher's status decides whether its links send traffic: only an Active, non-archived publisher's
links are live. Links of a Pending or Suspended (or archived) publisher behave like links of a paused
offer (portal/tracking/targets.py): the visitor goes to the offer's fallback URL, or gets the 404 page,
and no click is recorded. Its users still sign in (each user has a status of its own) and see their
history; reactivating the publisher makes the same links work again."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from portal import validation
from portal.extensions import db
from portal.ids import parse_id, parse_ids
from portal.network.lifecycle import archive_audited, create_audited, restore_audited, update_audited
from portal.network.managers import check_manager
from portal.network.models import Publisher, PublisherStatus
from portal.network.reach import Scope
from portal.paging import PER_PAGE, Sort, apply_sort, paginate
from portal.timezones import is_valid_timezone
from portal.validation import Invalid

PUBLISHER_FIELDS = ("name", "email", "website", "country", "timezone", "postback_url", "status", "manager_id")
PUBLISHER_BULK_ACTIONS = {"activate": "Set active", "suspend": "Suspend", "archive": "Archive", "restore": "Restore"}
# Status filter value -> label; "current" (everything not archived) is the default.
PUBLISHER_STATUSES = {
    "current": "Not archived", "Active": "Active", "Pending": "Pending", "Suspended": "Suspended",
    "archived": "Archived", "all": "All",
}
PUBLISHER_SORTS = {
    "id": Publisher.id,
    "name": func.lower(Publisher.name),
    "email": func.lower(Publisher.email),
    "country": Publisher.country,
    "status": Publisher.status,
    "created_at": Publisher.created_at,
}


def _check_publisher(values: dict, publisher: Publisher | None = None, reach: Scope | None = None) -> dict:
    errors: dict[str, str] = {}
    publisher_id = publisher.id if publisher else None
    name = validation.text(errors, "name", values.get("name"), 200, required="Give the publisher a name.")
    if name and "name" not in errors:
        taken = db.session.scalar(
            select(Publisher.id).where(func.lower(Publisher.name) == name.lower(), Publisher.id != (publisher_id or 0))
        )
        if taken is not None:
            errors["name"] = "Another publisher has this name."
    timezone = (values.get("timezone") or "UTC").strip()
    if not is_valid_timezone(timezone):
        errors["timezone"] = "Pick a time zone such as Europe/Berlin or UTC."
    cleaned = {
        "name": name,
        "email": validation.email(errors, "email", values.get("email")),
        "website": validation.url(errors, "website", values.get("website"), max_length=255),
        "country": validation.country(errors, "country", values.get("country")),
        "timezone": timezone,
        "postback_url": validation.url(errors, "postback_url", values.get("postback_url")),
        "status": validation.choice(errors, "status", values.get("status") or PublisherStatus.ACTIVE, PublisherStatus),
        "manager_id": check_manager(errors, Publisher, values.get("manager_id"), publisher.manager_id if publisher else None, reach),
    }
    if errors:
        raise Invalid(errors)
    return cleaned


def create_publisher(actor_id: int, values: dict, reach: Scope | None = None) -> Publisher:
    """A new publisher; `reach` is the creator's (see `check_manager`)."""
    publisher = Publisher(**_check_publisher(values, reach=reach))
    create_audited(actor_id, publisher, PUBLISHER_FIELDS)
    return publisher


def update_publisher(actor_id: int, publisher: Publisher, values: dict) -> dict:
    """Change the profile and status; returns the audited changes."""
    return update_audited(actor_id, publisher, _check_publisher(values, publisher))


def archive_publisher(actor_id: int, publisher: Publisher) -> bool:
    """Archived publishers' links stop, as suspended ones' do; the rows and their history stay."""
    return archive_audited(actor_id, publisher)


def restore_publisher(actor_id: int, publisher: Publisher) -> bool:
    return restore_audited(actor_id, publisher)


def set_publisher_status(actor_id: int, publisher: Publisher, status: PublisherStatus) -> bool:
    if publisher.archived_at is not None or publisher.status == status:
        return False
    return bool(update_audited(actor_id, publisher, {"status": status}))


def bulk_update_publishers(actor_id: int, ids, action: str, within=true()) -> int:
    """Apply `action` to the selected publishers `within` reach; returns how many changed (archived ones keep their status)."""
    if action not in PUBLISHER_BULK_ACTIONS:
        raise Invalid({"action": "Pick what to do with the selected rows."})
    ids = parse_ids(ids)
    if not ids:
        raise Invalid({"ids": "Select at least one row."})
    changed = 0
    for publisher in db.session.scalars(select(Publisher).where(Publisher.id.in_(ids), within).order_by(Publisher.id)):
        if action == "archive":
            changed += archive_publisher(actor_id, publisher)
        elif action == "restore":
            changed += restore_publisher(actor_id, publisher)
        else:
            status = PublisherStatus.ACTIVE if action == "activate" else PublisherStatus.SUSPENDED
            changed += set_publisher_status(actor_id, publisher, status)
    return changed


def search_publishers(
    query: str = "", status: str = "current", sort: Sort = Sort("name"), page: int = 1, manager_id: int | None = None,
    within=true(),
) -> Pagination:
    stmt = select(Publisher).options(selectinload(Publisher.manager)).where(within)
    if manager_id is not None:
        stmt = stmt.where(Publisher.manager_id == manager_id)
    if status == "archived":
        stmt = stmt.where(Publisher.archived_at.is_not(None))
    elif status != "all":
        stmt = stmt.where(Publisher.archived_at.is_(None))
        member = next((s for s in PublisherStatus if s.value == status), None)
        if member is not None:
            stmt = stmt.where(Publisher.status == member)
    needle = query.strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(Publisher.name).contains(needle, autoescape=True),
                func.lower(Publisher.email).contains(needle, autoescape=True),
                Publisher.id == (parse_id(needle) or -1),
            )
        )
    return paginate(apply_sort(stmt, sort, PUBLISHER_SORTS, Publisher.id), page, PER_PAGE)


def publisher_choices() -> list[Publisher]:
    return list(db.session.scalars(select(Publisher).where(Publisher.archived_at.is_(None)).order_by(Publisher.name)))
