"""Admin → Users: every portal user (search, filters, sorting, pages), inviting network and advertiser
users with a one-time set-password link, editing a row in place, status changes one by one or on a
selection. Admins only; HTMX gets the fragment it swaps, a browser without JS the whole page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.advertisers.service import advertiser_choices
from portal.network.users.forms import UserBulkForm, UserFilterForm, UserForm
from portal.network.users.service import (
    USER_SORTS,
    bulk_change_status,
    change_status,
    invite_staff_or_advertiser_user,
    list_users,
    new_password_link,
    update_user,
)
from portal.paging import Sort, parse_sort
from portal.validation import Invalid

bp = Blueprint("users_admin", __name__, url_prefix="/admin")
admins_only = role_required(Role.ADMIN)
EXPIRED = "The form expired; reload the page and try again."
NO_STORE = {"Cache-Control": "no-store"}  # answers that carry a set-password link


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_form(user: User | None = None, formdata=None) -> UserForm:
    """`formdata=None` fills the form from `user`; otherwise from the posted form."""
    prefix = f"user-{user.id}" if user else "invite"
    form = UserForm(prefix=prefix, obj=user, formdata=None) if formdata is None else UserForm(prefix=prefix)
    if user is not None and formdata is None:
        form.role.data = user.role.value
        form.publisher_manager_access.data = user.publisher_manager_access.value
        form.advertiser_manager_access.data = user.advertiser_manager_access.value
    form.fill_choices(advertiser_choices(user.advertiser_id if user else None))
    return form


def _list_state(source) -> tuple[UserFilterForm, Sort, dict]:
    """The filter form, the sort, and both as query arguments (defaults left out)."""
    form = UserFilterForm(formdata=source)
    form.fill_choices(advertiser_choices())
    form.validate()
    sort = parse_sort(form.sort.data, USER_SORTS, "email")
    state = form.query_args()
    if sort.param != "email":
        state["sort"] = sort.param
    return form, sort, state


def _list_context(source, **extra) -> dict:
    form, sort, state = _list_state(source)
    page_number = source.get("page", 1, type=int)
    page = list_users(form.email_query(), form.selected_role(), form.selected_status(), form.selected_advertiser(), sort, page_number)
    filters = {name: value for name, value in state.items() if name != "sort"}
    context = dict(form=form, page=page, sort=sort, state=state, filters=filters, page_number=page_number,
                   bulk_form=UserBulkForm(formdata=None), action_form=ActionForm(), message="", error="",
                   invite_form=_user_form(), invite_link=None, invited=None)
    context.update(extra)
    return context


def _list_page(source, status: int = 200, headers: dict | None = None, **extra):
    context = _list_context(source, **extra)
    return page_or_partial("network/users/list.html", "network/users/_table.html", status, headers, **context)


@bp.get("/users")
@admins_only
def users():
    return _list_page(request.args)


@bp.post("/users/bulk")
@admins_only
def users_bulk():
    form = UserBulkForm()
    message = error = ""
    if not form.validate():
        error = EXPIRED
    else:
        try:
            changed = bulk_change_status(current_user, request.form.getlist("ids"), form.action.data)
        except Invalid as refused:
            db.session.rollback()
            error = " ".join(refused.errors.values())
        else:
            db.session.commit()
            message = f"{changed} user{'' if changed == 1 else 's'} changed."
    if partial_wanted():
        return _list_page(request.form, 400 if error else 200, message=message, error=error)
    flash(error or message, "error" if error else "success")
    page_number = request.form.get("page", 1, type=int)
    return redirect(url_for("users_admin.users", page=page_number if page_number > 1 else None, **_list_state(request.form)[2]))


@bp.post("/users/invite")
@admins_only
def user_invite():
    form = _user_form(formdata=request.form)
    if form.validate():
        try:
            user, token = invite_staff_or_advertiser_user(current_user.id, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            db.session.commit()
            # Shown once on this answer (never flashed into the session cookie): the admin copies it.
            link = url_for("accounts.set_password", token=token, _external=True)
            extra = dict(invite_link=link, invited=user)
            if partial_wanted():
                body = render_template("network/users/_invite.html", **_list_context(request.args, **extra))
                return respond(body, 201, **NO_STORE, **{"HX-Trigger": "users-changed"})
            return _list_page(request.args, 201, NO_STORE, **extra)
    db.session.rollback()
    if partial_wanted():
        return respond(render_template("network/users/_invite.html", **_list_context(request.args, invite_form=form)), 400)
    return _list_page(request.args, 400, invite_form=form)


def _row(user: User, status: int = 200, **extra):
    body = render_template("network/users/_row.html", user=user, action_form=ActionForm(), **extra)
    return respond(body, status, **(NO_STORE if extra.get("invite_link") else {}))


@bp.get("/users/<int:user_id>")
@admins_only
def user_row(user_id: int):
    """The row as it stands (HTMX: "Cancel" of an in-place edit); without JS, the list."""
    user = _user_or_404(user_id)
    if not partial_wanted():
        return redirect(url_for("users_admin.users", q=user.email))
    return _row(user)


def _edit(user: User, form: UserForm, status: int = 200):
    return page_or_partial("network/users/edit.html", "network/users/_edit_row.html", status, user=user, edit_form=form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admins_only
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _edit(user, _user_form(user))
    form = _user_form(user, request.form)
    if form.validate():
        try:
            changes = update_user(current_user, user, form.values())
        except Invalid as error:
            form.apply(error)
        else:
            db.session.commit()
            message = f"{user.email} is saved." if changes else "Nothing changed."
            if partial_wanted():
                return _row(user, row_message=message)
            flash(message, "success")
            return redirect(url_for("users_admin.users"))
    db.session.rollback()
    return _edit(_user_or_404(user_id), form, 400)


@bp.post("/users/<int:user_id>/<any(activate, deactivate, suspend, link):change>")
@admins_only
def user_change(user_id: int, change: str):
    user = _user_or_404(user_id)
    error = link = None
    try:
        if change == "link":
            link = url_for("accounts.set_password", token=new_password_link(current_user.id, user), _external=True)
        else:
            change_status(current_user, user, change)
    except Invalid as refused:
        error = " ".join(refused.errors.values())
    if error:
        db.session.rollback()
        user = _user_or_404(user_id)
    else:
        db.session.commit()
    message = None if error else (f"A new set-password link for {user.email}:" if link else f"{user.email} is {user.status.value.lower()}.")
    if partial_wanted():
        return _row(user, 400 if error else 200, row_error=error, row_message=message, invite_link=link)
    if link:
        return _list_page(request.args, 200, NO_STORE, invite_link=link, invited=user)
    flash(error or message, "error" if error else "success")
    return redirect(url_for("users_admin.users"), 303)
