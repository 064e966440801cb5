"""Publisher pages: tracking links (list, builder with live preview, archive / restore) and marketing sources.

Every route is for publisher users only (403 for other roles) and loads objects through the
publisher's scope (404 for anyone else's). HTMX requests get the partial of the same route.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal.accounts.auth import owned_or_404, role_required
from portal.accounts.models import Role
from portal.extensions import db
from portal.forms import ActionForm, apply_errors, optional_int
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.links.forms import LinkFilterForm, LinkForm
from portal.links.models import TrackingLink
from portal.links.service import (
    LinkError,
    archive_link,
    create_link,
    link_destination,
    restore_link,
    search_links,
    tracking_url,
    update_link,
)
from portal.network.offers.access import can_promote

bp = Blueprint("links", __name__, url_prefix="/links")
publishers_only = role_required(Role.PUBLISHER)
PLACEHOLDER_ID = "LINK_ID"  # shown in the preview until the link is saved and has its real id


def _publisher_id() -> int:
    return current_user.publisher_id


def click_url(public_id: str) -> str:
    """The public click URL of a link: PUBLIC_BASE_URL when set, else the host the request came to."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for("tracking.click", public_id=public_id)
    return url_for("tracking.click", public_id=public_id, _external=True)


# ---------------------------------------------------------------- tracking links


@bp.get("")
@publishers_only
def index():
    form = LinkFilterForm(formdata=request.args)
    form.fill_choices(_publisher_id())
    form.validate()
    page = search_links(_publisher_id(), **form.criteria(), page=request.args.get("page", 1, type=int))
    return page_or_partial(
        "links/index.html", "links/_links_table.html",
        form=form, page=page, filters=form.query_args(), action_form=ActionForm(), click_url=click_url,
    )


def _builder(form: LinkForm, link: TrackingLink | None, status: int = 200, saved: str = "", **headers):
    """The link builder: the whole page, or only the builder form for HTMX."""
    context = dict(form=form, link=link, saved=saved, preview=_preview_context(form, link))
    return page_or_partial("links/builder.html", "links/_builder.html", status, headers, **context)


def _preview_context(form: LinkForm, link: TrackingLink | None) -> dict:
    errors = form.preview_errors()
    subs = {name: ("" if name in errors else value) for name, value in form.subs().items()}
    relative_path = "" if "relativepath" in errors else (form.relativepath.data or "")
    public_id = link.public_id if link is not None else PLACEHOLDER_ID
    offer_id = form.offer_id.data if form.offer_id.data != -1 else None
    landing_page_id = form.landing_page_id.data if form.landing_page_id.data != -1 else None
    destination = link_destination(_publisher_id(), offer_id, landing_page_id)
    return {
        "url": tracking_url(click_url(public_id), subs, relative_path),
        "placeholder": link is None,
        "subs": {name: value for name, value in subs.items() if value},
        "relative_path": relative_path,
        "destination": destination,
        "errors": errors,
    }


def _prefill_preview(form: LinkForm) -> None:
    """Sub IDs are not stored: after a save without JS they travel in the query string of the redirect."""
    for name in LinkForm.PREVIEW_FIELDS:
        if request.args.get(name):
            getattr(form, name).data = request.args[name]


def _preview_args(form: LinkForm) -> dict:
    return {name: getattr(form, name).data for name in LinkForm.PREVIEW_FIELDS if getattr(form, name).data}


@bp.route("/new", methods=["GET", "POST"])
@publishers_only
def new():
    form = LinkForm()
    if request.method == "GET":
        form.offer_id.data = optional_int(request.args.get("offer"))
    form.fill_choices(_publisher_id())
    if request.method == "GET" or "refresh" in request.form:
        return _builder(form, None)
    if form.validate():
        try:
            link = create_link(_publisher_id(), form.link_fields())
        except LinkError as error:
            apply_errors(form, {error.field or "": [str(error)]})
        else:
            db.session.commit()
            edit_url = url_for("links.edit", link_id=link.id, **_preview_args(form))
            if partial_wanted():
                return _builder(form, link, 201, saved="created", **{"HX-Push-Url": url_for("links.edit", link_id=link.id)})
            flash(f"Link “{link.name}” is ready: copy its URL below.", "success")
            return redirect(edit_url)
    return _builder(form, None, 400)


@bp.route("/<int:link_id>/edit", methods=["GET", "POST"])
@publishers_only
def edit(link_id: int):
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id())
    if request.method == "GET":
        form = LinkForm(obj=link, formdata=None)
        _prefill_preview(form)
    else:
        form = LinkForm()
    form.fill_choices(_publisher_id(), current_offer_id=link.offer_id)
    if request.method == "GET" or "refresh" in request.form:
        return _builder(form, link)
    if form.validate():
        try:
            update_link(link, form.link_fields())
        except LinkError as error:
            apply_errors(form, {error.field or "": [str(error)]})
        else:
            db.session.commit()
            if partial_wanted():
                return _builder(form, link, saved="updated")
            flash(f"Link “{link.name}” is saved.", "success")
            return redirect(url_for("links.edit", link_id=link.id, **_preview_args(form)))
    db.session.rollback()
    return _builder(form, link, 400)


@bp.post("/preview", defaults={"link_id": None})
@bp.post("/<int:link_id>/preview")
@publishers_only
def preview(link_id: int | None):
    """The preview partial for what the builder holds right now; nothing is saved."""
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id()) if link_id is not None else None
    form = LinkForm()
    form.fill_choices(_publisher_id(), current_offer_id=link.offer_id if link else None)
    form.validate()
    return respond(render_template("links/_preview.html", preview=_preview_context(form, link)))


@bp.get("/offer-options")
@publishers_only
def offer_options():
    """The landing page and creative selects for the picked offer (the builder swaps them in when the offer changes)."""
    offer_id = optional_int(request.args.get("offer_id"))
    if offer_id is not None and not can_promote(_publisher_id(), offer_id):
        abort(404)
    form = LinkForm(formdata=None)
    form.set_offer_choices(offer_id)
    # Tell the builder to refresh its preview now that the destination may have changed.
    return respond(render_template("links/_offer_options.html", form=form), **{"HX-Trigger-After-Settle": "links:options-changed"})


def _row_response(link: TrackingLink, message: str, error: str | None = None):
    if partial_wanted():
        body = render_template(
            "links/_link_row.html", link=link, action_form=ActionForm(), click_url=click_url, row_error=error
        )
        return respond(body, 400 if error else 200)
    flash(error or message, "error" if error else "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("links.index"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.post("/<int:link_id>/archive")
@publishers_only
def archive(link_id: int):
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id())
    archive_link(link)
    db.session.commit()
    return _row_response(link, f"Link “{link.name}” is archived: its clicks now get the not-found page.")


@bp.post("/<int:link_id>/restore")
@publishers_only
def restore(link_id: int):
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id())
    try:
        restore_link(link)
    except LinkError as error:
        db.session.rollback()
        return _row_response(link, "", error=str(error))
    db.session.commit()
    return _row_response(link, f"Link “{link.name}” is live again.")
