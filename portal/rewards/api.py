"""The rewards API (seed 002 shapes) for the network's scripts: header `x-api-key` with a network key.

`{username}` is the publisher user's `username`. Lists are newest first, 25 a page, with `total` and
`page_size`. All endpoints share one limit per key (REWARDS_API_RATE_LIMIT, 5000 per hour)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, g, jsonify, request

from portal.accounts.api_auth import key_from_header, note_key_use
from portal.accounts.service import LiveKey
from portal.extensions import csrf, db, limiter
from portal.ids import MAX_ID, parse_id
from portal.ops.errors import error_response
from portal.paging import MAX_PAGE, page_number
from portal.rewards.catalogue import list_rewards
from portal.rewards.models import Redemption, Reward
from portal.rewards.points import PointsError, balance, find_fan, give_bonus
from portal.rewards.redemptions import RedemptionConflict, search_redemptions, set_completed

bp = Blueprint("rewards_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # authenticated by API key, not by a session cookie

KEY_HEADER = "x-api-key"
PAGE_SIZE = 25
PAGE_MESSAGE = f"page must be a whole number from 1 to {MAX_PAGE}."
ENDPOINTS = (
    "rewards_api.rewards", "rewards_api.redemptions", "rewards_api.redemption", "rewards_api.fan_points", "rewards_api.fan_bonus",
)


@bp.before_request
def authenticate_network_key():
    if request.endpoint not in ENDPOINTS:
        return None  # another blueprint's route under /api/v1 (or a 404): not ours to guard
    key = key_from_header(KEY_HEADER)
    if not isinstance(key, LiveKey):
        return key
    if key.advertiser_id is not None:
        # A valid key of the wrong kind: 403, as the events API answers a network key (401 is for no valid key).
        return error_response(403, "Forbidden", "The rewards API takes a network API key, not an advertiser's.")
    g.rewards_key_hash = key.key_hash
    note_key_use(key)
    db.session.commit()
    return None


def _limit() -> str:
    return current_app.config["REWARDS_API_RATE_LIMIT"]


def _limit_key() -> str:
    return f"rewards-key:{g.rewards_key_hash}"


# One budget per key across every endpoint here, as the reference API counts requests per key.
limited = limiter.shared_limit(
    _limit, scope="rewards-api", key_func=_limit_key, error_message="Too many requests for this API key."
)


def _stamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and Z, as the reference API writes times."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _page() -> int | None:
    return page_number(request.args.get("page") or "1")


def _flag(name: str):
    """(value, ok): a missing flag is None; only true / false are accepted."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None, True
    return {"true": True, "false": False}.get(raw.lower()), raw.lower() in ("true", "false")


def reward_json(reward: Reward) -> dict:
    return {
        "reward_id": reward.id,
        "created_at": _stamp(reward.created_at),
        "title": reward.title,
        "description": reward.description,
        "bot_command": "",
        "enabled": reward.enabled,
        "points": reward.points_cost,
        "sub_only": False,
        "input_fields": reward.input_fields or [],
    }


def redemption_json(redemption: Redemption) -> dict:
    return {
        "reward_id": redemption.reward_id,
        "redemption_id": redemption.id,
        "created_at": _stamp(redemption.created_at),
        "refunded": redemption.refunded,
        "completed": redemption.completed,
        "user_input": redemption.user_input or {},
        "username": redemption.user.username,
    }


def _json_body():
    """The body parsed as JSON whatever its Content-Type: the seed's own examples send none. None if not JSON."""
    return request.get_json(force=True, silent=True)


def _bad(message: str):
    return error_response(400, "Bad Request", message)


def _not_found(message: str):
    return error_response(404, "Not Found", message)


@bp.get("/rewards")
@limited
def rewards():
    page = _page()
    if page is None:
        return _bad(PAGE_MESSAGE)
    result = list_rewards(page=page, per_page=PAGE_SIZE)
    return jsonify(rewards=[reward_json(r) for r in result.items], total=result.total, page_size=PAGE_SIZE)


@bp.get("/redemptions")
@limited
def redemptions():
    page = _page()
    completed, completed_ok = _flag("completed")
    refunded, refunded_ok = _flag("refunded")
    reward_id = request.args.get("reward_id", "")
    if page is None:
        return _bad(PAGE_MESSAGE)
    if not (completed_ok and refunded_ok):
        return _bad("completed and refunded must be true or false.")
    if reward_id and parse_id(reward_id) is None:
        return _bad(f"reward_id must be a whole number up to {MAX_ID}.")
    result = search_redemptions(
        completed=completed, refunded=refunded, reward_id=parse_id(reward_id) if reward_id else None,
        page=page, per_page=PAGE_SIZE,
    )
    return jsonify(redemptions=[redemption_json(r) for r in result.items], total=result.total, page_size=PAGE_SIZE)


@bp.route("/redemptions/<int:redemption_id>", methods=["GET", "PATCH"])
@limited
def redemption(redemption_id: int):
    found = db.session.get(Redemption, redemption_id)
    if found is None:
        return _not_found("No redemption has this id.")
    if request.method == "PATCH":
        body = _json_body()
        if not isinstance(body, dict) or not isinstance(body.get("completed"), bool):
            return _bad('Send a JSON body such as {"completed": true}.')
        try:
            set_completed(found, body["completed"], actor_id=None)
        except RedemptionConflict as conflict:
            db.session.rollback()
            return _bad(str(conflict))
        db.session.commit()
    return jsonify(redemption=redemption_json(found))


def _loyalty(fan) -> dict:
    points = balance(fan.id)
    return {
        "fan": fan.username,
        "total_points": points.total_points,
        "current_points": points.current_points,
        "updated_at": _stamp(points.updated_at or fan.created_at),
    }


@bp.get("/fans/<username>/points")
@limited
def fan_points(username: str):
    fan = find_fan(username)
    if fan is None:
        return _not_found("No fan has this username.")
    return jsonify(loyalty=_loyalty(fan))


@bp.post("/fans/<username>/points/bonus")
@limited
def fan_bonus(username: str):
    fan = find_fan(username)
    if fan is None:
        return _not_found("No fan has this username.")
    body = _json_body()
    if not isinstance(body, dict) or "amount" not in body:
        return _bad('Send a JSON body such as {"amount": 100}.')
    try:
        give_bonus(fan, body["amount"], actor_id=None)
    except PointsError as invalid:
        db.session.rollback()
        return _bad(str(invalid))
    db.session.commit()
    return jsonify(loyalty=_loyalty(fan))
