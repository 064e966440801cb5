"""The network admin blueprint (`network_admin`, under /admin) and the helpers its list and detail pages share:
the acting user, a list's state, bulk actions, archive / restore from a detail page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.network.forms import BulkForm
from portal.validation import Invalid

bp = Blueprint("network_admin", __name__, url_prefix="/admin")
EXPIRED = "The form expired; reload the page and try again."


def actor_id() -> int:
    """The signed-in staff user's id, the actor every change is audited under."""
    return current_user.id


def list_state(form, sort, default_sort: str, source) -> tuple[dict, int]:
    """The list's filters, sort and page as query arguments (defaults left out)."""
    state = form.query_args()
    state.pop("sort", None)
    if sort.param != default_sort:
        state["sort"] = sort.param
    page = source.get("page", 1, type=int)
    return state, page


def bulk_result(changed: int, noun: str) -> str:
    """The flash after a bulk action, such as “3 offers changed.”"""
    return f"{changed} {noun}{'' if changed == 1 else 's'} changed."


def apply_bulk(update, noun: str) -> tuple[str, str]:
    """Apply the posted bulk action to the selected ids; returns (message, error), committing on success."""
    form = BulkForm()
    if not form.validate():
        return "", EXPIRED
    try:
        changed = update(actor_id(), request.form.getlist("ids"), form.action.data)
    except Invalid as refused:
        db.session.rollback()
        return "", " ".join(refused.errors.values())
    db.session.commit()
    return bulk_result(changed, noun), ""


def archive_or_restore(obj, verb, done: str, endpoint: str, **ids):
    """Archive or restore from a detail page: flash the outcome and go back to it."""
    try:
        verb(actor_id(), obj)
    except Invalid as refused:
        db.session.rollback()
        flash(" ".join(refused.errors.values()), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(endpoint, **ids))
