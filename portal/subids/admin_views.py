"""Admin pages: blocked sub IDs per publisher and offer (list with filters, create, edit description, delete, bulk delete).

Every change clears the click endpoint's cache so the block applies at once in this process."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from portal.accounts.auth import role_required
from portal.accounts.models import STAFF_ROLES
from portal.extensions import db
from portal.htmx import partial_wanted, respond
from portal.subids import blocked
from portal.subids.forms import (
    ActionForm,
    BlockDescriptionForm,
    BlockFilterForm,
    BlockForm,
    apply_errors,
)
from portal.subids.models import BlockedSubId
from portal.subids.service import SubIdInvalid
from portal.tracking.targets import clear_cache

bp = Blueprint("blocked_subids", __name__, url_prefix="/admin/blocked-sub-ids")
staff_only = role_required(*STAFF_ROLES)
EXPIRED = "The form expired; reload the page and try again."


def _commit() -> None:
    db.session.commit()
    clear_cache()


def _block_or_404(block_id: int) -> BlockedSubId:
    block = blocked.find_block(block_id)
    if block is None:
        abort(404)
    return block


def _filters(formdata) -> BlockFilterForm:
    filters = BlockFilterForm(formdata=formdata)
    filters.fill_choices(blocked.publisher_choices(), blocked.offer_choices())
    filters.validate()
    return filters


def _table_context(filters: BlockFilterForm, **extra) -> dict:
    page = blocked.search_blocks(**filters.criteria(), page=request.values.get("page", 1, type=int))
    return dict(
        filters=filters, page=page, labels=blocked.block_labels(page.items), params=filters.query_args(),
        action_form=ActionForm(), **extra,
    )


def _new_form() -> BlockForm:
    form = BlockForm()
    form.fill_choices(blocked.publisher_choices(), blocked.offer_choices())
    return form


@bp.route("", methods=["GET", "POST"])
@staff_only
def index():
    if request.method == "GET":
        filters = _filters(request.args)
        if partial_wanted():
            return respond(render_template("subids/_blocked_table.html", **_table_context(filters)))
        form = BlockForm(formdata=None, publisher_id=filters.criteria()["publisher_id"], offer_id=filters.criteria()["offer_id"])
        form.fill_choices(blocked.publisher_choices(), blocked.offer_choices())
        return respond(render_template("subids/blocked.html", form=form, **_table_context(filters)))
    form = _new_form()
    if form.validate():
        try:
            block = blocked.block_sub_id(form.publisher_id.data, form.offer_id.data, form.sub_id.data, form.description.data)
        except SubIdInvalid as invalid:
            apply_errors(form, invalid.errors)
        else:
            _commit()
            message = f"Sub ID “{block.sub_id}” is blocked: its clicks now go to the offer's fallback."
            if partial_wanted():
                # Redraw the table with the current filters, and a blank value field in a fresh form.
                filters = _filters(request.args)
                fresh = BlockForm(formdata=None, publisher_id=block.publisher_id, offer_id=block.offer_id)
                fresh.fill_choices(blocked.publisher_choices(), blocked.offer_choices())
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
@staff_only
def row(block_id: int):
    block = _block_or_404(block_id)
    if not partial_wanted():
        return redirect(url_for("blocked_subids.index"))
    return _row(block)


@bp.route("/<int:block_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(block_id: int):
    block = _block_or_404(block_id)
    prefix = f"block-{block.id}"
    form = BlockDescriptionForm(obj=block, prefix=prefix) if request.method == "GET" else BlockDescriptionForm(prefix=prefix)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                blocked.describe_block(block, form.description.data)
            except SubIdInvalid as invalid:
                apply_errors(form, invalid.errors)
            else:
                _commit()
                if partial_wanted():
                    return _row(block)
                flash(f"The block of “{block.sub_id}” is saved.", "success")
                return redirect(url_for("blocked_subids.index"), 303)
        db.session.rollback()
        status = 400
    context = dict(block=block, labels=blocked.block_labels([block]), edit_form=form)
    template = "subids/_blocked_edit_row.html" if partial_wanted() else "subids/blocked_edit.html"
    return respond(render_template(template, **context), status)


@bp.post("/<int:block_id>/delete")
@staff_only
def delete(block_id: int):
    block = _block_or_404(block_id)
    if not ActionForm().validate_on_submit():
        if partial_wanted():
            return _row(block, 400, EXPIRED)
        flash(EXPIRED, "error")
        return redirect(url_for("blocked_subids.index"), 303)
    value = block.sub_id
    blocked.unblock(block)
    _commit()
    if partial_wanted():
        return respond("")
    flash(f"Sub ID “{value}” is no longer blocked.", "success")
    return redirect(url_for("blocked_subids.index"), 303)


@bp.post("/bulk-delete")
@staff_only
def bulk_delete():
    ids = request.form.getlist("ids")
    if not ActionForm().validate_on_submit():
        message, category, status = EXPIRED, "error", 400
    elif not ids:
        message, category, status = "Tick the blocks to delete first.", "error", 400
    else:
        result = blocked.unblock_many(ids)
        _commit()
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
