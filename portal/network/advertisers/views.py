"""Admin → Advertisers: list (search, status and manager filters, sorting, pages, bulk actions), create, edit,
archive / restore. Network staff only (403 for other roles), within their reach (portal.network.reach); HTMX
requests get the partial of the same route."""
from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.advertisers.forms import AdvertiserFilterForm, AdvertiserForm
from portal.network.advertisers.service import (
    ADVERTISER_SORTS,
    archive_advertiser,
    bulk_update_advertisers,
    create_advertiser,
    restore_advertiser,
    search_advertisers,
    update_advertiser,
)
from portal.network.blueprint import actor_id, apply_bulk, archive_or_restore, bp, list_state
from portal.network.forms import BulkForm
from portal.network.managers import account_managers
from portal.network.models import Advertiser
from portal.network.reach import (
    advertiser_pages,
    advertiser_scope,
    advertisers_in_reach,
    get_or_404,
    own_by_default,
)
from portal.paging import parse_sort
from portal.validation import Invalid


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


@bp.post("/advertisers/<int:advertiser_id>/archive")
@advertiser_pages
def advertiser_archive(advertiser_id: int):
    advertiser = get_or_404(Advertiser, advertiser_id)
    return archive_or_restore(advertiser, archive_advertiser, f"Advertiser “{advertiser.name}” and its offers are archived.",
                              "network_admin.advertiser_edit", advertiser_id=advertiser.id)


@bp.post("/advertisers/<int:advertiser_id>/restore")
@advertiser_pages
def advertiser_restore(advertiser_id: int):
    advertiser = get_or_404(Advertiser, advertiser_id)
    return archive_or_restore(advertiser, restore_advertiser, f"Advertiser “{advertiser.name}” is restored; restore its offers one by one.",
                              "network_admin.advertiser_edit", advertiser_id=advertiser.id)
