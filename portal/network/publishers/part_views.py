"""The publisher page's in-place sections: users (invite, status, set-password links), custom payouts and
custom throttles (the blocked sub IDs are portal.subids.publisher_views'). HTMX gets the section redrawn; a
browser without JS gets the whole page (errors, a new link to copy) or a redirect back to it."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from portal.accounts.models import User
from portal.extensions import db
from portal.htmx import partial_wanted
from portal.network.blueprint import actor_id, bp
from portal.network.models import CustomPayout, CustomThrottle, Publisher
from portal.network.publishers.custom_terms import (
    add_custom_payout,
    add_custom_throttle,
    delete_custom_payout,
    delete_custom_throttle,
    update_custom_payout,
    update_custom_throttle,
)
from portal.network.publishers.forms import CustomPayoutForm, CustomThrottleForm, InviteUserForm
from portal.network.publishers.views import publisher_child, publisher_section, section_done, section_refused
from portal.network.reach import get_or_404, offers_in_reach, publisher_pages
from portal.network.users.service import USER_CHANGES, invite_user, new_password_link, set_user_status
from portal.validation import Invalid


@bp.get("/publishers/<int:publisher_id>/<any(profile, users, payouts, throttles, blocked):section>")
@publisher_pages
def publisher_part(publisher_id: int, section: str):
    """One section as it stands (HTMX: "Cancel" of an in-place edit); without JS, the publisher page."""
    publisher = get_or_404(Publisher, publisher_id)
    if not partial_wanted():
        return redirect(url_for("network_admin.publisher", publisher_id=publisher.id, _anchor=section))
    return publisher_section(publisher, section)


# ---------------------------------------------------------------- users


@bp.post("/publishers/<int:publisher_id>/users")
@publisher_pages
def publisher_user_invite(publisher_id: int):
    publisher = get_or_404(Publisher, publisher_id)
    form = InviteUserForm(prefix="invite")
    if form.validate():
        try:
            user, token = invite_user(actor_id(), publisher, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            # Shown once on this answer (never flashed into the session cookie): the admin copies it.
            link = url_for("accounts.set_password", token=token, _external=True)
            return section_done(publisher, "users", f"{user.email} is invited: send them the link below.", invite_link=link, link_user=user)
    return section_refused(publisher_id, "users", invite_form=form)


@bp.post("/publishers/<int:publisher_id>/users/<int:user_id>/<any(activate, deactivate, suspend, link):change>")
@publisher_pages
def publisher_user_change(publisher_id: int, user_id: int, change: str):
    publisher = get_or_404(Publisher, publisher_id)
    user = publisher_child(User, user_id, publisher)
    try:
        if change == "link":
            token = new_password_link(actor_id(), user)
        else:
            set_user_status(actor_id(), user, USER_CHANGES[change])
    except Invalid as refused:
        return section_refused(publisher_id, "users", " ".join(refused.errors.values()))
    if change == "link":
        link = url_for("accounts.set_password", token=token, _external=True)
        return section_done(publisher, "users", f"A new set-password link for {user.email}:", invite_link=link, link_user=user)
    return section_done(publisher, "users", f"{user.email} is {user.status.value.lower()}.")


# ---------------------------------------------------------------- custom payouts and throttles

TERMS = {
    "payouts": (CustomPayout, CustomPayoutForm, add_custom_payout, update_custom_payout, delete_custom_payout, "payout", "Custom payout"),
    "throttles": (CustomThrottle, CustomThrottleForm, add_custom_throttle, update_custom_throttle, delete_custom_throttle, "throttle", "Throttle"),
}


@bp.post("/publishers/<int:publisher_id>/<any(payouts, throttles):section>")
@publisher_pages
def custom_term_add(publisher_id: int, section: str):
    _, form_cls, add, _, _, key, noun = TERMS[section]
    publisher = get_or_404(Publisher, publisher_id)
    form = form_cls(prefix=f"new-{key}")
    if form.validate():
        try:
            add(actor_id(), publisher, form.values(), offers_in_reach(current_user))
        except Invalid as error:
            form.apply(error)
        else:
            return section_done(publisher, section, f"{noun} is added.")
    return section_refused(publisher_id, section, **{f"{key}_form": form})


@bp.route("/publishers/<int:publisher_id>/<any(payouts, throttles):section>/<int:row_id>/edit", methods=["GET", "POST"])
@publisher_pages
def custom_term_edit(publisher_id: int, section: str, row_id: int):
    model, form_cls, _, update, _, key, noun = TERMS[section]
    publisher = get_or_404(Publisher, publisher_id)
    row = publisher_child(model, row_id, publisher)
    prefix = f"{key}-{row.id}"
    if request.method == "GET":
        form = form_cls(obj=row, prefix=prefix, formdata=None)
        for name in ("payout_type", "revenue_type", "throttle_status"):
            if hasattr(form, name):
                getattr(form, name).data = getattr(row, name).value
        return publisher_section(publisher, section, **{f"editing_{key}": row, f"{key}_edit_form": form})
    form = form_cls(prefix=prefix)
    if form.validate():
        try:
            update(actor_id(), publisher, row, form.values(), offers_in_reach(current_user))
        except Invalid as error:
            form.apply(error)
        else:
            return section_done(publisher, section, f"{noun} is saved.")
    db.session.rollback()
    publisher = get_or_404(Publisher, publisher_id)
    return publisher_section(publisher, section, 400, **{f"editing_{key}": publisher_child(model, row_id, publisher), f"{key}_edit_form": form})


@bp.post("/publishers/<int:publisher_id>/<any(payouts, throttles):section>/<int:row_id>/delete")
@publisher_pages
def custom_term_delete(publisher_id: int, section: str, row_id: int):
    model, _, _, _, delete, _, noun = TERMS[section]
    publisher = get_or_404(Publisher, publisher_id)
    row = publisher_child(model, row_id, publisher)
    try:
        delete(actor_id(), publisher, row)
    except Invalid as refused:
        return section_refused(publisher_id, section, " ".join(refused.errors.values()))
    return section_done(publisher, section, f"{noun} is deleted.")
