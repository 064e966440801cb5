"""Admin pages: payouts (filters by publisher and currency), recording one (form → preview → confirm) and
a payout's detail with the conversions it paid, for the publishers within the staff user's reach
(portal.network.reach). The domain layer audits every payout."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.conversions.listing import row_details
from portal.extensions import db
from portal.formatting import money_text
from portal.forms import apply_errors
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.models import Publisher
from portal.network.reach import (
    get_or_404,
    publisher_pages,
    publishers_in_reach,
    rows_in_reach,
)
from portal.rewards.ledger_forms import PayoutFilterForm, PayoutForm
from portal.rewards.models import Payout
from portal.rewards.payouts import (
    NothingPayable,
    cutoff_instant,
    payable,
    payable_currencies,
    payout_conversions,
    payout_currencies,
    record_payout,
    search_payouts,
)

bp = Blueprint("payouts_admin", __name__, url_prefix="/admin/payouts")


def _publishers() -> list[Publisher]:
    """The publishers the staff user reaches: the only ones the filters and the new payout form offer."""
    stmt = select(Publisher).where(publishers_in_reach(current_user)).order_by(Publisher.name, Publisher.id)
    return list(db.session.scalars(stmt))


def _page() -> int:
    return request.args.get("page", 1, type=int)


@bp.get("")
@publisher_pages
def index():
    filters = PayoutFilterForm(formdata=request.args)
    in_reach = rows_in_reach(current_user, Payout)
    filters.fill_choices(_publishers(), payout_currencies(in_reach))
    valid = filters.validate()
    criteria = filters.query_args() if valid else {}
    page = search_payouts(criteria.get("publisher_id"), criteria.get("currency"), _page(), within=in_reach)
    context = dict(filters=filters, page=page, params=criteria)
    status = 200 if valid else 400
    return page_or_partial("rewards/admin_payouts.html", "rewards/_admin_payouts.html", status, **context)


@bp.route("/new", methods=["GET", "POST"])
@publisher_pages
def new():
    publishers = _publishers()
    form = PayoutForm(formdata=None) if request.method == "GET" else PayoutForm()
    form.fill_choices(publishers)
    if request.method == "GET":
        form.publisher_id.data = request.args.get("publisher_id", type=int)
        return _form_page(form)
    if not form.validate():
        db.session.rollback()
        return _form_page(form, status=400)
    publisher = db.session.get(Publisher, form.publisher_id.data)
    period_end = cutoff_instant(form.cut_off.data, current_user.timezone)
    preview = payable(publisher.id, form.currency.data, period_end)
    if preview.count == 0:
        currencies = ", ".join(payable_currencies(publisher.id)) or "none"
        form.form_errors.append(
            f"Nothing to pay: {publisher.name} has no approved, unpaid {form.currency.data} commission up to "
            f"{form.cut_off.data}. Currencies with payable commission: {currencies}."
        )
        return _form_page(form, status=409 if "confirm" in request.form else 400)
    expected = form.expected()
    confirming = "confirm" in request.form
    if not confirming or expected is None:
        form.expected_count.data, form.expected_amount.data = preview.count, preview.amount
        return _form_page(form, preview=preview, publisher=publisher)
    try:
        payout = record_payout(publisher, form.currency.data, period_end, form.note.data or "", current_user.id)
    except NothingPayable as nothing:
        db.session.rollback()
        apply_errors(form, {"": [str(nothing)]})
        return _form_page(form, status=409)
    if (payout.conversion_count, payout.amount) != expected:
        # What is payable changed since the preview (a review, or another payout): pay nothing, show it again.
        db.session.rollback()
        preview = payable(publisher.id, form.currency.data, period_end)
        form.expected_count.data, form.expected_amount.data = preview.count, preview.amount
        form.form_errors.append("What is payable changed since the preview; check the new amount and confirm again.")
        return _form_page(form, preview=preview, publisher=publisher, status=409)
    db.session.commit()
    paid = f"{money_text(payout.amount)} {payout.currency} for {payout.conversion_count:,} conversions"
    flash(f"Paid {publisher.name} {paid}.", "success")
    target = url_for("payouts_admin.detail", payout_id=payout.id)
    if partial_wanted():
        return respond("", 200, **{"HX-Redirect": target})
    return redirect(target, 303)


def _form_page(form: PayoutForm, status: int = 200, preview=None, publisher=None):
    body = render_template("rewards/admin_payout_new.html", form=form, preview=preview, publisher=publisher)
    return respond(body, status)


@bp.get("/<int:payout_id>")
@publisher_pages
def detail(payout_id: int):
    payout = get_or_404(Payout, payout_id)
    page = payout_conversions(payout, _page())
    context = dict(payout=payout, page=page, details=row_details(page.items), params={"payout_id": payout.id})
    return page_or_partial("rewards/admin_payout.html", "rewards/_admin_payout_conversions.html", **context)
