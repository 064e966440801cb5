"""Admin → Users: every portal user, filtered by role and searched by email. Read-only for now."""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from portal.accounts.auth import role_required
from portal.accounts.forms import UserFilterForm
from portal.accounts.models import Role
from portal.accounts.service import search_users

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    form = UserFilterForm(formdata=request.args)
    form.validate()
    page = search_users(form.selected_role(), form.email_query(), request.args.get("page", 1, type=int))
    filters = {name: value for name, value in (("role", form.role.data), ("q", form.q.data)) if value}
    # A history restore needs the whole page even though htmx asks for it.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "accounts/_users_table.html" if partial else "accounts/admin_users.html"
    response = make_response(render_template(template, form=form, page=page, filters=filters))
    response.vary.add("HX-Request")
    return response
