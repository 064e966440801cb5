"""POST /api/v1/events: advertisers send player and web events with their API key."""
from __future__ import annotations

import orjson
from flask import Blueprint, current_app, g, request

from portal.accounts.api_auth import bearer_secret, key_from_header, note_key_use
from portal.accounts.service import LiveKey
from portal.events.service import (
    ACCEPTED,
    DUPLICATE,
    ERROR,
    BadPayload,
    IngestResult,
    ingest,
    parse_payload,
)
from portal.extensions import csrf, db, limiter
from portal.ops.errors import error_response

bp = Blueprint("events_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # authenticated by API key, not by a session cookie

KEY_HEADER = "X-API-Key"
CUSTOMER_HEADER = "x-customer-id"  # seed 004: sent beside Authorization: Bearer; our customer id is the advertiser id


@bp.before_request
def authenticate_advertiser_key():
    """Only live advertiser keys get past here; the key is remembered for the rate limit and the view."""
    key = key_from_header(KEY_HEADER)
    if not isinstance(key, LiveKey):
        return key
    if key.advertiser_id is None:
        return error_response(403, "Forbidden", "Only an advertiser's API key may send events; this is a network key.")
    refusal = _customer_refusal(key.advertiser_id)
    if refusal is not None:
        return refusal
    g.events_key, g.events_advertiser_id, g.events_key_hash = key, key.advertiser_id, key.key_hash


def _customer_refusal(advertiser_id: int):
    """Seed 004's `x-customer-id`: required with the Bearer scheme, and when sent (with either scheme) it must be
    the key's advertiser id, so a key pasted into another customer's integration is refused, not misfiled."""
    customer = request.headers.get(CUSTOMER_HEADER)
    if customer is None:
        if request.headers.get(KEY_HEADER) is None and bearer_secret() is not None:
            return error_response(401, "Unauthorized", f"The {CUSTOMER_HEADER} header is missing (your advertiser id).")
        return None
    if customer.strip() != str(advertiser_id):
        return error_response(401, "Unauthorized", f"The {CUSTOMER_HEADER} header does not match the API key's advertiser.")
    return None


def _rate_limit() -> str:
    return current_app.config["EVENTS_RATE_LIMIT"]


def _rate_limit_key() -> str:
    return f"events-key:{g.events_key_hash}"


@bp.post("/events")
@limiter.limit(_rate_limit, key_func=_rate_limit_key, error_message="Too many requests for this API key.")
def receive_events():
    try:
        result = ingest(g.events_advertiser_id, parse_payload(request.get_data(cache=False)))
    except BadPayload as exc:
        return error_response(400, "Bad Request", str(exc))
    note_key_use(g.events_key)
    db.session.commit()
    return _respond(result)


def _respond(result: IngestResult):
    trace_id = g.get("request_id", "")
    if result.single:
        [item] = result.items
        if item.status not in (ACCEPTED, DUPLICATE):
            return error_response(409 if item.conflict else 400, "Conflict" if item.conflict else "Bad Request", item.error)
        body = {"event_id": item.event_id, "idempotency_key": item.idempotency_key, "status": item.status}
        return _json({"result": body, "trace_id": trace_id}, 202 if item.status == ACCEPTED else 200)
    if result.users:
        return _respond_users(result, trace_id)
    summary = result.summary
    if summary["accepted"]:
        status = 202
    elif summary["errors"] == summary["total"]:
        status = 400
    else:  # nothing new: all repeats (or repeats and errors)
        status = 200
    return _json({"summary": summary, "results": [_item(i) for i in result.items], "trace_id": trace_id}, status)


def _respond_users(result: IngestResult, trace_id: str):
    """Seed 004's answer to a user batch: users accepted and rejected, one error per rejected user
    (`userIndex`, `message`), 202 when any user was accepted, else 400 "validation failed". Our per-event
    `summary` and `results` come along as extra fields."""
    messages: dict[int, list[str]] = {}
    for item in result.items:
        if item.status == ERROR and not item.withheld and item.error not in messages.setdefault(item.user_index, []):
            messages[item.user_index].append(item.error)
    errors = [{"userIndex": u, "message": "; ".join(found)} for u, found in sorted(messages.items()) if found]
    body = {"trace_id": trace_id, "users_accepted": result.users - len(errors), "users_rejected": len(errors),
            "errors": errors, "summary": result.summary, "results": [_item(i) for i in result.items]}
    if not body["users_accepted"]:
        return _json({"error": "validation failed", **body}, 400)
    return _json(body, 202)


def _json(body: dict, status: int):
    """The answer as JSON, written by orjson: a batch answer holds one event id (a UUID) per event."""
    return current_app.response_class(orjson.dumps(body, default=str), status=status, mimetype="application/json")


def _item(item) -> dict:
    body = {"index": item.index, "status": item.status}
    if item.user_index is not None:
        body["user_index"] = item.user_index
    if item.event_id is not None:
        body["event_id"] = item.event_id
    if item.error is not None:
        body["error"] = item.error
    return body
