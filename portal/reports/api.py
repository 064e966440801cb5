"""`GET /api/v1/reports/{token}`: a saved report pulled by a script; the token is the credential."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from flask_limiter.util import get_remote_address

from portal.extensions import csrf, limiter
from portal.jsontext import compact_json
from portal.ops.errors import error_response
from portal.reports.formats import as_json, csv_lines
from portal.reports.presets import owner_timezone, preset_query, pullable_preset
from portal.reports.query import InvalidQuery, parse_date, run

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
csrf.exempt(api_bp)

# A token is a secret in a URL: keep it out of caches and out of the Referer of any onward request.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PULL_RATE_LIMIT = "600 per hour"  # per token; REPORT_PULL_RATE_LIMIT overrides it


@api_bp.after_request
def keep_private(response: Response) -> Response:
    """Every answer of a pull (data, 400, 401, 429) stays out of caches and Referers."""
    response.headers.update(PRIVATE)
    return response


def _pull_rate_limit() -> str:
    return current_app.config.get("REPORT_PULL_RATE_LIMIT", PULL_RATE_LIMIT)


def _preset():
    """The pullable preset of the request's token (looked up once per request), or None."""
    if "report_preset" not in g:
        g.report_preset = pullable_preset((request.view_args or {}).get("token", ""))
    return g.report_preset


def _pull_rate_key() -> str:
    """A live token counts against its own preset's budget wherever it is pulled from; an unknown or
    disabled token counts against the caller's address, so guessing never spends a real token's budget."""
    preset = _preset()
    if preset is not None:
        return f"report-preset:{preset.id}"
    return f"report-miss:{get_remote_address()}"


def _error(status: int, title: str, message: str):
    """The API error shape: `{"error": message, "trace_id": the request id}`."""
    return error_response(status, title, message)


@api_bp.get("/<token>")
@limiter.limit(_pull_rate_limit, key_func=_pull_rate_key, error_message="Too many pulls of this report; try later.")
def pull(token: str):
    preset = _preset()
    if preset is None:
        return _error(401, "Unauthorized", "unknown or disabled report token")
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        return _error(400, "Bad Request", "format: expected csv or json")
    try:
        start = parse_date(request.args["startDate"], "startDate") if request.args.get("startDate") else None
        end = parse_date(request.args["endDate"], "endDate") if request.args.get("endDate") else None
        query = preset_query(preset, owner_timezone(preset)).with_dates(start, end)
    except InvalidQuery as bad:
        return _error(400, "Bad Request", str(bad))
    result = run(query, paginate=False)
    if fmt == "json":
        return Response(compact_json(as_json(result)), mimetype="application/json")
    body = "".join(csv_lines(result.columns, result.rows, result.totals))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="report.csv"'
    return response
