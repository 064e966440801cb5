"""Publisher page: its own conversions, read only, with payout totals per status and currency."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.conversions.forms import PublisherFilterForm
from portal.conversions.listing import Scope, payout_totals, row_details, search_conversions
from portal.htmx import page_or_partial

bp = Blueprint("my_conversions", __name__, url_prefix="/my/conversions")


@bp.get("")
@role_required(Role.PUBLISHER)
def index():
    scope = Scope(publisher_id=current_user.publisher_id)
    form = PublisherFilterForm(formdata=request.args)
    form.fill_choices(scope)
    form.validate()
    criteria = form.criteria(current_user.timezone)
    page = search_conversions(scope, criteria, page=request.args.get("page", 1, type=int))
    return page_or_partial(
        "conversions/mine.html", "conversions/_my_table.html",
        form=form, page=page, filters=form.query_args(), details=row_details(page.items),
        totals=payout_totals(scope, criteria),
    )
