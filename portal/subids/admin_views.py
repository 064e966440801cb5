"""Admin pages: blocked sub IDs per publisher and offer (list with filters, create, edit description, delete, bulk delete).

Within the staff user's reach over publishers and offers (portal.network.reach); every change is audited by the
domain layer, and its commit clears the click endpoint's cache (portal.tracking.freshness) so it applies at once."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ActionForm, apply_errors
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.reach import (
    get_or_404,
    offers_in_reach,
    publisher_pages,
    publishers_in_reach,
    rows_in_reach,
)
from portal.subids import blocked
from portal.subids.forms import (
    BlockDescriptionForm,
    BlockFilterForm,
    BlockForm,
)
from portal.subids.models import BlockedSubId
from portal.subids.service import SubIdInvalid

bp = Blueprint("blocked_subids", __name__, url_prefix="/admin/blocked-sub-ids")
EXPIRED = "The form expired; reload the page and try again."


def _block_or_404(block_id: int) -> BlockedSubId:
    return get_or_404(BlockedSubId, block_id)


def _fill(form) -> None:
    """The publisher and offer choices: only those the staff user reaches."""
    publishers = blocked.publisher_choices(publishers_in_reach(current_user))
    form.fill_choices(publishers, blocked.offer_choices(offers_in_reach(current_user)))


def _filters(formdata) -> BlockFilterForm:
    filters = BlockFilterForm(formdata=formdata)
    _fill(filters)
    filters.validate()
    return filters


def _table_context(filters: BlockFilterForm, **extra) -> dict:
    page_number, in_reach = request.values.get("page", 1, type=int), rows_in_reach(current_user, BlockedSubId)
    page = blocked.search_blocks(**filters.criteria(), page=page_number, within=in_reach)
    return dict(
        filters=filters, page=page, labels=blocked.block_labels(page.items), params=filters.query_args(),
        action_form=ActionForm(), **extra,
    )


def _new_form() -> BlockForm:
    form = BlockForm()
    _fill(form)
    return form


@bp.route("", methods=["GET", "POST"])
@publisher_pages
def index():
    if request.method == "GET":
        filters = _filters(request.args)
        if partial_wanted():
            return respond(render_template("subids/_blocked_table.html", **_table_context(filters)))
        form = BlockForm(formdata=None, publisher_id=filters.criteria()["publisher_id"], offer_id=filters.criteria()["offer_id"])
        _fill(form)
        return respond(render_template("subids/blocked.html", form=form, **_table_context(filters)))
    form = _new_form()
    if form.validate():
        try:
            block = blocked.block_sub_id(
                current_user.id, form.publisher_id.data, form.offer_id.data, form.sub_id.data, form.description.data,
                publishers=publishers_in_reach(current_user), offers=offers_in_reach(current_user),
            )
        except SubIdInvalid as invalid:
            apply_errors(form, invalid.errors)
        else:
            db.session.commit()
            message = f"Sub ID “{block.sub_id}” is blocked: its clicks now go to the offer's fallback."
            if partial_wanted():
                # Redraw the table with the current filters, and a blank value field in a fresh form.
                filters = _filters(request.args)
                fresh = BlockForm(formdata=None, publisher_id=block.publisher_id, offer_id=block.offer_id)
                _fill(fresh)
                body = render_template(
                    "subids/_blocked_created.html", form=fresh, **_table_context(filters, notice=message, notice_category="success")
                )
                return respond(body, 201)
            flash(message, "success")
            return redirect(url_for("blocked_subids.index"), 303)
    db.session.rollback()
    if partial_wanted():
        return respond(
            render_template("subids/_blocked_form.html", form=form), 400,
            **{"HX-Retarget": "#block-create", "HX-Reswap": "outerHTML"},
        )
    filters = _filters(request.args)
    return respond(render_template("subids/blocked.html", form=form, **_table_context(filters)), 400)


def _row(block: BlockedSubId, status: int = 200, error: str | None = None):
    body = render_template(
        "subids/_blocked_row.html", block=block, labels=blocked.block_labels([block]), action_form=ActionForm(), row_error=error
    )
    return respond(body, status)


@bp.get("/<int:block_id>")
@publisher_pages
def row(block_id: int):
    block = _block_or_404(block_id)
    if not partial_wanted():
        return redirect(url_for("blocked_subids.index"))
    return _row(block)


@bp.route("/<int:block_id>/edit", methods=["GET", "POST"])
@publisher_pages
def edit(block_id: int):
    block = _block_or_404(block_id)
    prefix = f"block-{block.id}"
    form = BlockDescriptionForm(obj=block, prefix=prefix) if request.method == "GET" else BlockDescriptionForm(prefix=prefix)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                blocked.describe_block(current_user.id, block, form.description.data)
            except SubIdInvalid as invalid:
                apply_errors(form, invalid.errors)
            else:
                db.session.commit()
                if partial_wanted():
                    return _row(block)
                flash(f"The block of “{block.sub_id}” is saved.", "success")
                return redirect(url_for("blocked_subids.index"), 303)
        db.session.rollback()
        status = 400
    context = dict(block=block, labels=blocked.block_labels([block]), edit_form=form)
    return page_or_partial("subids/blocked_edit.html", "subids/_blocked_edit_row.html", status, **context)


@bp.post("/<int:block_id>/delete")
@publisher_pages
def delete(block_id: int):
    block = _block_or_404(block_id)
    value = block.sub_id
    blocked.unblock(current_user.id, block)
    db.session.commit()
    if partial_wanted():
        return respond("")
    flash(f"Sub ID “{value}” is no longer blocked.", "success")
    return redirect(url_for("blocked_subids.index"), 303)


@bp.post("/bulk-delete")
@publisher_pages
def bulk_delete():
    ids = request.form.getlist("ids")
    if not ids:
        message, category, status = "Tick the blocks to delete first.", "error", 400
    else:
        result = blocked.unblock_many(current_user.id, ids, rows_in_reach(current_user, BlockedSubId))
        db.session.commit()
        count = len(result.deleted)
        message = f"Deleted {count:,} block{'' if count == 1 else 's'}."
        if result.not_found:
            message += f" {len(result.not_found):,} selected row{' was' if len(result.not_found) == 1 else 's were'} not found."
        category, status = ("success" if result.deleted else "error"), 200
    if partial_wanted():
        body = render_template(
            "subids/_blocked_table.html", **_table_context(_filters(request.form), notice=message, notice_category=category)
        )
        return respond(body, status)
    flash(message, category)
    return redirect(url_for("blocked_subids.index", **_filters(request.form).query_args()), 303)
