"""Raw log pages (clicks, conversions, hourly impressions) for every role, each scoped to the viewer's rows.

A publisher sees its own rows, an advertiser the rows of its offers, staff the rows in their reach. HTMX filter
changes get the table partial of the same route.
"""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from portal.accounts.models import STAFF_ROLES, Role
from portal.htmx import page_or_partial
from portal.logs.service import LOGS, LogFilter, LogFilterInvalid, LogPage, log_page, offer_choices, scope_of
from portal.network.reach import data_pages
from portal.timezones import zone

bp = Blueprint("logs", __name__, url_prefix="/logs")
signed_in = data_pages(*STAFF_ROLES, Role.PUBLISHER, Role.ADVERTISER)
# The export kind (portal/exports) that writes each log.
EXPORT_KINDS = {"clicks": "click_logs", "conversions": "conversion_logs", "impressions": "impression_logs"}


@signed_in
def show(name: str):
    log = LOGS[name]
    scope = scope_of(current_user)
    tz = zone(current_user.timezone)
    error, status = None, 200
    try:
        log_filter = LogFilter.from_args(request.args)
    except LogFilterInvalid as invalid:
        error, status = str(invalid), 400
        log_filter = LogFilter()
    if error:
        page = LogPage(rows=[], page=1, per_page=1, total=0)
    else:
        page = log_page(log, log_filter, scope, tz, page=request.args.get("page", 1, type=int))
    context = dict(
        log=log, logs=LOGS, page=page, error=error, filters=log_filter.to_args(), export_kind=EXPORT_KINDS[name],
        header=log.header(scope), cells=[log.cells(row, tz, scope) for row in page.rows], zone_name=tz.key,
    )
    return page_or_partial("logs/index.html", "logs/_table.html", status,
                           page_only=lambda: dict(offers=offer_choices(scope), args=request.args), **context)


# One endpoint per log (logs.clicks, logs.conversions, logs.impressions), so menus can link to each.
for _name in LOGS:
    bp.add_url_rule(f"/{_name}", endpoint=_name, view_func=show, defaults={"name": _name}, methods=["GET"])
