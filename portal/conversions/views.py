"""Advertiser pages: review the conversions of its own offers (list, detail drawer, approve / reject /
adjust payout in place, bulk approve / reject). Network staff review those in their reach
(portal.network.reach); publishers get 403.

Another advertiser's conversion, or one out of a staff user's reach, is 404 (a bulk action skips it). HTMX
requests get the partial of the same route; every action also works as a plain form post that redirects back.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import STAFF_ROLES, Role
from portal.conversions.forms import (
    PayoutForm,
    RejectForm,
    ReviewFilterForm,
)
from portal.conversions.listing import (
    Scope,
    conversion_detail,
    conversion_or_404,
    conversions_in_scope,
    row_details,
    search_conversions,
)
from portal.conversions.models import Conversion
from portal.conversions.review import (
    MAX_BULK,
    ReviewError,
    adjust_payout,
    approve_conversion,
    bulk_approve,
    bulk_reject,
    reject_conversion,
)
from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.reach import data_pages, data_reach

bp = Blueprint("conversions", __name__, url_prefix="/conversions")
reviewers = data_pages(Role.ADVERTISER, *STAFF_ROLES)
DRAWER = "conversion-drawer"
LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\]*")


def _scope() -> Scope:
    """An advertiser's own offers; staff the publishers and advertisers in their reach."""
    if current_user.is_staff:
        return Scope(reach=data_reach(current_user))
    return Scope(advertiser_id=current_user.advertiser_id)


def _filter_form(formdata, scope: Scope) -> ReviewFilterForm:
    form = ReviewFilterForm(formdata=formdata)
    form.fill_choices(scope, all_advertisers=current_user.is_staff)
    form.validate()
    return form


def _table_context(formdata, **extra) -> dict:
    scope = _scope()
    form = _filter_form(formdata, scope)
    criteria = form.criteria(current_user.timezone, current_user.is_staff)
    page = search_conversions(scope, criteria, page=formdata.get("page", 1, type=int))
    return dict(
        form=form, page=page, filters=form.query_args(), details=row_details(page.items), action_form=ActionForm(),
        all_advertisers=current_user.is_staff, **extra,
    )


@bp.get("")
@reviewers
def index():
    return page_or_partial("conversions/index.html", "conversions/_table.html", **_table_context(request.args))


def _drawer_context(conversion: Conversion, reject_form=None, payout_form=None, **extra) -> dict:
    return dict(
        conversion=conversion,
        detail=conversion_detail(conversion),
        action_form=ActionForm(),
        reject_form=reject_form or RejectForm(formdata=None),
        payout_form=payout_form or PayoutForm(formdata=None),
        back=_back_url(),
        **extra,
    )


@bp.get("/<int:conversion_id>")
@reviewers
def detail(conversion_id: int):
    conversion = conversion_or_404(_scope(), conversion_id)
    return page_or_partial("conversions/detail.html", "conversions/_drawer.html", **_drawer_context(conversion))


def _back_url() -> str:
    """Where a plain form post returns: the list or detail page it came from, never another site."""
    target = request.form.get("next") or request.args.get("next") or ""
    # A path on this site only: browsers drop tabs and read a backslash as "/", so "/<tab>/evil" would leave it.
    if LOCAL_PATH.fullmatch(target):
        return target
    return url_for("conversions.index")


def _answer(conversion: Conversion, message: str = "", error: ReviewError | None = None, reject_form=None, payout_form=None):
    """The answer to a single action: the drawer (with the row swapped out of band) or the row for HTMX,
    a redirect (or the detail page with the errors) without JavaScript."""
    status = 200 if error is None else (409 if error.conflict else 400)
    if partial_wanted():
        if request.headers.get("HX-Target") == DRAWER:
            context = _drawer_context(conversion, reject_form, payout_form, notice=message, error=error, oob_row=True)
            body = render_template("conversions/_drawer.html", details=row_details([conversion]), **context)
        else:
            body = render_template(
                "conversions/_row.html", conversion=conversion, details=row_details([conversion]), action_form=ActionForm(),
                row_error=str(error) if error else None, all_advertisers=current_user.is_staff,
            )
        return respond(body, status)
    if error is None:
        flash(message, "success")
        return redirect(_back_url(), 303)
    context = _drawer_context(conversion, reject_form, payout_form, error=error)
    return respond(render_template("conversions/detail.html", **context), status)


def _act(conversion_id: int, form, change, message: str):
    """Load the caller's conversion (locked), check the form's fields, apply `change`, commit once."""
    conversion = conversion_or_404(_scope(), conversion_id, for_update=True)
    if not form.validate_on_submit():  # the token was checked globally: a field shows its own message
        db.session.rollback()
        error = ReviewError("Check the highlighted field.", field=next(iter(form.errors)))
        return _answer(conversion, error=error, reject_form=_keep(form, RejectForm), payout_form=_keep(form, PayoutForm))
    try:
        change(conversion)
    except ReviewError as error:
        db.session.rollback()
        if error.field and hasattr(form, error.field):
            getattr(form, error.field).errors = [str(error)]
        return _answer(conversion, error=error, reject_form=_keep(form, RejectForm), payout_form=_keep(form, PayoutForm))
    db.session.commit()
    return _answer(conversion, message.format(id=conversion.id))


def _keep(form, kind):
    """Keep what was typed in the form that was posted; the other forms start empty."""
    return form if isinstance(form, kind) else None


@bp.post("/<int:conversion_id>/approve")
@reviewers
def approve(conversion_id: int):
    return _act(conversion_id, ActionForm(), lambda c: approve_conversion(c, current_user.id), "Conversion {id} is approved.")


@bp.post("/<int:conversion_id>/reject")
@reviewers
def reject(conversion_id: int):
    form = RejectForm()
    return _act(conversion_id, form, lambda c: reject_conversion(c, current_user.id, form.reason.data), "Conversion {id} is rejected.")


@bp.post("/<int:conversion_id>/payout")
@reviewers
def payout(conversion_id: int):
    form = PayoutForm()
    return _act(
        conversion_id, form, lambda c: adjust_payout(c, current_user.id, form.payout.data or "", form.note.data or ""),
        "The payout of conversion {id} is changed.",
    )


def _selected_ids() -> list[int]:
    raw = request.form.getlist("ids")
    if len(raw) > MAX_BULK:
        abort(400, f"Change at most {MAX_BULK} conversions at a time.")
    try:
        return sorted({int(value) for value in raw})
    except ValueError:
        abort(400, "The selection holds something that is not a conversion id.")


def _bulk_change(action: str, ids: list[int]) -> tuple[str, int]:
    """Apply the bulk action to the caller's conversions among `ids`; everything or nothing."""
    if action not in ("approve", "reject"):
        return "Pick approve or reject.", 400
    conversions = conversions_in_scope(_scope(), ids)
    if ids and not conversions:
        return "Nothing changed: none of the selected conversions were found.", 400
    try:
        if action == "approve":
            changes = bulk_approve(conversions, current_user.id)
        else:
            changes = bulk_reject(conversions, current_user.id, request.form.get("reason", ""))
    except ReviewError as error:
        db.session.rollback()
        return f"Nothing changed: {error}", 409 if error.conflict else 400
    db.session.commit()
    done = "approved" if action == "approve" else "rejected"
    message = f"{len(changes)} conversion{'' if len(changes) == 1 else 's'} {done}."
    if len(conversions) > len(changes):
        message += f" {len(conversions) - len(changes)} already were."
    missing = len(ids) - len(conversions)
    if missing:
        message += f" {missing} selected conversion{' was' if missing == 1 else 's were'} not found."
    return message, 200


@bp.post("/bulk")
@reviewers
def bulk():
    message, status = _bulk_change(request.form.get("action", ""), _selected_ids())
    category = "success" if status == 200 else "error"
    if partial_wanted():
        body = render_template("conversions/_table.html", **_table_context(request.form, notice=message, notice_category=category))
        return respond(body, status)
    flash(message, category)
    return redirect(url_for("conversions.index", **_filter_form(request.form, _scope()).query_args()), 303)
