"""Offer-event verbs (registration, ftd, deposit … each with its own payout terms): validate, change, audit, flush."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import validation
from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.network import rules
from portal.network.models import Offer, OfferEvent
from portal.validation import Invalid

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
EVENT_FIELDS = (
    "code", "name", "description", "active", "allow_multiple_events", "manually_approve_events", *rules.TERMS_FIELDS,
)


def _check_event(offer: Offer, values: dict, event_id: int | None = None) -> dict:
    errors: dict[str, str] = {}
    code = (values.get("code") or "").strip().lower()
    if not code:
        errors["code"] = "Give the event a code, e.g. ftd; events the advertiser sends carry it."
    elif not CODE.fullmatch(code):
        errors["code"] = "Use up to 50 lower-case letters, digits, _ or -."
    elif db.session.scalar(
        select(OfferEvent.id).where(
            OfferEvent.offer_id == offer.id, func.lower(OfferEvent.code) == code, OfferEvent.id != (event_id or 0)
        )
    ) is not None:
        errors["code"] = "This offer already has an event with this code."
    cleaned = {
        "code": code,
        "name": validation.text(errors, "name", values.get("name"), 100, required="Give the event a name."),
        "description": validation.text(errors, "description", values.get("description"), 10_000),
        "active": validation.flag(values.get("active", True)),
        "allow_multiple_events": validation.flag(values.get("allow_multiple_events")),
        "manually_approve_events": validation.flag(values.get("manually_approve_events")),
        **rules.payout_terms(errors, values),
    }
    if errors:
        raise Invalid(errors)
    return cleaned


def _writable(offer: Offer) -> None:
    if offer.archived_at is not None:
        raise Invalid({"": "The offer is archived; restore it before you change its events."})


def add_offer_event(actor_id: int, offer: Offer, values: dict) -> OfferEvent:
    _writable(offer)
    event = OfferEvent(offer_id=offer.id, **_check_event(offer, values))
    db.session.add(event)
    db.session.flush()
    record(actor_id, "create", event, {name: (None, value) for name, value in snapshot(event, EVENT_FIELDS).items()})
    return event


def update_offer_event(actor_id: int, event: OfferEvent, values: dict) -> dict:
    _writable(event.offer)
    cleaned = _check_event(event.offer, values, event.id)
    before = snapshot(event, cleaned)
    for name, value in cleaned.items():
        setattr(event, name, value)
    db.session.flush()
    changes = diff(before, snapshot(event, cleaned))
    if changes:
        record(actor_id, "update", event, changes)
    return changes


def set_offer_event_active(actor_id: int, event: OfferEvent, active: bool) -> bool:
    """Deactivate (or reactivate) an event: an inactive event earns nothing new; its history stays."""
    _writable(event.offer)
    if event.active == active:
        return False
    event.active = active
    db.session.flush()
    record(actor_id, "activate" if active else "deactivate", event, {"active": (not active, active)})
    return True
