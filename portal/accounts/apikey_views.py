"""Settings → API keys: an advertiser user manages its advertiser's keys, an admin the network's; only while the
user's `api_access_enabled` is on (403 otherwise). Keys belong to the advertiser or the network, not to the user, so
turning a user's API access off leaves the keys already made working."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, make_response, render_template, request
from flask_login import current_user

from portal.accounts.auth import owned_or_404, role_required
from portal.accounts.forms import ApiKeyForm
from portal.accounts.models import ApiKey, Role
from portal.accounts.service import (
    api_key_owner,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from portal.extensions import db
from portal.forms import ActionForm

bp = Blueprint("api_keys", __name__, url_prefix="/settings/api-keys")


def managers(view):
    """Admins and advertiser users with API access; 403 for anyone else."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.api_access_enabled:
            abort(403)
        return view(*args, **kwargs)
    return role_required(Role.ADMIN, Role.ADVERTISER)(guarded)


def _api_base() -> str:
    return current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")


def _page(form: ApiKeyForm, status: int = 200, new_key: ApiKey | None = None, secret: str | None = None):
    response = make_response(
        render_template(
            "accounts/api_keys.html",
            form=form,
            revoke_form=ActionForm(),
            keys=list_api_keys(api_key_owner(current_user)),
            new_key=new_key,
            new_secret=secret,
            api_base=_api_base(),
        ),
        status,
    )
    if secret:
        response.headers["Cache-Control"] = "no-store"  # the secret must not come back from a cache or history
    return response


@bp.route("", methods=["GET", "POST"])
@managers
def index():
    form = ApiKeyForm()
    if form.validate_on_submit():
        key, secret = create_api_key(form.name.data, api_key_owner(current_user), created_by_id=current_user.id)
        db.session.commit()
        return _page(ApiKeyForm(formdata=None), 201, key, secret)
    return _page(form, 400 if form.errors else 200)


@bp.post("/<int:key_id>/revoke")
@managers
def revoke(key_id: int):
    key = owned_or_404(ApiKey, key_id, advertiser_id=api_key_owner(current_user))
    revoke_api_key(key)
    db.session.commit()
    if request.htmx:
        response = make_response(render_template("accounts/_apikey_row.html", key=key, revoke_form=ActionForm()))
    else:
        flash(f"The key “{key.name}” is revoked; requests using it are refused.", "success")
        response = _page(ApiKeyForm(formdata=None))
    response.vary.add("HX-Request")
    return response
