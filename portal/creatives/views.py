"""Creatives pages: the admin's banner list and upload (within the staff user's reach over offers,
portal.network.reach), the publisher's gallery, the banner files. The embed code page is portal.links.embed_views."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.creatives import service
from portal.creatives.forms import (
    CreativeFilterForm,
    UploadCreativeForm,
)
from portal.creatives.models import Creative
from portal.creatives.storage import FORMATS, BannerError, banner_path
from portal.extensions import db
from portal.forms import ActionForm, apply_errors
from portal.htmx import page_or_partial, respond
from portal.network.reach import advertiser_pages, found_or_404, offers_in_reach, rows_in_reach

bp = Blueprint("creatives", __name__, url_prefix="/creatives")
admin_bp = Blueprint("creatives_admin", __name__, url_prefix="/admin/creatives")

CONTENT_TYPES = dict(FORMATS.values())  # extension -> content type
# Names are content hashes: a name's bytes never change, so caches may keep them for a year.
BANNER_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",  # embedded on publishers' sites
}


# --- public ------------------------------------------------------------------------------------------


@bp.get("/<file_name>")
def banner(file_name: str):
    """A stored banner file; public because banners load on publishers' sites."""
    try:
        path = banner_path(file_name)
    except BannerError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=CONTENT_TYPES[path.suffix.lstrip(".")], conditional=True, etag=True, max_age=31536000
    )
    response.headers.update(BANNER_HEADERS)
    return response


# --- admin -------------------------------------------------------------------------------------------


@admin_bp.get("")
@advertiser_pages
def index():
    in_reach = rows_in_reach(current_user, Creative)
    filters = CreativeFilterForm(formdata=request.args)
    filters.set_choices(service.offers_with_creatives(offers_in_reach(current_user)),
                        service.creative_sizes(select(Creative).where(in_reach)))
    page_number = request.args.get("page", 1, type=int)
    page = service.admin_creatives(filters.offer_id(), filters.selected_size(), page_number, in_reach)
    context = {"filters": filters, "page": page, "active": filters.active(), "archive_form": ActionForm()}
    return page_or_partial("creatives/admin_index.html", "creatives/_admin_table.html", **context)


@admin_bp.route("/new", methods=["GET", "POST"])
@advertiser_pages
def upload():
    form = UploadCreativeForm()
    form.set_offers(service.uploadable_offers(offers_in_reach(current_user)))
    if form.validate_on_submit():
        try:
            creative = service.upload_creative(
                offer_id=form.offer_id.data,
                name=form.name.data,
                alt_text=form.alt_text.data or "",
                width=form.width.data,
                height=form.height.data,
                data=form.file.data.read(),
                offers=offers_in_reach(current_user),
            )
        except service.CreativeError as refused:
            apply_errors(form, {refused.field: [refused.message]})
        else:
            db.session.commit()
            flash(f"“{creative.name}” ({creative.width}×{creative.height}) is uploaded.", "success")
            return redirect(url_for("creatives_admin.index", offer=creative.offer_id), 303)
    status = 400 if form.errors else 200
    return render_template("creatives/admin_upload.html", form=form), status


@admin_bp.post("/<public_id>/archive")
@advertiser_pages
def archive(public_id: str):
    return _set_archived(public_id, service.archive_creative, "is archived: publishers no longer see it.")


@admin_bp.post("/<public_id>/restore")
@advertiser_pages
def restore(public_id: str):
    return _set_archived(public_id, service.restore_creative, "is restored to the gallery.")


def _set_archived(public_id: str, change, done: str):
    creative = found_or_404(service.find_creative(public_id))
    form = ActionForm()
    if form.validate_on_submit():
        change(creative)
        db.session.commit()
    if request.htmx:
        return respond(render_template("creatives/_admin_row.html", creative=creative, archive_form=form))
    flash(f"“{creative.name}” {done}", "success")
    response = redirect(url_for("creatives_admin.index"), 303)
    response.vary.add("HX-Request")
    return response


# --- publisher ---------------------------------------------------------------------------------------


@bp.get("")
@role_required(Role.PUBLISHER)
def gallery():
    publisher_id = current_user.publisher_id
    filters = CreativeFilterForm(formdata=request.args)
    filters.set_choices(service.gallery_offers(publisher_id), service.gallery_sizes(publisher_id))
    creatives = service.gallery(publisher_id, filters.offer_id(), filters.selected_size())
    return page_or_partial("creatives/gallery.html", "creatives/_gallery.html", filters=filters, creatives=creatives)
