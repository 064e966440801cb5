"""The offer page's in-place sections: offer events, landing pages and publisher access.

Every action answers HTMX with its section redrawn (errors inline, the edited row in place); a browser
without JS gets the whole offer page (errors) or a redirect back to it (success)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.htmx import page_or_partial, partial_wanted
from portal.network.blueprint import actor_id, bp
from portal.network.models import LandingPage, Offer, OfferAccess, OfferEvent
from portal.network.offers.access_requests import approve_access, grant_access, grantable_publishers, reject_access
from portal.network.offers.events import add_offer_event, set_offer_event_active, update_offer_event
from portal.network.offers.forms import GrantAccessForm, LandingPageForm, OfferEventForm
from portal.network.offers.landing_pages import (
    add_landing_page,
    archive_landing_page,
    restore_landing_page,
    set_landing_page_hidden,
    update_landing_page,
)
from portal.network.offers.service import load_offer
from portal.network.offers.views import offer_page_context
from portal.network.reach import (
    advertiser_pages,
    found_or_404,
    get_or_404,
    publishers_in_reach,
)
from portal.validation import Invalid

SECTIONS = {"events": "network/_offer_events.html", "pages": "network/_offer_pages.html", "access": "network/_offer_access.html"}


def _offer(offer_id: int) -> Offer:
    return found_or_404(load_offer(offer_id))


def _child(model, child_id: int, offer: Offer):
    child = get_or_404(model, child_id)
    if child.offer_id != offer.id:
        abort(404)
    return child


def _section(offer: Offer, section: str, status: int = 200, **state):
    context = offer_page_context(offer, section=section, **state)
    return page_or_partial("network/offer.html", SECTIONS[section], status, **context)


def _done(offer: Offer, section: str, message: str):
    db.session.commit()
    if partial_wanted():
        db.session.expire(offer)
        return _section(_offer(offer.id), section, section_message=message)
    flash(message, "success")
    return redirect(url_for("network_admin.offer", offer_id=offer.id, _anchor=section))


def _refused(offer: Offer, section: str, message: str):
    db.session.rollback()
    return _section(_offer(offer.id), section, 400, section_error=message)


def _act(offer: Offer, section: str, verb, message: str):
    """A one-button action (deactivate, hide, archive, approve …) on a row of a section."""
    try:
        verb()
    except Invalid as refused:
        return _refused(offer, section, " ".join(refused.errors.values()))
    return _done(offer, section, message)


@bp.get("/offers/<int:offer_id>/<any(events, pages, access):section>")
@advertiser_pages
def offer_section(offer_id: int, section: str):
    """One section as it stands (HTMX: "Cancel" of an in-place edit); without JS, the offer page."""
    offer = _offer(offer_id)
    if not partial_wanted():
        return redirect(url_for("network_admin.offer", offer_id=offer.id, _anchor=section))
    return _section(offer, section)


# ---------------------------------------------------------------- offer events


@bp.post("/offers/<int:offer_id>/events")
@advertiser_pages
def event_add(offer_id: int):
    offer = _offer(offer_id)
    form = OfferEventForm()
    if form.validate():
        try:
            event = add_offer_event(actor_id(), offer, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            return _done(offer, "events", f"Event “{event.name}” is added.")
    db.session.rollback()
    return _section(_offer(offer_id), "events", 400, event_form=form)


@bp.route("/offers/<int:offer_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@advertiser_pages
def event_edit(offer_id: int, event_id: int):
    offer = _offer(offer_id)
    event = _child(OfferEvent, event_id, offer)
    prefix = f"event-{event.id}"
    if request.method == "GET":
        form = OfferEventForm(obj=event, prefix=prefix, formdata=None)
        form.payout_type.data, form.revenue_type.data = event.payout_type.value, event.revenue_type.value
        return _section(offer, "events", editing_event=event, event_edit_form=form)
    form = OfferEventForm(prefix=prefix)
    if form.validate():
        try:
            update_offer_event(actor_id(), event, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            return _done(offer, "events", f"Event “{event.name}” is saved.")
    db.session.rollback()
    offer = _offer(offer_id)
    return _section(offer, "events", 400, editing_event=_child(OfferEvent, event_id, offer), event_edit_form=form)


@bp.post("/offers/<int:offer_id>/events/<int:event_id>/<any(activate, deactivate):change>")
@advertiser_pages
def event_active(offer_id: int, event_id: int, change: str):
    offer = _offer(offer_id)
    event = _child(OfferEvent, event_id, offer)
    active = change == "activate"
    return _act(offer, "events", lambda: set_offer_event_active(actor_id(), event, active),
                f"Event “{event.name}” is {'active' if active else 'deactivated'}.")


# ---------------------------------------------------------------- landing pages


@bp.post("/offers/<int:offer_id>/pages")
@advertiser_pages
def page_add(offer_id: int):
    offer = _offer(offer_id)
    form = LandingPageForm()
    if form.validate():
        try:
            page = add_landing_page(actor_id(), offer, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            return _done(offer, "pages", f"Landing page “{page.name}” is added.")
    db.session.rollback()
    return _section(_offer(offer_id), "pages", 400, page_form=form)


@bp.route("/offers/<int:offer_id>/pages/<int:page_id>/edit", methods=["GET", "POST"])
@advertiser_pages
def page_edit(offer_id: int, page_id: int):
    offer = _offer(offer_id)
    page = _child(LandingPage, page_id, offer)
    prefix = f"page-{page.id}"
    if request.method == "GET":
        return _section(offer, "pages", editing_page=page, page_edit_form=LandingPageForm(obj=page, prefix=prefix, formdata=None))
    form = LandingPageForm(prefix=prefix)
    if form.validate():
        try:
            update_landing_page(actor_id(), page, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            return _done(offer, "pages", f"Landing page “{page.name}” is saved.")
    db.session.rollback()
    offer = _offer(offer_id)
    return _section(offer, "pages", 400, editing_page=_child(LandingPage, page_id, offer), page_edit_form=form)


PAGE_CHANGES = {
    "hide": (lambda actor, page: set_landing_page_hidden(actor, page, True), "is hidden from publishers"),
    "show": (lambda actor, page: set_landing_page_hidden(actor, page, False), "is shown to publishers"),
    "archive": (archive_landing_page, "is archived"),
    "restore": (restore_landing_page, "is restored"),
}


@bp.post("/offers/<int:offer_id>/pages/<int:page_id>/<any(hide, show, archive, restore):change>")
@advertiser_pages
def page_change(offer_id: int, page_id: int, change: str):
    offer = _offer(offer_id)
    page = _child(LandingPage, page_id, offer)
    verb, outcome = PAGE_CHANGES[change]
    return _act(offer, "pages", lambda: verb(actor_id(), page), f"Landing page “{page.name}” {outcome}.")


# ---------------------------------------------------------------- publisher access


@bp.post("/offers/<int:offer_id>/access")
@advertiser_pages
def access_grant(offer_id: int):
    offer = _offer(offer_id)
    form = GrantAccessForm()
    if form.validate():
        try:
            access = grant_access(actor_id(), offer, form.publisher_id.data, publishers_in_reach(current_user))
        except Invalid as error:
            form.apply(error)
        else:
            return _done(offer, "access", f"{access.publisher.name} may promote this offer.")
    db.session.rollback()
    offer = _offer(offer_id)
    form.fill_choices(grantable_publishers(offer.id, publishers_in_reach(current_user)))
    return _section(offer, "access", 400, grant_form=form)


@bp.post("/offers/<int:offer_id>/access/<int:access_id>/<any(approve, reject):decision>")
@advertiser_pages
def access_decide(offer_id: int, access_id: int, decision: str):
    offer = _offer(offer_id)
    access = _child(OfferAccess, access_id, offer)
    verb = approve_access if decision == "approve" else reject_access
    outcome = "may promote this offer" if decision == "approve" else "may not promote this offer"
    return _act(offer, "access", lambda: verb(actor_id(), access), f"{access.publisher.name} {outcome}.")
