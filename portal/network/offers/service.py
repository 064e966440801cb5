"""Offer verbs: validate, change (settings and default payout plan), audit, flush (views commit); the list."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import contains_eager, selectinload

from portal import validation
from portal.extensions import db
from portal.ids import parse_id
from portal.network import rules
from portal.network.lifecycle import archive_audited, bulk_update, create_audited, restore_audited, update_audited
from portal.network.models import Advertiser, Offer, Visibility
from portal.paging import PER_PAGE, Sort, apply_sort, paginate, with_status
from portal.validation import Invalid

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
    return bulk_update(actor_id, Offer, ids, action, archive_offer, _restore_if_possible, within)


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
