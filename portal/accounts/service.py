"""Account verbs: create users, sign-in checks, passwords, API keys. They flush, never commit."""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import STAFF_ROLES, ApiKey, Role, User, UserStatus
from portal.accounts.passwords import hash_password, password_problem, verify_password
from portal.extensions import db
from portal.paging import paginate
from portal.sql import run
from portal.types import utcnow

API_KEY_PREFIX = "tl_"
LAST_USED_EVERY = timedelta(minutes=1)  # how often a key's last use is written: not a row write per request
USERS_PER_PAGE = 50


class AccountError(ValueError):
    """A request the account rules refuse; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc), "email") from exc


def _username_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]", "", email.split("@")[0].lower())[:48] or "user"
    candidate, n = base, 1
    while db.session.scalar(select(User.id).where(User.username == candidate)):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def create_user(
    email: str,
    password: str | None,
    role: Role,
    publisher_id: int | None = None,
    advertiser_id: int | None = None,
    **profile,
) -> User:
    """Add a user; publisher and advertiser users must name their organisation, network staff none."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError("A user with this email already exists.", "email")
    if role == Role.PUBLISHER and (not publisher_id or advertiser_id):
        raise AccountError("A publisher user belongs to one publisher and no advertiser.", "publisher_id")
    if role == Role.ADVERTISER and (not advertiser_id or publisher_id):
        raise AccountError("An advertiser user belongs to one advertiser and no publisher.", "advertiser_id")
    if role in STAFF_ROLES and (publisher_id or advertiser_id):
        raise AccountError("Network staff belong to the network, not to a publisher or advertiser.", "role")
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem, "password")
    user = User(
        email=email,
        username=profile.pop("username", None) or _username_for(email),
        password_hash=hash_password(password) if password else None,
        role=role,
        publisher_id=publisher_id,
        advertiser_id=advertiser_id,
        **profile,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (the same answer for every failure)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user.status != UserStatus.ACTIVE:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not verify_password(user.password_hash, current):
        raise AccountError("The current password is not right.", "current_password")
    if problem := password_problem(new):
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    db.session.flush()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(name: str, advertiser_id: int | None, created_by_id: int | None = None) -> tuple[ApiKey, str]:
    """Make a key and return it with its secret: the only time the secret exists outside the caller."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name.strip() or "API key",
        prefix=secret[:10],
        key_hash=_digest(secret),
        advertiser_id=advertiser_id,
        created_by_id=created_by_id,
    )
    db.session.add(key)
    db.session.flush()
    return key, secret


class LiveKey(NamedTuple):
    """A live API key as the APIs need it, read as plain values (every API request reads one)."""

    id: int
    advertiser_id: int | None
    key_hash: str
    use_to_note: bool  # last used over LAST_USED_EVERY ago, or never: `note_key_use` records this use


def find_live_key(secret: str | None) -> LiveKey | None:
    """The live key matching `secret`, or None. The lookup is by hash, the final check constant-time.

    Every API request runs it first, so it goes straight to the driver (`run`): through the ORM session
    it cost 0.35 ms or more of CPU per request on top."""
    if not secret or not secret.startswith(API_KEY_PREFIX):
        return None
    digest = _digest(secret)
    rows = run(_key_statement(), {"digest": digest, "noted_before": utcnow() - LAST_USED_EVERY})
    if not rows or not hmac.compare_digest(rows[0][2], digest):
        return None
    key_id, advertiser_id, key_hash, use_to_note = rows[0]
    return LiveKey(key_id, advertiser_id, key_hash, bool(use_to_note))


def find_api_key(secret: str | None) -> ApiKey | None:
    """`find_live_key` as the ApiKey row."""
    live = find_live_key(secret)
    return db.session.get(ApiKey, live.id) if live is not None else None


@functools.cache
def _key_statement():
    """The unrevoked key with hash `digest`, as `LiveKey`'s columns: whether its last use was noted
    before `noted_before` is worked out in the query, so no time comes back through `run`; built once."""
    keys = ApiKey.__table__
    noted_before = bindparam("noted_before", type_=keys.c.last_used_at.type)
    use_to_note = or_(keys.c.last_used_at.is_(None), keys.c.last_used_at < noted_before)
    return select(keys.c.id, keys.c.advertiser_id, keys.c.key_hash, use_to_note.label("use_to_note")).where(
        keys.c.key_hash == bindparam("digest"), keys.c.revoked_at.is_(None)
    )


def revoke_api_key(key: ApiKey, when: datetime | None = None) -> None:
    """Stop a key working; revoking twice keeps the first time."""
    key.revoked_at = key.revoked_at or when or utcnow()
    db.session.flush()


def api_key_owner(user: User) -> int | None:
    """The advertiser whose keys `user` manages; None stands for the network's keys (admins only)."""
    if user.role == Role.ADVERTISER:
        return user.advertiser_id
    if user.role == Role.ADMIN:
        return None
    raise AccountError("Only admins and advertiser users have API keys.")


def list_api_keys(advertiser_id: int | None) -> list[ApiKey]:
    """One owner's keys, newest first: an advertiser's, or the network's when `advertiser_id` is None."""
    owner = ApiKey.advertiser_id.is_(None) if advertiser_id is None else ApiKey.advertiser_id == advertiser_id
    return list(db.session.scalars(select(ApiKey).where(owner).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def search_users(
    role: Role | None = None,
    email: str = "",
    page: int = 1,
    per_page: int = USERS_PER_PAGE,
    *,
    status: UserStatus | None = None,
    advertiser_id: int | None = None,
    order_by=None,
) -> Pagination:
    """A page of users (by email unless `order_by` says otherwise), optionally of one role, status and
    advertiser, with `email` in their address or name."""
    query = select(User).options(selectinload(User.publisher), selectinload(User.advertiser))
    query = query.order_by(*(order_by if order_by is not None else (User.email, User.id)))
    if role is not None:
        query = query.where(User.role == role)
    if status is not None:
        query = query.where(User.status == status)
    if advertiser_id is not None:
        query = query.where(User.advertiser_id == advertiser_id)
    if needle := email.strip().lower():
        full_name = func.lower(User.first_name + " " + User.last_name)
        query = query.where(
            func.lower(User.email).contains(needle, autoescape=True) | full_name.contains(needle, autoescape=True)
        )
    return paginate(query, page, per_page)
