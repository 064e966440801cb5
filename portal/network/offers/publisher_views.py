"""Publisher → Offers (`/offers`): the list (portal/network/offers/publisher_list.py) with a name search,
"Create link" into the link builder, and access requests for Requires_Approval offers. Publisher users
only (403 for other roles); an offer that is not on the publisher's list is a 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted
from portal.network.models import PublisherStatus, Visibility
from portal.network.offers.access import can_promote
from portal.network.offers.access_requests import request_access
from portal.network.offers.forms import OfferSearchForm
from portal.network.offers.publisher_list import listed_offer, offer_cards, search_listed_offers

bp = Blueprint("publisher_offers", __name__, url_prefix="/offers")
publishers_only = role_required(Role.PUBLISHER)


def _render(source, status: int = 200, message: str = "", error: str = ""):
    publisher_id = current_user.publisher_id
    form = OfferSearchForm(formdata=source)
    form.validate()
    page = search_listed_offers(publisher_id, form.q.data or "", source.get("page", 1, type=int))
    context = dict(form=form, page=page, cards=offer_cards(publisher_id, page.items), state=form.query_args(),
                   action_form=ActionForm(), message=message, error=error,
                   suspended=current_user.publisher.status != PublisherStatus.ACTIVE)
    return page_or_partial(
        "network/publisher_offers/index.html", "network/publisher_offers/_list.html", status, **context
    )


@bp.get("")
@publishers_only
def index():
    return _render(request.args)


@bp.post("/<int:offer_id>/request-access")
@publishers_only
def request_offer_access(offer_id: int):
    offer = listed_offer(current_user.publisher_id, offer_id) or abort(404)
    if offer.visibility != Visibility.REQUIRES_APPROVAL or can_promote(current_user.publisher_id, offer.id):
        message, error, status = "", f"You may already promote “{offer.name}”.", 409
    else:
        request_access(current_user.publisher_id, offer)
        db.session.commit()
        message, error, status = f"Access to “{offer.name}” is requested: the network will answer soon.", "", 200
    if partial_wanted():
        return _render(request.form, status, message, error)
    flash(error or message, "error" if error else "success")
    return redirect(url_for("publisher_offers.index", q=request.form.get("q") or None))
