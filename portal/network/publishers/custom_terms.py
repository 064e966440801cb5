"""A publisher's custom payouts and custom throttles: validate, change, audit, flush (views commit).

A custom payout replaces the offer's (or one offer event's) default plan for this publisher only; the
plans module (portal/network/plans.py) picks the most specific active one. A throttle sends the
given share of the publisher's conversions on an offer (optionally one event, optionally only traffic
with given sub IDs) to its status. `offers` is the SQL condition for the offers the acting staff user reaches
(portal.network.reach): terms on other offers are neither shown nor made."""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.orm import selectinload

from portal import validation
from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.network import rules
from portal.network.models import (
    CustomPayout,
    CustomThrottle,
    Offer,
    OfferEvent,
    Publisher,
    ThrottleStatus,
)
from portal.validation import Invalid

SUB_FIELDS = ("sub1", "sub2", "sub3", "sub4", "sub5")
PAYOUT_FIELDS = ("offer_id", "offer_event_id", "active", *rules.TERMS_FIELDS)
THROTTLE_FIELDS = ("offer_id", "offer_event_id", "percentage", "throttle_status", *SUB_FIELDS, "active")


def term_offers(offers=true()) -> list[Offer]:
    """Offers a custom term may name: not archived, with their events."""
    stmt = (
        select(Offer).where(Offer.archived_at.is_(None), offers).options(selectinload(Offer.events))
        .order_by(Offer.name, Offer.id)
    )
    return list(db.session.scalars(stmt))


def _terms_of(model, publisher_id: int, offers) -> list:
    stmt = select(model).where(model.publisher_id == publisher_id, model.offer_id.in_(select(Offer.id).where(offers)))
    return list(db.session.scalars(stmt.order_by(model.id)))


def custom_payouts_of(publisher_id: int, offers=true()) -> list[CustomPayout]:
    return _terms_of(CustomPayout, publisher_id, offers)


def custom_throttles_of(publisher_id: int, offers=true()) -> list[CustomThrottle]:
    return _terms_of(CustomThrottle, publisher_id, offers)


def term_labels(publisher_id: int, offers=true()) -> dict:
    """The publisher's custom payouts and throttles, with the offers and events they name (archived ones too)."""
    payouts, throttles = custom_payouts_of(publisher_id, offers), custom_throttles_of(publisher_id, offers)
    offer_ids = {row.offer_id for row in payouts + throttles}
    event_ids = {row.offer_event_id for row in payouts + throttles if row.offer_event_id}
    offers = db.session.scalars(select(Offer).where(Offer.id.in_(offer_ids))) if offer_ids else []
    events = db.session.scalars(select(OfferEvent).where(OfferEvent.id.in_(event_ids))) if event_ids else []
    return dict(payouts=payouts, throttles=throttles, offers_by_id={o.id: o for o in offers},
                events_by_id={e.id: e for e in events})


def _offer_and_event(
    errors: dict, values: dict, current: CustomPayout | CustomThrottle | None, offers
) -> tuple[int | None, int | None]:
    """The offer (in reach; not archived, unless it is the row's own) and an optional event of that offer."""
    offer_id, event_id = values.get("offer_id"), values.get("offer_event_id")
    offer = db.session.scalar(select(Offer).where(Offer.id == offer_id, offers)) if isinstance(offer_id, int) else None
    if offer is None or (offer.archived_at is not None and (current is None or current.offer_id != offer.id)):
        errors["offer_id"] = "Pick an offer that is not archived."
        return None, None
    if event_id is None:
        return offer.id, None
    event = db.session.get(OfferEvent, event_id) if isinstance(event_id, int) else None
    if event is None or event.offer_id != offer.id:
        errors["offer_event_id"] = "Pick one of this offer's events, or none for the whole offer."
        return offer.id, None
    return offer.id, event.id


def _writable(publisher: Publisher) -> None:
    if publisher.archived_at is not None:
        raise Invalid({"": "The publisher is archived; restore it before you change its terms."})


def _changed(actor_id: int, obj, cleaned: dict) -> dict:
    before = snapshot(obj, cleaned)
    for name, value in cleaned.items():
        setattr(obj, name, value)
    db.session.flush()
    changes = diff(before, snapshot(obj, cleaned))
    if changes:
        record(actor_id, "update", obj, changes)
    return changes


def _created(actor_id: int, obj, fields) -> None:
    db.session.add(obj)
    db.session.flush()
    record(actor_id, "create", obj, {name: (None, value) for name, value in snapshot(obj, fields).items()})


def _deleted(actor_id: int, obj, fields) -> None:
    record(actor_id, "delete", obj, {name: (value, None) for name, value in snapshot(obj, fields).items()})
    db.session.delete(obj)
    db.session.flush()


# ---------------------------------------------------------------- custom payouts


def _check_payout(publisher: Publisher, values: dict, payout: CustomPayout | None, offers) -> dict:
    errors: dict[str, str] = {}
    offer_id, event_id = _offer_and_event(errors, values, payout, offers)
    cleaned = {
        "offer_id": offer_id,
        "offer_event_id": event_id,
        "active": validation.flag(values.get("active", True)),
        **rules.payout_terms(errors, values),
    }
    if offer_id is not None and "offer_event_id" not in errors:
        # NULL never equals NULL in a unique constraint: the whole-offer duplicate is checked here.
        taken = db.session.scalar(
            select(CustomPayout.id).where(
                CustomPayout.publisher_id == publisher.id,
                CustomPayout.offer_id == offer_id,
                CustomPayout.offer_event_id.is_(None) if event_id is None else CustomPayout.offer_event_id == event_id,
                CustomPayout.id != (payout.id if payout else 0),
            )
        )
        if taken is not None:
            errors["offer_event_id"] = "This publisher already has a custom payout for this offer and event; edit that one."
    if errors:
        raise Invalid(errors)
    return cleaned


def add_custom_payout(actor_id: int, publisher: Publisher, values: dict, offers=true()) -> CustomPayout:
    _writable(publisher)
    payout = CustomPayout(publisher_id=publisher.id, **_check_payout(publisher, values, None, offers))
    _created(actor_id, payout, PAYOUT_FIELDS)
    return payout


def update_custom_payout(
    actor_id: int, publisher: Publisher, payout: CustomPayout, values: dict, offers=true()
) -> dict:
    _writable(publisher)
    return _changed(actor_id, payout, _check_payout(publisher, values, payout, offers))


def delete_custom_payout(actor_id: int, publisher: Publisher, payout: CustomPayout) -> None:
    """The publisher earns the default plan again; the audit log keeps what the custom terms were."""
    _writable(publisher)
    _deleted(actor_id, payout, PAYOUT_FIELDS)


# ---------------------------------------------------------------- custom throttles


def _percentage(errors: dict, value) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        errors["percentage"] = "Enter a whole number from 0 to 100."
        return None
    return int(text)


def _check_throttle(values: dict, throttle: CustomThrottle | None, offers) -> dict:
    errors: dict[str, str] = {}
    offer_id, event_id = _offer_and_event(errors, values, throttle, offers)
    cleaned = {
        "offer_id": offer_id,
        "offer_event_id": event_id,
        "percentage": _percentage(errors, values.get("percentage")),
        "throttle_status": validation.choice(errors, "throttle_status", values.get("throttle_status"), ThrottleStatus),
        "active": validation.flag(values.get("active", True)),
    }
    for name in SUB_FIELDS:
        # Blank means "any value"; stored as NULL so the matcher can tell it from an empty sub ID.
        cleaned[name] = validation.text(errors, name, values.get(name), 255) or None
    if errors:
        raise Invalid(errors)
    return cleaned


def add_custom_throttle(actor_id: int, publisher: Publisher, values: dict, offers=true()) -> CustomThrottle:
    _writable(publisher)
    throttle = CustomThrottle(publisher_id=publisher.id, **_check_throttle(values, None, offers))
    _created(actor_id, throttle, THROTTLE_FIELDS)
    return throttle


def update_custom_throttle(
    actor_id: int, publisher: Publisher, throttle: CustomThrottle, values: dict, offers=true()
) -> dict:
    _writable(publisher)
    return _changed(actor_id, throttle, _check_throttle(values, throttle, offers))


def delete_custom_throttle(actor_id: int, publisher: Publisher, throttle: CustomThrottle) -> None:
    _writable(publisher)
    _deleted(actor_id, throttle, THROTTLE_FIELDS)
