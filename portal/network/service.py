"""Advertiser and offer verbs: validate, change, audit, flush. Views commit."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import contains_eager, selectinload

from portal import validation
from portal.accounts.models import STAFF_ROLES, User, UserStatus
from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.ids import parse_id, parse_ids
from portal.network import rules
from portal.network.models import Advertiser, Offer, Publisher, Visibility
from portal.network.reach import Scope
from portal.paging import PER_PAGE, Sort, apply_sort, paginate, with_status
from portal.types import utcnow
from portal.validation import Invalid

BULK_ACTIONS = {"activate": "Set active", "pause": "Pause", "archive": "Archive", "restore": "Restore"}

ADVERTISER_FIELDS = (
    "name", "active", "company_name", "first_name", "last_name", "email", "phone", "messenger", "address",
    "country", "website", "description", "manager_id", "default_currency",
)
OFFER_FLAGS = (
    "active", "manually_approve_conversions", "allow_duplicate_conversions", "block_on_reject",
    "terms_and_conditions_enabled", "deep_link_enabled", "enable_js_tracking", "offer_preview_enabled",
    "view_through_attribution_enabled", "targeting_simple_enabled", "impression_forwarding_enabled",
    "parallel_tracking_enabled",
)
OFFER_FIELDS = (
    "advertiser_id", "name", "description", "currency", "visibility", "destination_url", "fallback_url",
    "conversion_name", "terms_and_conditions", "restriction_note", "primary_domain", "targeting_group_id",
    "impression_forwarding_url", "parallel_tracking_url", *OFFER_FLAGS, *rules.TERMS_FIELDS,
)
ADVERTISER_SORTS = {
    "id": Advertiser.id,
    "name": func.lower(Advertiser.name),
    "company_name": func.lower(Advertiser.company_name),
    "country": Advertiser.country,
    "status": Advertiser.active,
    "created_at": Advertiser.created_at,
}
OFFER_SORTS = {
    "id": Offer.id,
    "name": func.lower(Offer.name),
    "advertiser": func.lower(Advertiser.name),
    "visibility": Offer.visibility,
    "payout": Offer.payout,
    "currency": Offer.currency,
    "status": Offer.active,
    "created_at": Offer.created_at,
}


# ---------------------------------------------------------------- shared lifecycle


def create_audited(actor_id: int, obj, fields) -> None:
    db.session.add(obj)
    db.session.flush()
    record(actor_id, "create", obj, {name: (None, value) for name, value in snapshot(obj, fields).items()})


def update_audited(actor_id: int, obj, values: dict) -> dict:
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
    if obj.archived_at is not None:
        return False
    obj.archived_at = utcnow()
    db.session.flush()
    record(actor_id, "archive", obj, {"archived_at": (None, obj.archived_at)})
    return True


def restore_audited(actor_id: int, obj) -> bool:
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


def _bulk(actor_id: int, model, ids, action: str, archive, restore, within=true()) -> int:
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


# ---------------------------------------------------------------- advertisers


# What a staff user needs to be picked as the manager of an advertiser or a publisher.
MANAGER_FLAGS = {Advertiser: User.is_advertiser_manager, Publisher: User.is_publisher_manager}


def account_managers(model: type, include_id: int | None = None) -> list[User]:
    """Who can manage an advertiser or publisher (`model`): the Active admins and account managers flagged as its
    kind of manager (plus the current manager, `include_id`, while still so, so an edit keeps a deactivated one)."""
    stmt = select(User).where(User.role.in_(STAFF_ROLES), MANAGER_FLAGS[model].is_(True),
                              or_(User.status == UserStatus.ACTIVE, User.id == (include_id or 0)))
    return list(db.session.scalars(stmt.order_by(func.lower(User.email), User.id)))


def check_manager(errors: dict, model: type, value, current: int | None = None, reach: Scope | None = None) -> int | None:
    """The manager_id of an advertiser or publisher (`model`): None, or one of `account_managers`. `reach` is the
    creator's, for a new record: one made under a Limited reach must be the creator's own, or it would vanish
    from their list the moment it is saved."""
    kind = "advertiser" if model is Advertiser else "publisher"
    if value is not None and value not in {user.id for user in account_managers(model, current)}:
        errors["manager_id"] = f"Pick an active admin or account manager who may manage {'an' if kind == 'advertiser' else 'a'} {kind} (Admin → Users)."
    elif reach is not None and not reach.allows(value):
        errors["manager_id"] = f"You see only the {kind}s you manage: keep yourself as this {kind}'s manager."
    return value


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
    return _bulk(actor_id, Advertiser, ids, action, archive_advertiser, restore_advertiser, within)


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


# ---------------------------------------------------------------- offers


def _check_offer(values: dict, offer: Offer | None = None, within=true()) -> dict:
    errors: dict[str, str] = {}
    advertiser_id = values.get("advertiser_id")
    reachable = isinstance(advertiser_id, int) and db.session.scalar(select(Advertiser.id).where(Advertiser.id == advertiser_id, within))
    advertiser = db.session.get(Advertiser, advertiser_id) if reachable else None
    current = offer.advertiser_id if offer is not None else None
    if advertiser is None or (advertiser.archived_at is not None and advertiser.id != current):
        errors["advertiser_id"] = "Pick an advertiser that is not archived."
    cleaned = {
        "advertiser_id": advertiser_id,
        "name": validation.text(errors, "name", values.get("name"), 200, required="Give the offer a name."),
        "description": validation.text(errors, "description", values.get("description"), 10_000),
        "currency": validation.currency(errors, "currency", values.get("currency")),
        "visibility": validation.choice(errors, "visibility", values.get("visibility"), Visibility),
        "destination_url": validation.url(
            errors, "destination_url", values.get("destination_url"), required="Enter where clicks go by default."
        ),
        "fallback_url": validation.url(errors, "fallback_url", values.get("fallback_url")),
        "conversion_name": validation.text(
            errors, "conversion_name", values.get("conversion_name") or "Conversion", 100
        ),
        "terms_and_conditions": validation.text(
            errors, "terms_and_conditions", values.get("terms_and_conditions"), 20_000
        ),
        "restriction_note": validation.text(errors, "restriction_note", values.get("restriction_note"), 10_000),
        "primary_domain": _domain(errors, values.get("primary_domain")),
        "targeting_group_id": validation.text(errors, "targeting_group_id", values.get("targeting_group_id"), 64),
        **{name: validation.flag(values.get(name, name == "active")) for name in OFFER_FLAGS},
        **rules.payout_terms(errors, values),
    }
    for enabled, field in (("impression_forwarding_enabled", "impression_forwarding_url"), ("parallel_tracking_enabled", "parallel_tracking_url")):
        required = "Enter the URL, or switch the option off." if cleaned[enabled] else ""
        cleaned[field] = validation.url(errors, field, values.get(field), required=required)
    if cleaned["terms_and_conditions_enabled"] and not cleaned["terms_and_conditions"] and "terms_and_conditions" not in errors:
        errors["terms_and_conditions"] = "Write the terms publishers must accept, or switch them off."
    if errors:
        raise Invalid(errors)
    return cleaned


def _domain(errors: dict, value) -> str:
    value = (value or "").strip().lower()
    labels = value.split(".")
    if value and (len(value) > 255 or len(labels) < 2 or not all(label and label.replace("-", "").isalnum() for label in labels)):
        errors["primary_domain"] = "Enter a host name such as track.example.com (no http://)."
    return value


def create_offer(actor_id: int, values: dict, within=true()) -> Offer:
    """A new offer of an advertiser `within` the actor's reach."""
    offer = Offer(**_check_offer(values, within=within))
    create_audited(actor_id, offer, OFFER_FIELDS)
    return offer


def update_offer(actor_id: int, offer: Offer, values: dict, within=true()) -> dict:
    """Change the offer's settings and default payout plan; returns the audited changes."""
    return update_audited(actor_id, offer, _check_offer(values, offer, within))


def archive_offer(actor_id: int, offer: Offer) -> bool:
    """Archived offers cannot be promoted: their links get the 404 page or the fallback URL."""
    return archive_audited(actor_id, offer)


def restore_offer(actor_id: int, offer: Offer) -> bool:
    if offer.archived_at is not None and offer.advertiser.archived_at is not None:
        raise Invalid({"": f"Restore the advertiser “{offer.advertiser.name}” first."})
    return restore_audited(actor_id, offer)


def bulk_update_offers(actor_id: int, ids, action: str, within=true()) -> int:
    return _bulk(actor_id, Offer, ids, action, archive_offer, _restore_if_possible, within)


def _restore_if_possible(actor_id: int, offer: Offer) -> bool:
    """In a bulk restore, offers of an archived advertiser stay archived instead of failing the batch."""
    return offer.advertiser.archived_at is None and restore_audited(actor_id, offer)


def search_offers(
    query: str = "",
    advertiser_id: int | None = None,
    visibility: Visibility | None = None,
    status: str = "current",
    sort: Sort = Sort("name"),
    page: int = 1,
    within=true(),
) -> Pagination:
    stmt = with_status(select(Offer).join(Offer.advertiser).options(contains_eager(Offer.advertiser)), Offer, status).where(within)
    needle = query.strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(Offer.name).contains(needle, autoescape=True),
                Offer.id == (parse_id(needle) or -1),
            )
        )
    if advertiser_id is not None:
        stmt = stmt.where(Offer.advertiser_id == advertiser_id)
    if visibility is not None:
        stmt = stmt.where(Offer.visibility == visibility)
    return paginate(apply_sort(stmt, sort, OFFER_SORTS, Offer.id), page, PER_PAGE)


def load_offer(offer_id: int) -> Offer | None:
    return db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .options(selectinload(Offer.events), selectinload(Offer.landing_pages), selectinload(Offer.advertiser))
    )
