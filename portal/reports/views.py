"""The report builder page and its saved presets. Every role has one: a publisher sees its own data, an
advertiser its offers', network staff what is in their reach. HTMX requests get only the results (chart and
table)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.accounts.auth import owned_or_404
from portal.accounts.models import STAFF_ROLES, Role
from portal.chart import build_chart
from portal.dateranges import DATE_RANGES
from portal.extensions import db
from portal.forms import ActionForm
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.reach import data_pages, data_reach
from portal.reports import options
from portal.reports.engine import series
from portal.reports.formats import format_number
from portal.reports.models import ReportPreset
from portal.reports.presets import (
    PresetError,
    delete_preset,
    preset_query,
    presets_of,
    regenerate_token,
    rename_preset,
    save_preset,
    set_enabled,
    token_for,
)
from portal.reports.query import DIMENSIONS, GRAINS, METRICS, InvalidQuery, ReportQuery, run
from portal.subids.service import names_by_value

bp = Blueprint("reports", __name__, url_prefix="/reports")
signed_in = data_pages(*STAFF_ROLES, Role.PUBLISHER, Role.ADVERTISER)


def _scope() -> dict:
    return {"publisher_id": current_user.publisher_id, "advertiser_id": current_user.advertiser_id,
            "reach": data_reach(current_user)}


def _query_from(args) -> ReportQuery:
    return ReportQuery.from_args(args, timezone=current_user.timezone, **_scope())


def pull_url(preset: ReportPreset) -> str:
    """The preset's token URL: PUBLIC_BASE_URL when set, else the host the request came to."""
    path = url_for("reports_api.pull", token=token_for(preset))
    base = current_app.config.get("PUBLIC_BASE_URL")
    return base + path if base else request.host_url.rstrip("/") + path


def _report_url(query: ReportQuery, **changes) -> str:
    return url_for("reports.index") + "?" + urlencode(query.to_args(**changes))


SUB_DIMENSIONS = ("sub1", "sub2", "sub3", "sub4", "sub5")


def _sub_id_names(query: ReportQuery, result) -> dict[str, str]:
    """A publisher's managed sub ID names for the sub ID values on this page of the report."""
    shown = [d for d in query.dimensions if d in SUB_DIMENSIONS]
    if query.publisher_id is None or not shown:
        return {}
    values = {row.keys.get(d, "") for row in result.rows for d in shown} - {""}
    return names_by_value(query.publisher_id, sorted(values)) if values else {}


def _context(query: ReportQuery, error: str = "") -> dict:
    result = run(query)
    labels, lines = series(query)
    return {
        "query": query,
        "result": result,
        "sub_id_names": _sub_id_names(query, result),
        "SUB_DIMENSIONS": SUB_DIMENSIONS,
        "chart": build_chart(labels, lines, format_number),
        "error": error,
        "report_url": lambda **changes: _report_url(query, **changes),
        "state": urlencode(query.to_args(page=None)),
        "format_number": format_number,
        "DIMENSIONS": DIMENSIONS,
        "METRICS": METRICS,
        "GRAINS": GRAINS,
        "DATE_RANGES": DATE_RANGES,
        "action_form": ActionForm(),
    }


@bp.get("")
@signed_in
def index():
    error, status = "", 200
    try:
        query = _query_from(request.args)
    except InvalidQuery as bad:
        error, status, query = str(bad), 400, _query_from(MultiDict())
    return page_or_partial("reports/page.html", "reports/_results.html", status,
                           page_only=lambda: dict(choices=options.choices(query), presets=_presets()),
                           **_context(query, error))


def _presets() -> list[tuple[ReportPreset, str]]:
    return [(preset, pull_url(preset)) for preset in presets_of(current_user)]


def _presets_response(status: int = 200, message: str = "", error: str = ""):
    body = render_template(
        "reports/_presets.html", presets=_presets(), action_form=ActionForm(), message=message, preset_error=error
    )
    return respond(body, status)


def _owned(preset_id: int) -> ReportPreset:
    return owned_or_404(ReportPreset, preset_id, owner_id=current_user.id)


def _done(message: str, back: str | None = None):
    db.session.commit()
    if partial_wanted():
        return _presets_response(message=message)
    flash(message, "success")
    return redirect(back or url_for("reports.index"))


@bp.post("/presets")
@signed_in
def save():
    form = ActionForm()
    if not form.validate_on_submit():
        return _presets_response(400, error="The form expired; reload the page.")
    state = MultiDict(parse_qsl(request.form.get("state", ""), keep_blank_values=True))
    try:
        query = _query_from(state)
        preset = save_preset(current_user, request.form.get("name", ""), query)
    except (InvalidQuery, PresetError) as bad:
        db.session.rollback()
        if partial_wanted():
            return _presets_response(400, error=str(bad))
        flash(str(bad), "error")
        return redirect(url_for("reports.index") + "?" + request.form.get("state", "")), 303
    return _done(f"Saved “{preset.name}”. Its token URL is below.", _report_url(query))


@bp.post("/presets/<int:preset_id>/regenerate")
@signed_in
def regenerate(preset_id: int):
    preset = _owned(preset_id)
    if not ActionForm().validate_on_submit():
        return _presets_response(400, error="The form expired; reload the page.")
    regenerate_token(preset)
    return _done(f"New token for “{preset.name}”: the old URL no longer works.")


@bp.post("/presets/<int:preset_id>/enabled")
@signed_in
def toggle(preset_id: int):
    preset = _owned(preset_id)
    if not ActionForm().validate_on_submit():
        return _presets_response(400, error="The form expired; reload the page.")
    enable = request.form.get("enabled") == "1"
    set_enabled(preset, enable)
    return _done(f"“{preset.name}” is {'enabled' if enable else 'disabled'}.")


@bp.post("/presets/<int:preset_id>/rename")
@signed_in
def rename(preset_id: int):
    preset = _owned(preset_id)
    if not ActionForm().validate_on_submit():
        return _presets_response(400, error="The form expired; reload the page.")
    try:
        rename_preset(preset, request.form.get("name", ""))
    except PresetError as bad:
        db.session.rollback()
        if partial_wanted():
            return _presets_response(400, error=str(bad))
        flash(str(bad), "error")
        return redirect(url_for("reports.index"))
    return _done(f"Renamed to “{preset.name}”.")


@bp.post("/presets/<int:preset_id>/delete")
@signed_in
def delete(preset_id: int):
    preset = _owned(preset_id)
    if not ActionForm().validate_on_submit():
        return _presets_response(400, error="The form expired; reload the page.")
    name = preset.name
    delete_preset(preset)
    return _done(f"Deleted “{name}”; its token no longer works.")


@bp.get("/presets/<int:preset_id>")
@signed_in
def open_preset(preset_id: int):
    """Open a saved preset in the builder."""
    query = preset_query(_owned(preset_id), current_user.timezone)
    return redirect(_report_url(query))
