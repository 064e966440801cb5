"""API-key authentication shared by the JSON APIs: the header, the look-up, and when a key was last used."""
from __future__ import annotations

from flask import Response, request
from sqlalchemy import or_, update

from portal.accounts.models import ApiKey
from portal.accounts.service import LAST_USED_EVERY, LiveKey, find_live_key
from portal.extensions import db
from portal.ops.errors import error_response
from portal.types import utcnow


def bearer_secret() -> str | None:
    """The secret of an `Authorization: Bearer <key>` header (seed 004's scheme), or None when there is none."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def key_from_header(header: str) -> LiveKey | Response:
    """The live key named by `header` (or, when that header is absent, by `Authorization: Bearer <key>`),
    or the 401 answer for a missing, unknown or revoked one."""
    secret = request.headers.get(header) or bearer_secret()
    if not secret:
        return error_response(401, "Unauthorized", f"The {header} header (or Authorization: Bearer <key>) is missing.")
    key = find_live_key(secret)
    if key is None:
        return error_response(401, "Unauthorized", "The API key is not valid (unknown or revoked).")
    return key


def note_key_use(key: LiveKey) -> None:
    """Record when the key was last used, at most once a minute (`LiveKey.use_to_note`): not a row write on
    every request. Flushes in the caller's transaction."""
    if not key.use_to_note:
        return
    now = utcnow()
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_EVERY))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
