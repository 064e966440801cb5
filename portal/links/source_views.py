"""Marketing sources: a publisher's traffic sources, used to tag links and group reports."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.accounts.auth import owned_or_404
from portal.extensions import db
from portal.forms import ActionForm, apply_errors
from portal.htmx import partial_wanted, respond
from portal.links.forms import MarketingSourceForm
from portal.links.models import MarketingSource
from portal.links.service import (
    LinkError,
    count_source_links,
    create_marketing_source,
    delete_marketing_source,
    list_marketing_sources,
    update_marketing_source,
)
from portal.links.views import _publisher_id, publishers_only

sources_bp = Blueprint("marketing_sources", __name__, url_prefix="/marketing-sources")


def _sources_page(create_form: MarketingSourceForm, status: int = 200, editing: MarketingSource | None = None, edit_form=None):
    body = render_template(
        "links/sources.html",
        form=create_form,
        sources=list_marketing_sources(_publisher_id()),
        editing=editing,
        edit_form=edit_form,
        delete_form=ActionForm(),
    )
    return respond(body, status)


def _source_row(source: MarketingSource, status: int = 200, error: str | None = None, **headers):
    body = render_template(
        "links/_source_row.html", source=source, links=count_source_links(source), delete_form=ActionForm(),
        row_error=error,
    )
    return respond(body, status, **headers)


def _edit_row(source: MarketingSource, form: MarketingSourceForm, status: int = 200):
    return respond(render_template("links/_source_edit_row.html", source=source, edit_form=form), status)


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
            apply_errors(form, {error.field or "": [str(error)]})
        else:
            db.session.commit()
            if partial_wanted():
                # The new row is appended to the table; a blank create form replaces the old one out of band.
                body = render_template(
                    "links/_source_created.html", source=source, links=0, delete_form=ActionForm(),
                    form=MarketingSourceForm(formdata=None),
                )
                return respond(body, 201)
            flash(f"Marketing source “{source.name}” is added.", "success")
            return redirect(url_for("marketing_sources.index"))
    db.session.rollback()
    if partial_wanted():
        return respond(
            render_template("links/_source_form.html", form=form), 400, **{"HX-Retarget": "#source-create", "HX-Reswap": "outerHTML"}
        )
    return _sources_page(form, 400)


@sources_bp.get("/<int:source_id>")
@publishers_only
def row(source_id: int):
    """One row (HTMX: "Cancel" of an edit); a browser without JS goes to the list."""
    source = owned_or_404(MarketingSource, source_id, publisher_id=_publisher_id())
    if not partial_wanted():
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
                apply_errors(form, {error.field or "": [str(error)]})
            else:
                db.session.commit()
                if partial_wanted():
                    return _source_row(source)
                flash(f"Marketing source “{source.name}” is saved.", "success")
                return redirect(url_for("marketing_sources.index"))
        db.session.rollback()
        status = 400
    if partial_wanted():
        return _edit_row(source, form, status)
    return _sources_page(MarketingSourceForm(formdata=None), status, editing=source, edit_form=form)


@sources_bp.post("/<int:source_id>/delete")
@publishers_only
def delete(source_id: int):
    source = owned_or_404(MarketingSource, source_id, publisher_id=_publisher_id())
    error, name = None, source.name
    try:
        delete_marketing_source(source)
    except LinkError as refused:
        db.session.rollback()
        error = str(refused)
    else:
        db.session.commit()
    if partial_wanted():
        # An empty 200 answer removes the row; a refusal redraws it with the reason.
        return _source_row(source, 400, error) if error else respond("")
    flash(error or f"Marketing source “{name}” is deleted.", "error" if error else "success")
    return redirect(url_for("marketing_sources.index"))
