"""Publisher pages: tracking links (list, builder with live preview, archive / restore) and marketing sources.

Every route is for publisher users only (403 for other roles) and loads objects through the
publisher's scope (404 for anyone else's). HTMX requests get the partial of the same route.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import owned_or_404, role_required
from portal.accounts.models import Role
from portal.extensions import db
from portal.links.forms import DeleteForm, LinkFilterForm, LinkForm, MarketingSourceForm, optional_int
from portal.links.models import MarketingSource, TrackingLink
from portal.links.service import (
    LinkError,
    archive_link,
    count_source_links,
    create_link,
    create_marketing_source,
    delete_marketing_source,
    link_destination,
    list_marketing_sources,
    restore_link,
    search_links,
    tracking_url,
    update_link,
    update_marketing_source,
)
from portal.network.access import can_promote
from portal.tracking.service import SUB_FIELDS

bp = Blueprint("links", __name__, url_prefix="/links")
sources_bp = Blueprint("marketing_sources", __name__, url_prefix="/marketing-sources")
publishers_only = role_required(Role.PUBLISHER)
PLACEHOLDER_ID = "LINK_ID"  # shown in the preview until the link is saved and has its real id


def _publisher_id() -> int:
    return current_user.publisher_id


def _partial_wanted() -> bool:
    # A history restore needs the whole page even though htmx asks for it.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _respond(body: str, status: int = 200, **headers):
    response = make_response(body, status)
    response.headers.update(headers)
    response.vary.add("HX-Request")
    return response


def _apply_error(form, error: LinkError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error)]
    else:
        form.form_errors.append(str(error))


def click_url(public_id: str) -> str:
    """The public click URL of a link: PUBLIC_BASE_URL when set, else the host the request came to."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for("tracking.click", link_id=public_id)
    return url_for("tracking.click", link_id=public_id, _external=True)


# ---------------------------------------------------------------- tracking links


@bp.get("")
@publishers_only
def index():
    form = LinkFilterForm(formdata=request.args)
    form.fill_choices(_publisher_id())
    form.validate()
    page = search_links(_publisher_id(), **form.criteria(), page=request.args.get("page", 1, type=int))
    template = "links/_links_table.html" if _partial_wanted() else "links/index.html"
    return _respond(
        render_template(template, form=form, page=page, filters=form.query_args(), action_form=DeleteForm(), click_url=click_url)
    )


def _builder(form: LinkForm, link: TrackingLink | None, status: int = 200, saved: str = "", **headers):
    """The link builder: the whole page, or only the builder form for HTMX."""
    template = "links/_builder.html" if _partial_wanted() else "links/builder.html"
    context = dict(form=form, link=link, saved=saved, preview=_preview_context(form, link))
    return _respond(render_template(template, **context), status, **headers)


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
            _apply_error(form, error)
        else:
            db.session.commit()
            edit_url = url_for("links.edit", link_id=link.id, **_preview_args(form))
            if _partial_wanted():
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
            _apply_error(form, error)
        else:
            db.session.commit()
            if _partial_wanted():
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
    return _respond(render_template("links/_preview.html", preview=_preview_context(form, link)))


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
    return _respond(render_template("links/_offer_options.html", form=form), **{"HX-Trigger-After-Settle": "links:options-changed"})


def _row_response(link: TrackingLink, message: str, error: str | None = None):
    if _partial_wanted():
        body = render_template(
            "links/_link_row.html", link=link, action_form=DeleteForm(), click_url=click_url, row_error=error
        )
        return _respond(body, 400 if error else 200)
    flash(error or message, "error" if error else "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("links.index"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.post("/<int:link_id>/archive")
@publishers_only
def archive(link_id: int):
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id())
    if not DeleteForm().validate_on_submit():
        return _row_response(link, "", error="The form expired; reload the page and try again.")
    archive_link(link)
    db.session.commit()
    return _row_response(link, f"Link “{link.name}” is archived: its clicks now get the not-found page.")


@bp.post("/<int:link_id>/restore")
@publishers_only
def restore(link_id: int):
    link = owned_or_404(TrackingLink, link_id, publisher_id=_publisher_id())
    if not DeleteForm().validate_on_submit():
        return _row_response(link, "", error="The form expired; reload the page and try again.")
    try:
        restore_link(link)
    except LinkError as error:
        db.session.rollback()
        return _row_response(link, "", error=str(error))
    db.session.commit()
    return _row_response(link, f"Link “{link.name}” is live again.")


# ---------------------------------------------------------------- marketing sources


def _sources_page(create_form: MarketingSourceForm, status: int = 200, editing: MarketingSource | None = None, edit_form=None):
    body = render_template(
        "links/sources.html",
        form=create_form,
        sources=list_marketing_sources(_publisher_id()),
        editing=editing,
        edit_form=edit_form,
        delete_form=DeleteForm(),
    )
    return _respond(body, status)


def _source_row(source: MarketingSource, status: int = 200, error: str | None = None, **headers):
    body = render_template(
        "links/_source_row.html", source=source, links=count_source_links(source), delete_form=DeleteForm(), row_error=error
    )
    return _respond(body, status, **headers)


def _edit_row(source: MarketingSource, form: MarketingSourceForm, status: int = 200):
    return _respond(render_template("links/_source_edit_row.html", source=source, edit_form=form), status)


@sources_bp.route("", methods=["GET", "POST"])
@publishers_only
def index():
    form = MarketingSourceForm()
    if request.method == "GET":
        return _sources_page(form)
    if form.validate():
        try:
            source = create_marketing_source(_publisher_id(), form.name.data, form.kind.data, form.url.data or "")
        except LinkError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            if _partial_wanted():
                # The new row is appended to the table; a blank create form replaces the old one out of band.
                body = render_template(
                    "links/_source_created.html", source=source, links=0, delete_form=DeleteForm(),
                    form=MarketingSourceForm(formdata=None),
                )
                return _respond(body, 201)
            flash(f"Marketing source “{source.name}” is added.", "success")
            return redirect(url_for("marketing_sources.index"))
    db.session.rollback()
    if _partial_wanted():
        return _respond(
            render_template("links/_source_form.html", form=form), 400, **{"HX-Retarget": "#source-create", "HX-Reswap": "outerHTML"}
        )
    return _sources_page(form, 400)


@sources_bp.get("/<int:source_id>")
@publishers_only
def row(source_id: int):
    """One row (HTMX: "Cancel" of an edit); a browser without JS goes to the list."""
    source = owned_or_404(MarketingSource, source_id, publisher_id=_publisher_id())
    if not _partial_wanted():
        return redirect(url_for("marketing_sources.index"))
    return _source_row(source)


@sources_bp.route("/<int:source_id>/edit", methods=["GET", "POST"])
@publishers_only
def edit(source_id: int):
    source = owned_or_404(MarketingSource, source_id, publisher_id=_publisher_id())
    # A prefix keeps the row's field ids apart from the create form's on the same page.
    prefix = f"source-{source.id}"
    form = MarketingSourceForm(obj=source, prefix=prefix) if request.method == "GET" else MarketingSourceForm(prefix=prefix)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                update_marketing_source(source, form.name.data, form.kind.data, form.url.data or "")
            except LinkError as error:
                _apply_error(form, error)
            else:
                db.session.commit()
                if _partial_wanted():
                    return _source_row(source)
                flash(f"Marketing source “{source.name}” is saved.", "success")
                return redirect(url_for("marketing_sources.index"))
        db.session.rollback()
        status = 400
    if _partial_wanted():
        return _edit_row(source, form, status)
    return _sources_page(MarketingSourceForm(formdata=None), status, editing=source, edit_form=form)


@sources_bp.post("/<int:source_id>/delete")
@publishers_only
def delete(source_id: int):
    source = owned_or_404(MarketingSource, source_id, publisher_id=_publisher_id())
    error = None
    if not DeleteForm().validate_on_submit():
        error = "The form expired; reload the page and try again."
    else:
        try:
            name = source.name
            delete_marketing_source(source)
        except LinkError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
    if _partial_wanted():
        # An empty 200 answer removes the row; a refusal redraws it with the reason.
        return _source_row(source, 400, error) if error else _respond("")
    flash(error or f"Marketing source “{name}” is deleted.", "error" if error else "success")
    return redirect(url_for("marketing_sources.index"))
