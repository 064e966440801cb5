"""Admin → Offers: list with bulk actions, create, edit (settings and default payout plan), archive / restore,
and the offer page that holds its events, landing pages and publisher access."""
from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.ids import parse_id
from portal.network.advertisers.service import advertiser_choices
from portal.network.blueprint import actor_id, apply_bulk, archive_or_restore, bp, list_state
from portal.network.forms import BulkForm
from portal.network.models import Offer, OfferAccess
from portal.network.offers.access_requests import grantable_publishers, offer_access_rows
from portal.network.offers.forms import GrantAccessForm, LandingPageForm, OfferEventForm, OfferFilterForm, OfferForm
from portal.network.offers.service import (
    OFFER_SORTS,
    archive_offer,
    bulk_update_offers,
    create_offer,
    load_offer,
    restore_offer,
    search_offers,
    update_offer,
)
from portal.network.reach import (
    advertiser_pages,
    advertisers_in_reach,
    found_or_404,
    get_or_404,
    offers_in_reach,
    publishers_in_reach,
    rows_in_reach,
)
from portal.paging import parse_sort
from portal.validation import Invalid


def _offers_table(source, status: int = 200, message: str = "", error: str = ""):
    form = OfferFilterForm(formdata=source)
    form.fill_choices(advertiser_choices(within=advertisers_in_reach(current_user)))
    form.validate()
    sort = parse_sort(form.sort.data, OFFER_SORTS, "name")
    state, page_number = list_state(form, sort, "name", source)
    page = search_offers(form.q.data or "", form.advertiser.data, form.visibility_value(), form.status_value(), sort, page_number,
                         offers_in_reach(current_user))
    context = dict(form=form, page=page, sort=sort, state=state, page_number=page_number, bulk_form=BulkForm(formdata=None),
                   message=message, error=error)
    return page_or_partial("network/offers.html", "network/_offers_table.html", status, **context)


@bp.get("/offers")
@advertiser_pages
def offers():
    return _offers_table(request.args)


@bp.post("/offers/bulk")
@advertiser_pages
def offers_bulk():
    message, error = apply_bulk(partial(bulk_update_offers, within=offers_in_reach(current_user)), "offer")
    if partial_wanted():
        return _offers_table(request.form, 400 if error else 200, message, error)
    flash(error or message, "error" if error else "success")
    filters = OfferFilterForm(formdata=request.form)
    state, page = list_state(filters, parse_sort(request.form.get("sort"), OFFER_SORTS, "name"), "name", request.form)
    return redirect(url_for("network_admin.offers", page=page if page > 1 else None, **state))


def _offer_form_page(form: OfferForm, offer: Offer | None, status: int = 200):
    form.fill_choices(advertiser_choices(offer.advertiser_id if offer else None, advertisers_in_reach(current_user)))
    return respond(render_template("network/offer_form.html", form=form, offer=offer), status)


@bp.route("/offers/new", methods=["GET", "POST"])
@advertiser_pages
def offer_new():
    form = OfferForm()
    advertiser = parse_id(request.args.get("advertiser"))
    if request.method == "GET" and advertiser is not None:
        form.advertiser_id.data = advertiser
    if request.method == "POST" and form.validate():
        try:
            offer = create_offer(actor_id(), form.values(), advertisers_in_reach(current_user))
        except Invalid as error:
            db.session.rollback()
            form.apply(error)
        else:
            db.session.commit()
            flash(f"Offer “{offer.name}” is added: give it events and landing pages below.", "success")
            return redirect(url_for("network_admin.offer", offer_id=offer.id))
    return _offer_form_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@advertiser_pages
def offer_edit(offer_id: int):
    offer = get_or_404(Offer, offer_id)
    form = OfferForm(obj=offer) if request.method == "GET" else OfferForm()
    if request.method == "GET":
        form.visibility.data = offer.visibility.value
        form.payout_type.data, form.revenue_type.data = offer.payout_type.value, offer.revenue_type.value
    if request.method == "POST" and form.validate():
        try:
            changes = update_offer(actor_id(), offer, form.values(), advertisers_in_reach(current_user))
        except Invalid as error:
            db.session.rollback()
            form.apply(error)
        else:
            db.session.commit()
            flash(f"Offer “{offer.name}” is saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("network_admin.offer", offer_id=offer.id))
    return _offer_form_page(form, offer, 400 if request.method == "POST" else 200)


def offer_page_context(offer: Offer, **state) -> dict:
    """Everything the offer page shows; `state` overrides one section's forms (errors, the row being edited)."""
    grant_form = GrantAccessForm(formdata=None)
    grant_form.fill_choices(grantable_publishers(offer.id, publishers_in_reach(current_user)))
    context = dict(
        offer=offer,
        action_form=ActionForm(),
        event_form=OfferEventForm(formdata=None),
        editing_event=None,
        event_edit_form=None,
        page_form=LandingPageForm(formdata=None),
        editing_page=None,
        page_edit_form=None,
        grant_form=grant_form,
        access_rows=offer_access_rows(offer.id, rows_in_reach(current_user, OfferAccess)),
        section_error="",
        section=None,
    )
    context.update(state)
    return context


@bp.get("/offers/<int:offer_id>")
@advertiser_pages
def offer(offer_id: int):
    offer = found_or_404(load_offer(offer_id))
    return respond(render_template("network/offer.html", **offer_page_context(offer)))


@bp.post("/offers/<int:offer_id>/archive")
@advertiser_pages
def offer_archive(offer_id: int):
    offer = get_or_404(Offer, offer_id)
    return archive_or_restore(offer, archive_offer, f"Offer “{offer.name}” is archived: publishers can no longer promote it.",
                              "network_admin.offer", offer_id=offer.id)


@bp.post("/offers/<int:offer_id>/restore")
@advertiser_pages
def offer_restore(offer_id: int):
    offer = get_or_404(Offer, offer_id)
    return archive_or_restore(offer, restore_offer, f"Offer “{offer.name}” is restored.", "network_admin.offer", offer_id=offer.id)
