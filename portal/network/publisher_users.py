"""A publisher's users: invite (a user without a password plus a one-time set-password link), status
changes (Active / Deactivated / Suspended; only Active users sign in) and new links. Audited; flushed."""
from __future__ import annotations

from sqlalchemy import select

from portal import validation
from portal.accounts.invites import make_token
from portal.accounts.models import Role, User, UserStatus
from portal.accounts.service import AccountError, create_user
from portal.audit.service import record
from portal.extensions import db
from portal.network.models import Publisher
from portal.validation import Invalid

USER_CHANGES = {"activate": UserStatus.ACTIVE, "deactivate": UserStatus.DEACTIVATED, "suspend": UserStatus.SUSPENDED}


def publisher_users(publisher_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.publisher_id == publisher_id).order_by(User.email, User.id)))


def invite_user(actor_id: int, publisher: Publisher, values: dict) -> tuple[User, str]:
    """A new Active user of the publisher with no password yet, and the token of its set-password link."""
    if publisher.archived_at is not None:
        raise Invalid({"": "The publisher is archived; restore it before you invite users."})
    errors: dict[str, str] = {}
    first_name = validation.text(
        errors, "first_name", values.get("first_name"), 100, required="Enter the user's first name."
    )
    last_name = validation.text(errors, "last_name", values.get("last_name"), 100)
    email = (values.get("email") or "").strip()
    if not email:
        errors["email"] = "Enter the user's email address."
    if errors:
        raise Invalid(errors)
    try:
        user = create_user(email, None, Role.PUBLISHER, publisher_id=publisher.id, first_name=first_name,
                           last_name=last_name, timezone=publisher.timezone)
    except AccountError as refused:
        raise Invalid({refused.field or "": str(refused)}) from refused
    record(actor_id, "invite", user, {"email": (None, user.email), "publisher_id": (None, publisher.id),
                                      "status": (None, user.status)})
    return user, make_token(user)


def set_user_status(actor_id: int, user: User, status: UserStatus) -> bool:
    """A Deactivated or Suspended user cannot sign in, and an open session ends at its next request."""
    if user.status == status:
        return False
    before, user.status = user.status, status
    db.session.flush()
    record(actor_id, "update", user, {"status": (before, status)})
    return True


def new_password_link(actor_id: int, user: User) -> str:
    """A fresh set-password token (for a lost invite or a forgotten password); the old password keeps
    working until the link is used."""
    if user.status != UserStatus.ACTIVE:
        raise Invalid({"": "Activate the user before you send a set-password link."})
    record(actor_id, "password_link", user, {})
    return make_token(user)
