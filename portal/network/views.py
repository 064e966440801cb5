"""Admin → Advertisers (list, create, edit, archive / restore, bulk actions) and the helpers the
network admin pages share. Network staff only (403 for other roles), within their reach (portal.network.reach); HTMX requests get the partial of the same route."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.forms import (
    AdvertiserFilterForm,
    AdvertiserForm,
    BulkForm,
)
from portal.network.models import Advertiser
from portal.network.reach import (
    advertiser_pages,
    advertiser_scope,
    advertisers_in_reach,
    get_or_404,
    own_by_default,
)
from portal.network.service import (
    ADVERTISER_SORTS,
    account_managers,
    archive_advertiser,
    bulk_update_advertisers,
    create_advertiser,
    restore_advertiser,
    search_advertisers,
    update_advertiser,
)
from portal.paging import parse_sort
from portal.validation import Invalid

bp = Blueprint("network_admin", __name__, url_prefix="/admin")
EXPIRED = "The form expired; reload the page and try again."


def actor_id() -> int:
    return current_user.id


def list_state(form, sort, default_sort: str, source) -> tuple[dict, int]:
    """The list's filters, sort and page as query arguments (defaults left out)."""
    state = form.query_args()
    state.pop("sort", None)
    if sort.param != default_sort:
        state["sort"] = sort.param
    page = source.get("page", 1, type=int)
    return state, page


def bulk_result(changed: int, noun: str) -> str:
    return f"{changed} {noun}{'' if changed == 1 else 's'} changed."


def apply_bulk(update, noun: str) -> tuple[str, str]:
    """Apply the posted bulk action to the selected ids; returns (message, error), committing on success."""
    form = BulkForm()
    if not form.validate():
        return "", EXPIRED
    try:
        changed = update(actor_id(), request.form.getlist("ids"), form.action.data)
    except Invalid as refused:
        db.session.rollback()
        return "", " ".join(refused.errors.values())
    db.session.commit()
    return bulk_result(changed, noun), ""


# ---------------------------------------------------------------- advertisers


def _advertisers_table(source, status: int = 200, message: str = "", error: str = ""):
    form = AdvertiserFilterForm(formdata=source)
    form.fill_managers(account_managers(Advertiser))
    form.validate()
    sort = parse_sort(form.sort.data, ADVERTISER_SORTS, "name")
    state, page_number = list_state(form, sort, "name", source)
    page = search_advertisers(form.q.data or "", form.status_value(), sort, page_number, form.manager_value(actor_id()),
                              advertisers_in_reach(current_user))
    context = dict(form=form, page=page, sort=sort, state=state, page_number=page_number, bulk_form=BulkForm(formdata=None),
                   message=message, error=error)
    return page_or_partial("network/advertisers.html", "network/_advertisers_table.html", status, **context)


@bp.get("/advertisers")
@advertiser_pages
def advertisers():
    return _advertisers_table(request.args)


@bp.post("/advertisers/bulk")
@advertiser_pages
def advertisers_bulk():
    message, error = apply_bulk(partial(bulk_update_advertisers, within=advertisers_in_reach(current_user)), "advertiser")
    if partial_wanted():
        return _advertisers_table(request.form, 400 if error else 200, message, error)
    flash(error or message, "error" if error else "success")
    state, page = list_state(AdvertiserFilterForm(formdata=request.form), parse_sort(request.form.get("sort"), ADVERTISER_SORTS, "name"), "name", request.form)
    return redirect(url_for("network_admin.advertisers", page=page if page > 1 else None, **state))


def _advertiser_page(form: AdvertiserForm, advertiser: Advertiser | None, status: int = 200):
    form.fill_choices(account_managers(Advertiser, advertiser.manager_id if advertiser else None))
    return respond(render_template("network/advertiser_form.html", form=form, advertiser=advertiser, action_form=ActionForm()), status)


@bp.route("/advertisers/new", methods=["GET", "POST"])
@advertiser_pages
def advertiser_new():
    form = AdvertiserForm()
    if request.method == "GET":
        own_by_default(current_user, form, advertiser_scope)
    if request.method == "POST" and form.validate():
        try:
            advertiser = create_advertiser(actor_id(), form.values(), advertiser_scope(current_user))
        except Invalid as error:
            db.session.rollback()
            form.apply(error)
        else:
            db.session.commit()
            flash(f"Advertiser “{advertiser.name}” is added.", "success")
            return redirect(url_for("network_admin.advertiser_edit", advertiser_id=advertiser.id))
    return _advertiser_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/advertisers/<int:advertiser_id>/edit", methods=["GET", "POST"])
@advertiser_pages
def advertiser_edit(advertiser_id: int):
    advertiser = get_or_404(Advertiser, advertiser_id)
    form = AdvertiserForm(obj=advertiser) if request.method == "GET" else AdvertiserForm()
    if request.method == "POST" and form.validate():
        try:
            changes = update_advertiser(actor_id(), advertiser, form.values())
        except Invalid as error:
            db.session.rollback()
            form.apply(error)
        else:
            db.session.commit()
            flash(f"Advertiser “{advertiser.name}” is saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("network_admin.advertiser_edit", advertiser_id=advertiser.id))
    return _advertiser_page(form, advertiser, 400 if request.method == "POST" else 200)


def _lifecycle(obj, verb, done: str, endpoint: str, **ids):
    """Archive or restore from a detail page: flash the outcome and go back to it."""
    try:
        verb(actor_id(), obj)
    except Invalid as refused:
        db.session.rollback()
        flash(" ".join(refused.errors.values()), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(endpoint, **ids))


@bp.post("/advertisers/<int:advertiser_id>/archive")
@advertiser_pages
def advertiser_archive(advertiser_id: int):
    advertiser = get_or_404(Advertiser, advertiser_id)
    return _lifecycle(advertiser, archive_advertiser, f"Advertiser “{advertiser.name}” and its offers are archived.",
                      "network_admin.advertiser_edit", advertiser_id=advertiser.id)


@bp.post("/advertisers/<int:advertiser_id>/restore")
@advertiser_pages
def advertiser_restore(advertiser_id: int):
    advertiser = get_or_404(Advertiser, advertiser_id)
    return _lifecycle(advertiser, restore_advertiser, f"Advertiser “{advertiser.name}” is restored; restore its offers one by one.",
                      "network_admin.advertiser_edit", advertiser_id=advertiser.id)
