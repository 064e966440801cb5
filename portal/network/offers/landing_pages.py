"""Landing-page verbs: validate, change, hide, archive, audit, flush.

Seed 003's `active` is the archive state here (active = not archived), the one flag
portal.network.offers.access reads together with `hidden` (seed 003's hide_from_publishers)."""
from __future__ import annotations

from portal import validation
from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.network.models import LandingPage, Offer
from portal.types import utcnow
from portal.validation import Invalid

PAGE_FIELDS = ("name", "url", "preview_url", "hidden")


def _check_page(values: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = {
        "name": validation.text(errors, "name", values.get("name"), 200, required="Give the landing page a name."),
        "url": validation.url(errors, "url", values.get("url"), required="Enter the redirect URL."),
        "preview_url": validation.url(errors, "preview_url", values.get("preview_url")),
        "hidden": validation.flag(values.get("hidden")),
    }
    if errors:
        raise Invalid(errors)
    return cleaned


def _writable(offer: Offer, page: LandingPage | None = None) -> None:
    if offer.archived_at is not None:
        raise Invalid({"": "The offer is archived; restore it before you change its landing pages."})
    if page is not None and page.archived_at is not None:
        raise Invalid({"": "This landing page is archived; restore it before you change it."})


def add_landing_page(actor_id: int, offer: Offer, values: dict) -> LandingPage:
    _writable(offer)
    page = LandingPage(offer_id=offer.id, **_check_page(values))
    db.session.add(page)
    db.session.flush()
    record(actor_id, "create", page, {name: (None, value) for name, value in snapshot(page, PAGE_FIELDS).items()})
    return page


def update_landing_page(actor_id: int, page: LandingPage, values: dict) -> dict:
    _writable(page.offer, page)
    cleaned = _check_page(values)
    before = snapshot(page, cleaned)
    for name, value in cleaned.items():
        setattr(page, name, value)
    db.session.flush()
    changes = diff(before, snapshot(page, cleaned))
    if changes:
        record(actor_id, "update", page, changes)
    return changes


def set_landing_page_hidden(actor_id: int, page: LandingPage, hidden: bool) -> bool:
    """Hide the page from publishers' link builders (existing links keep sending traffic to it)."""
    _writable(page.offer, page)
    if page.hidden == hidden:
        return False
    page.hidden = hidden
    db.session.flush()
    record(actor_id, "hide" if hidden else "show", page, {"hidden": (not hidden, hidden)})
    return True


def archive_landing_page(actor_id: int, page: LandingPage) -> bool:
    _writable(page.offer)
    if page.archived_at is not None:
        return False
    page.archived_at = utcnow()
    db.session.flush()
    record(actor_id, "archive", page, {"archived_at": (None, page.archived_at)})
    return True


def restore_landing_page(actor_id: int, page: LandingPage) -> bool:
    _writable(page.offer)
    if page.archived_at is None:
        return False
    before, page.archived_at = page.archived_at, None
    db.session.flush()
    record(actor_id, "restore", page, {"archived_at": (before, None)})
    return True
