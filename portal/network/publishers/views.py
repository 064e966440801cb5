"""Admin → Publishers: list (search, status filter, sorting, pages, bulk actions), create, the publisher
page (profile edited in place, users, custom payouts and throttles, and the sections other packages add to it
through `publisher_page`) and archive / restore."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.blueprint import actor_id, apply_bulk, archive_or_restore, bp, list_state
from portal.network.managers import account_managers
from portal.network.models import Publisher
from portal.network.publishers.custom_terms import term_labels, term_offers
from portal.network.publishers.forms import (
    CustomPayoutForm,
    CustomThrottleForm,
    InviteUserForm,
    PublisherBulkForm,
    PublisherFilterForm,
    PublisherForm,
)
from portal.network.publishers.service import (
    PUBLISHER_SORTS,
    archive_publisher,
    bulk_update_publishers,
    create_publisher,
    restore_publisher,
    search_publishers,
    update_publisher,
)
from portal.network.reach import (
    get_or_404,
    offers_in_reach,
    own_by_default,
    publisher_pages,
    publisher_scope,
    publishers_in_reach,
)
from portal.network.users.service import publisher_users
from portal.paging import parse_sort
from portal.signals import publisher_page
from portal.validation import Invalid

SECTIONS = {
    "profile": "network/publisher/_profile.html",
    "users": "network/publisher/_users.html",
    "payouts": "network/publisher/_payouts.html",
    "throttles": "network/publisher/_throttles.html",
    "blocked": "subids/_publisher_blocked.html",
}


def _publishers_table(source, status: int = 200, message: str = "", error: str = ""):
    form = PublisherFilterForm(formdata=source)
    form.fill_managers(account_managers(Publisher))
    form.validate()
    sort = parse_sort(form.sort.data, PUBLISHER_SORTS, "name")
    state, page_number = list_state(form, sort, "name", source)
    page = search_publishers(form.q.data or "", form.status_value(), sort, page_number, form.manager_value(actor_id()),
                             publishers_in_reach(current_user))
    context = dict(form=form, page=page, sort=sort, state=state, page_number=page_number,
                   bulk_form=PublisherBulkForm(formdata=None), message=message, error=error)
    return page_or_partial("network/publisher/list.html", "network/publisher/_table.html", status, **context)


@bp.get("/publishers")
@publisher_pages
def publishers():
    return _publishers_table(request.args)


@bp.post("/publishers/bulk")
@publisher_pages
def publishers_bulk():
    message, error = apply_bulk(partial(bulk_update_publishers, within=publishers_in_reach(current_user)), "publisher")
    if partial_wanted():
        return _publishers_table(request.form, 400 if error else 200, message, error)
    flash(error or message, "error" if error else "success")
    filters = PublisherFilterForm(formdata=request.form)
    state, page = list_state(filters, parse_sort(request.form.get("sort"), PUBLISHER_SORTS, "name"), "name", request.form)
    return redirect(url_for("network_admin.publishers", page=page if page > 1 else None, **state))


@bp.route("/publishers/new", methods=["GET", "POST"])
@publisher_pages
def publisher_new():
    form = PublisherForm()
    form.fill_choices(account_managers(Publisher))
    if request.method == "GET":
        own_by_default(current_user, form, publisher_scope)
    if request.method == "POST" and form.validate():
        try:
            publisher = create_publisher(actor_id(), form.values(), publisher_scope(current_user))
        except Invalid as error:
            db.session.rollback()
            form.apply(error)
        else:
            db.session.commit()
            flash(f"Publisher “{publisher.name}” is added: invite its users below.", "success")
            return redirect(url_for("network_admin.publisher", publisher_id=publisher.id))
    return respond(render_template("network/publisher/new.html", form=form), 400 if request.method == "POST" else 200)


def publisher_page_context(publisher: Publisher, redrawn: str | None = None, **state) -> dict:
    """Everything the publisher page, or its `redrawn` section alone, shows; `state` overrides one section's forms
    and messages."""
    offers = term_offers(offers_in_reach(current_user))
    payout_form = CustomPayoutForm(formdata=None, prefix="new-payout")
    throttle_form = CustomThrottleForm(formdata=None, prefix="new-throttle")
    context = dict(
        publisher=publisher,
        action_form=ActionForm(),
        profile_form=None,
        users=publisher_users(publisher.id),
        invite_form=InviteUserForm(formdata=None, prefix="invite"),
        invite_link=None,
        link_user=None,
        payout_form=payout_form,
        editing_payout=None,
        payout_edit_form=None,
        throttle_form=throttle_form,
        editing_throttle=None,
        throttle_edit_form=None,
        section=None,
        section_message="",
        section_error="",
        **term_labels(publisher.id, offers_in_reach(current_user)),
    )
    context.update(state)
    for name in ("payout_form", "payout_edit_form", "throttle_form", "throttle_edit_form"):
        if context[name] is not None:
            context[name].fill_choices(offers)
    for _, sections in publisher_page.send(publisher, viewer=current_user, redrawn=redrawn, state=state):
        context.update(sections)
    return context


def publisher_section(publisher: Publisher, section: str | None, status: int = 200, **state):
    """One section for HTMX, or the whole page for a browser without JS."""
    redrawn = section if partial_wanted() else None
    context = publisher_page_context(publisher, redrawn, section=section, **state)
    return respond(render_template(SECTIONS[redrawn] if redrawn else "network/publisher/page.html", **context), status)


def section_done(publisher: Publisher, section: str, message: str, **state):
    """Commit a section's change: HTMX (or an answer that shows something once) gets the section back, a browser
    without JS a redirect to it."""
    db.session.commit()
    if partial_wanted() or state:
        return publisher_section(get_or_404(Publisher, publisher.id), section, section_message=message, **state)
    flash(message, "success")
    return redirect(url_for("network_admin.publisher", publisher_id=publisher.id, _anchor=section))


def section_refused(publisher_id: int, section: str, message: str = "", **state):
    """Roll a section's change back and answer 400 with the section (its form as typed) or the whole page."""
    db.session.rollback()
    return publisher_section(get_or_404(Publisher, publisher_id), section, 400, section_error=message, **state)


def publisher_child(model, child_id: int, publisher: Publisher):
    """A row of the publisher's (a user, a custom term, a block); another publisher's is a 404."""
    child = get_or_404(model, child_id)
    if child.publisher_id != publisher.id:
        abort(404)
    return child


@bp.get("/publishers/<int:publisher_id>")
@publisher_pages
def publisher(publisher_id: int):
    return publisher_section(get_or_404(Publisher, publisher_id), None)


@bp.route("/publishers/<int:publisher_id>/edit", methods=["GET", "POST"])
@publisher_pages
def publisher_edit(publisher_id: int):
    """The profile, edited in place on the publisher page."""
    publisher = get_or_404(Publisher, publisher_id)
    if request.method == "GET":
        form = PublisherForm(obj=publisher, formdata=None)
        form.status.data = publisher.status.value
        form.fill_choices(account_managers(Publisher, publisher.manager_id))
        return publisher_section(publisher, "profile", profile_form=form)
    form = PublisherForm()
    form.fill_choices(account_managers(Publisher, publisher.manager_id))
    if form.validate():
        try:
            changes = update_publisher(actor_id(), publisher, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            db.session.commit()
            message = f"Publisher “{publisher.name}” is saved." if changes else "Nothing changed."
            if partial_wanted():
                return publisher_section(publisher, "profile", section_message=message)
            flash(message, "success")
            return redirect(url_for("network_admin.publisher", publisher_id=publisher.id))
    db.session.rollback()
    return publisher_section(get_or_404(Publisher, publisher_id), "profile", 400, profile_form=form)


@bp.post("/publishers/<int:publisher_id>/archive")
@publisher_pages
def publisher_archive(publisher_id: int):
    publisher = get_or_404(Publisher, publisher_id)
    return archive_or_restore(publisher, archive_publisher, f"Publisher “{publisher.name}” is archived: its links stop sending traffic.",
                              "network_admin.publisher", publisher_id=publisher.id)


@bp.post("/publishers/<int:publisher_id>/restore")
@publisher_pages
def publisher_restore(publisher_id: int):
    publisher = get_or_404(Publisher, publisher_id)
    return archive_or_restore(publisher, restore_publisher, f"Publisher “{publisher.name}” is restored.",
                              "network_admin.publisher", publisher_id=publisher.id)
