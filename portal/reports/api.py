"""`GET /api/v1/reports/{token}`: a saved report pulled by a script; the token is the credential."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from portal.extensions import csrf, limiter
from portal.reports.formats import as_json, csv_lines
from portal.reports.presets import owner_timezone, preset_query, pullable_preset
from portal.reports.query import InvalidQuery, parse_date, run

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
csrf.exempt(api_bp)

# A token is a secret in a URL: keep it out of caches and out of the Referer of any onward request.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    response.headers.update(PRIVATE)
    return response


@api_bp.get("/<token>")
@limiter.limit("600 per hour")
def pull(token: str):
    preset = pullable_preset(token)
    if preset is None:
        return _error(401, "unknown or disabled report token")
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        return _error(400, "format: expected csv or json")
    try:
        start = parse_date(request.args["startDate"], "startDate") if request.args.get("startDate") else None
        end = parse_date(request.args["endDate"], "endDate") if request.args.get("endDate") else None
        query = preset_query(preset, owner_timezone(preset)).with_dates(start, end)
    except InvalidQuery as bad:
        return _error(400, str(bad))
    result = run(query, paginate=False)
    if fmt == "json":
        response = jsonify(as_json(result))
    else:
        body = "".join(csv_lines(result.columns, result.rows, result.totals))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="report.csv"'
    response.headers.update(PRIVATE)
    return response
