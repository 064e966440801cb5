"""Publisher pages: managed sub IDs (list with search, create / edit / delete in place, bulk delete, bulk create).

Every route is for publisher users only (403 for other roles: a publisher's sub IDs are its own) and loads
rows through the publisher's scope (404 for anyone else's). HTMX requests get the partial of the same route.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import owned_or_404, role_required
from portal.accounts.models import Role
from portal.extensions import csrf, db
from portal.forms import ActionForm, apply_errors
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.subids import csv_import
from portal.subids.forms import (
    BulkConfirmForm,
    BulkPasteForm,
    BulkUploadForm,
    SubIdForm,
    SubIdSearchForm,
)
from portal.subids.models import SubId
from portal.subids.service import (
    SubIdInvalid,
    bulk_create_sub_ids,
    create_sub_id,
    delete_sub_id,
    delete_sub_ids,
    plan_bulk_create,
    search_sub_ids,
    update_sub_id,
)

bp = Blueprint("subids", __name__, url_prefix="/sub-ids")
publishers_only = role_required(Role.PUBLISHER)
EXPIRED = "The form expired; reload the page and try again."
# A preview carries up to 1 MB of input back in a hidden field; URL-encoding can triple it. The global
# CSRF check would parse the body under the default 500 KB field limit before the view can raise it, so
# the two bulk routes are exempt from it and their FlaskForms check the token themselves.
BULK_FORM_BYTES = 4 * csv_import.MAX_BYTES


def _publisher_id() -> int:
    return current_user.publisher_id


def _plural(count: int, word: str = "sub ID") -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


# ---------------------------------------------------------------- list, create


def _table_context(search: SubIdSearchForm, **extra) -> dict:
    page = search_sub_ids(_publisher_id(), search.query(), page=request.values.get("page", 1, type=int))
    return dict(search=search, page=page, filters=search.query_args(), action_form=ActionForm(), **extra)


def _list_page(form: SubIdForm, status: int = 200, **extra):
    search = SubIdSearchForm(formdata=request.args)
    search.validate()
    return respond(render_template("subids/index.html", form=form, **_table_context(search, **extra)), status)


@bp.route("", methods=["GET", "POST"])
@publishers_only
def index():
    if request.method == "GET":
        search = SubIdSearchForm(formdata=request.args)
        search.validate()
        if partial_wanted():
            return respond(render_template("subids/_table.html", **_table_context(search)))
        return _list_page(SubIdForm(formdata=None))
    form = SubIdForm()
    if form.validate():
        try:
            sub_id = create_sub_id(_publisher_id(), form.fields())
        except SubIdInvalid as invalid:
            apply_errors(form, invalid.errors)
        else:
            db.session.commit()
            if partial_wanted():
                # The new row goes on top of the table; a blank create form replaces the old one out of band.
                body = render_template(
                    "subids/_created.html", sub=sub_id, action_form=ActionForm(), form=SubIdForm(formdata=None)
                )
                return respond(body, 201)
            flash(f"Sub ID “{sub_id.external_id}” is added.", "success")
            return redirect(url_for("subids.index"), 303)
    db.session.rollback()
    if partial_wanted():
        return respond(
            render_template("subids/_form.html", form=form), 400, **{"HX-Retarget": "#subid-create", "HX-Reswap": "outerHTML"}
        )
    return _list_page(form, 400)


# ---------------------------------------------------------------- one row


def _row(sub_id: SubId, status: int = 200, error: str | None = None):
    body = render_template("subids/_row.html", sub=sub_id, action_form=ActionForm(), row_error=error)
    return respond(body, status)


@bp.get("/<int:sub_id_id>")
@publishers_only
def row(sub_id_id: int):
    """One row (HTMX: "Cancel" of an edit); a browser without JS goes to the list."""
    sub_id = owned_or_404(SubId, sub_id_id, publisher_id=_publisher_id())
    if not partial_wanted():
        return redirect(url_for("subids.index"))
    return _row(sub_id)


@bp.route("/<int:sub_id_id>/edit", methods=["GET", "POST"])
@publishers_only
def edit(sub_id_id: int):
    sub_id = owned_or_404(SubId, sub_id_id, publisher_id=_publisher_id())
    # A prefix keeps the row's field ids apart from the create form's on the same page.
    prefix = f"subid-{sub_id.id}"
    form = SubIdForm(obj=sub_id, prefix=prefix) if request.method == "GET" else SubIdForm(prefix=prefix)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                update_sub_id(sub_id, form.fields())
            except SubIdInvalid as invalid:
                apply_errors(form, invalid.errors)
            else:
                db.session.commit()
                if partial_wanted():
                    return _row(sub_id)
                flash(f"Sub ID “{sub_id.external_id}” is saved.", "success")
                return redirect(url_for("subids.index"), 303)
        db.session.rollback()
        status = 400
    return page_or_partial("subids/edit.html", "subids/_edit_row.html", status, sub=sub_id, edit_form=form)


@bp.post("/<int:sub_id_id>/delete")
@publishers_only
def delete(sub_id_id: int):
    sub_id = owned_or_404(SubId, sub_id_id, publisher_id=_publisher_id())
    value = sub_id.external_id
    delete_sub_id(sub_id)
    db.session.commit()
    if partial_wanted():
        return respond("")  # an empty answer removes the row
    flash(f"Sub ID “{value}” is deleted.", "success")
    return redirect(url_for("subids.index"), 303)


@bp.post("/bulk-delete")
@publishers_only
def bulk_delete():
    """Delete the ticked rows that are the publisher's own; any other id is reported as not found."""
    ids = request.form.getlist("ids")
    if not ids:
        message, category, status = "Tick the sub IDs to delete first.", "error", 400
    else:
        result = delete_sub_ids(_publisher_id(), ids)
        db.session.commit()
        message = f"Deleted {_plural(len(result.deleted))}."
        if result.not_found:
            message += f" {_plural(len(result.not_found), 'selected row')} {_was(len(result.not_found))} not found."
        category, status = ("success" if result.deleted else "error"), 200
    if partial_wanted():
        search = SubIdSearchForm(formdata=request.form)
        search.validate()
        body = render_template("subids/_table.html", **_table_context(search, notice=message, notice_category=category))
        return respond(body, status)
    flash(message, category)
    return redirect(url_for("subids.index", **SubIdSearchForm(formdata=request.form).query_args()), 303)


# ---------------------------------------------------------------- bulk create


def _bulk_page(paste: BulkPasteForm, upload: BulkUploadForm, status: int = 200):
    return respond(render_template("subids/bulk.html", paste=paste, upload=upload), status)


def _read(kind: str, payload: str | bytes):
    """(candidates, unreadable lines, text to carry to the confirm step) for pasted text or a CSV file."""
    if kind == "csv":
        text = csv_import.decode(payload) if isinstance(payload, bytes) else payload
        return (*csv_import.parse_csv_text(text), text)
    return (*csv_import.parse_pasted(payload), payload)


@bp.get("/bulk")
@publishers_only
def bulk():
    return _bulk_page(BulkPasteForm(formdata=None), BulkUploadForm(formdata=None))


@bp.post("/bulk/preview")
@csrf.exempt
@publishers_only
def bulk_preview():
    """What the pasted lines or the uploaded file would create, and what is refused and why; nothing is saved."""
    request.max_form_memory_size = BULK_FORM_BYTES
    paste, upload = BulkPasteForm(), BulkUploadForm()
    if not paste.validate():  # the CSRF token; both forms share it
        return _bulk_page(paste, upload, 400)
    upload.validate()
    file = upload.file.data
    try:
        if file is not None and getattr(file, "filename", ""):
            kind = "csv"
            data = file.stream.read(csv_import.MAX_BYTES + 1)
            candidates, unreadable, text = _read(kind, data)
        elif (paste.lines.data or "").strip():
            kind = "paste"
            candidates, unreadable, text = _read(kind, paste.lines.data)
        else:
            paste.lines.errors = ["Paste some sub IDs or choose a CSV file."]
            return _bulk_page(paste, upload, 400)
    except csv_import.ImportRefused as refused:
        (upload.file if kind == "csv" else paste.lines).errors = [str(refused)]
        return _bulk_page(paste, upload, 400)
    plan = plan_bulk_create(_publisher_id(), candidates, unreadable)
    confirm = BulkConfirmForm(formdata=None, kind=kind, payload=text)
    return respond(render_template("subids/preview.html", plan=plan, confirm=confirm, kind=kind))


@bp.post("/bulk/create")
@csrf.exempt
@publishers_only
def bulk_create():
    """Create the valid lines of a previewed input in one transaction; the input is read and checked again."""
    request.max_form_memory_size = BULK_FORM_BYTES
    form = BulkConfirmForm()
    if not form.validate() or form.kind.data not in ("csv", "paste"):
        flash(EXPIRED, "error")
        return redirect(url_for("subids.bulk"), 303)
    try:
        candidates, unreadable, _ = _read(form.kind.data, form.payload.data or "")
        created, plan = bulk_create_sub_ids(_publisher_id(), candidates, unreadable)
    except (csv_import.ImportRefused, SubIdInvalid) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("subids.bulk"), 303)
    db.session.commit()
    message = f"Created {_plural(len(created))}."
    if plan.refused_count:
        message += f" {_plural(plan.refused_count, 'line')} {_was(plan.refused_count)} refused, as the preview showed."
    flash(message, "success" if created else "error")
    return redirect(url_for("subids.index"), 303)
