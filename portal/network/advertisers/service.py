"""Advertiser verbs: validate, change, audit, flush (views commit); the list and the choices an offer picks from."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from portal import validation
from portal.extensions import db
from portal.ids import parse_id
from portal.network.lifecycle import archive_audited, bulk_update, create_audited, restore_audited, update_audited
from portal.network.managers import check_manager
from portal.network.models import Advertiser
from portal.network.reach import Scope
from portal.paging import PER_PAGE, Sort, apply_sort, paginate, with_status
from portal.validation import Invalid

ADVERTISER_FIELDS = (
    "name", "active", "company_name", "first_name", "last_name", "email", "phone", "messenger", "address",
    "country", "website", "description", "manager_id", "default_currency",
)
ADVERTISER_SORTS = {
    "id": Advertiser.id,
    "name": func.lower(Advertiser.name),
    "company_name": func.lower(Advertiser.company_name),
    "country": Advertiser.country,
    "status": Advertiser.active,
    "created_at": Advertiser.created_at,
}


def _check_advertiser(values: dict, advertiser: Advertiser | None = None, reach: Scope | None = None) -> dict:
    errors: dict[str, str] = {}
    advertiser_id = advertiser.id if advertiser else None
    name = validation.text(errors, "name", values.get("name"), 200, required="Give the advertiser a name.")
    if name and "name" not in errors:
        taken = db.session.scalar(
            select(Advertiser.id).where(func.lower(Advertiser.name) == name.lower(), Advertiser.id != (advertiser_id or 0))
        )
        if taken is not None:
            errors["name"] = "Another advertiser has this name."
    cleaned = {
        "name": name,
        "active": validation.flag(values.get("active", True)),
        "company_name": validation.text(errors, "company_name", values.get("company_name"), 200),
        "first_name": validation.text(errors, "first_name", values.get("first_name"), 100),
        "last_name": validation.text(errors, "last_name", values.get("last_name"), 100),
        "email": validation.email(errors, "email", values.get("email")),
        "phone": validation.text(errors, "phone", values.get("phone"), 50),
        "messenger": validation.text(errors, "messenger", values.get("messenger"), 100),
        "address": validation.text(errors, "address", values.get("address"), 255),
        "country": validation.country(errors, "country", values.get("country")),
        "website": validation.url(errors, "website", values.get("website"), max_length=255),
        "description": validation.text(errors, "description", values.get("description"), 10_000),
        "manager_id": check_manager(errors, Advertiser, values.get("manager_id"), advertiser.manager_id if advertiser else None, reach),
        "default_currency": validation.currency(errors, "default_currency", values.get("default_currency") or "EUR"),
    }
    if errors:
        raise Invalid(errors)
    return cleaned


def create_advertiser(actor_id: int, values: dict, reach: Scope | None = None) -> Advertiser:
    """A new advertiser; `reach` is the creator's (see `check_manager`)."""
    advertiser = Advertiser(**_check_advertiser(values, reach=reach))
    create_audited(actor_id, advertiser, ADVERTISER_FIELDS)
    return advertiser


def update_advertiser(actor_id: int, advertiser: Advertiser, values: dict) -> dict:
    """Change the advertiser; returns the audited changes."""
    return update_audited(actor_id, advertiser, _check_advertiser(values, advertiser))


def archive_advertiser(actor_id: int, advertiser: Advertiser) -> bool:
    """Archive the advertiser and its offers (each offer is restored on its own later)."""
    if not archive_audited(actor_id, advertiser):
        return False
    for offer in advertiser.offers:
        archive_audited(actor_id, offer)
    return True


def restore_advertiser(actor_id: int, advertiser: Advertiser) -> bool:
    return restore_audited(actor_id, advertiser)


def bulk_update_advertisers(actor_id: int, ids, action: str, within=true()) -> int:
    return bulk_update(actor_id, Advertiser, ids, action, archive_advertiser, restore_advertiser, within)


def search_advertisers(
    query: str = "", status: str = "current", sort: Sort = Sort("name"), page: int = 1, manager_id: int | None = None,
    within=true(),
) -> Pagination:
    stmt = with_status(select(Advertiser).options(selectinload(Advertiser.manager)), Advertiser, status).where(within)
    if manager_id is not None:
        stmt = stmt.where(Advertiser.manager_id == manager_id)
    needle = query.strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(Advertiser.name).contains(needle, autoescape=True),
                func.lower(Advertiser.company_name).contains(needle, autoescape=True),
                func.lower(Advertiser.email).contains(needle, autoescape=True),
                Advertiser.id == (parse_id(needle) or -1),
            )
        )
    return paginate(apply_sort(stmt, sort, ADVERTISER_SORTS, Advertiser.id), page, PER_PAGE)


def advertiser_choices(include_id: int | None = None, within=true()) -> list[Advertiser]:
    """Advertisers an offer may belong to: not archived (plus the offer's own, so an edit shows it), `within` reach."""
    stmt = select(Advertiser).where(or_(Advertiser.archived_at.is_(None), Advertiser.id == (include_id or 0)), within)
    return list(db.session.scalars(stmt.order_by(func.lower(Advertiser.name), Advertiser.id)))
