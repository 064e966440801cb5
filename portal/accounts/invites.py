"""One-time set-password links: signed, expiring, and dead once used.

The token signs the user's id with a salt that includes the user's current password hash (none for a
fresh invite), so setting a password changes the salt and every earlier link stops verifying. No
state is stored: a new link for the same user works alongside an unused older one until either is
used or expires."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.accounts.models import User, UserStatus
from portal.accounts.passwords import hash_password, password_problem
from portal.accounts.service import AccountError
from portal.extensions import db

MAX_AGE_SECONDS = 3 * 24 * 3600


class InvalidLink(ValueError):
    """The link is tampered with, used, expired, or its user may not sign in."""


def _serializer(user: User | None) -> URLSafeTimedSerializer:
    password_hash = user.password_hash if user is not None else None
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"set-password|{password_hash or ''}")


def make_token(user: User) -> str:
    return _serializer(user).dumps(user.id)


def user_for_token(token: str) -> User:
    """The user a valid link belongs to; InvalidLink with the reason to show otherwise."""
    # The salt depends on the user, so read the (unverified) id first, then verify with that user's salt.
    _, claimed = _serializer(None).loads_unsafe(token)
    user = db.session.get(User, claimed) if isinstance(claimed, int) else None
    if user is None:
        raise InvalidLink("This link is not valid.")
    try:
        _serializer(user).loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired as exc:
        raise InvalidLink("This link has expired.") from exc
    except BadSignature as exc:
        raise InvalidLink("This link is not valid, or it has been used already.") from exc
    if user.status != UserStatus.ACTIVE:
        raise InvalidLink("This account is not active.")
    return user


def set_password_with_token(token: str, password: str) -> User:
    user = user_for_token(token)
    if problem := password_problem(password):
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    db.session.flush()
    return user
