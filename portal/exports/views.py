"""The download center: request an export, watch it progress, download it through a signed link, cancel,
retry or delete it. Every signed-in role has one; each person sees and touches only their own exports
(anyone else's is a 404). HTMX requests get the table partial of the same route.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal.accounts.auth import owned_or_404, role_required
from portal.accounts.models import STAFF_ROLES, Role
from portal.exports import service
from portal.exports.models import Export
from portal.exports.service import ExportConflict, LinkExpired
from portal.exports.sources import KINDS, ExportInvalid
from portal.extensions import db
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.reach import data_pages

bp = Blueprint("exports", __name__, url_prefix="/exports")
signed_in = role_required(*STAFF_ROLES, Role.PUBLISHER, Role.ADVERTISER)


def _own(export_id: int) -> Export:
    return owned_or_404(Export, export_id, requested_by_id=current_user.id)


def _table(status: int = 200, notice: str | None = None, category: str = "success"):
    exports = service.exports_of(current_user)
    context = dict(
        exports=exports, polling=service.any_active(exports), kinds=KINDS, notice=notice, notice_category=category,
        downloadable=service.downloadable, duration=service.duration, sign=service.sign_download,
        expired=service.is_expired,
    )
    return page_or_partial("exports/index.html", "exports/_table.html", status, **context)


@bp.get("")
@signed_in
def index():
    return _table()


@bp.post("")
@data_pages(*STAFF_ROLES, Role.PUBLISHER, Role.ADVERTISER)  # every export is of a log or report page
def request_export():
    kind, query = request.form.get("kind", ""), request.form.get("query", "")
    try:
        export = service.request_export(current_user, kind, query)
    except ExportInvalid as invalid:
        db.session.rollback()
        if partial_wanted():
            return respond(render_template("exports/_requested.html", error=str(invalid)), 400)
        abort(400, description=str(invalid))
    db.session.commit()
    service.dispatch(export)
    if partial_wanted():
        return respond(render_template("exports/_requested.html", export=export, kinds=KINDS), 202)
    flash(f"Your {KINDS[kind].lower()} export is on its way; it appears below when ready.", "success")
    return redirect(url_for("exports.index"), 303)


def _after_change(message: str):
    if partial_wanted():
        return _table(notice=message)
    flash(message, "success")
    return redirect(url_for("exports.index"), 303)


def _refused(conflict: ExportConflict):
    db.session.rollback()
    if partial_wanted():
        return _table(409, notice=str(conflict), category="error")
    abort(409, description=str(conflict))


@bp.post("/<int:export_id>/cancel")
@signed_in
def cancel(export_id: int):
    try:
        service.cancel_export(_own(export_id))
    except ExportConflict as conflict:
        return _refused(conflict)
    db.session.commit()
    return _after_change("The export is canceled.")


@bp.post("/<int:export_id>/retry")
@signed_in
def retry(export_id: int):
    export = _own(export_id)
    try:
        service.retry_export(export)
    except ExportConflict as conflict:
        return _refused(conflict)
    db.session.commit()
    service.dispatch(export)
    return _after_change("The export starts again.")


@bp.post("/<int:export_id>/delete")
@signed_in
def delete(export_id: int):
    service.delete_export(_own(export_id))
    db.session.commit()
    return _after_change("The export and its file are deleted.")


@bp.get("/<int:export_id>/download")
@signed_in
def download(export_id: int):
    """The file, for its owner holding a fresh signed link; the token rides in the query string, which
    the request log never records."""
    export = _own(export_id)
    try:
        if not service.check_download(request.args.get("token", ""), export.id, current_user):
            abort(404)
    except LinkExpired as expired:
        abort(410, description=str(expired))
    if service.is_expired(export):
        abort(410, description="This export has passed its retention period and its file is deleted.")
    path = service.artifact_path(export)
    if not service.downloadable(export) or not path.exists():
        abort(404)
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=export.file_name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
