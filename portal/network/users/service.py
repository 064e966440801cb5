"""Staff administration of the network's users. Admin → Users: invite a network user (admin or account manager) or
an advertiser user, edit a user, change statuses (one or a selection). A publisher's page: invite its users. Both:
status changes (Active / Deactivated / Suspended; only Active users sign in) and new set-password links. Every
change is audited; they flush, never commit.

Publisher users are invited on their publisher's page; Admin → Users edits them and changes their status, but they
keep their role and publisher. An admin may not deactivate, suspend or demote themselves, so the network never
locks out the person at the keyboard. Network staff also carry seed 003's manager flags and reach; staff and
advertiser users carry `api_access_enabled`. A user who stops being network staff, or loses a manager flag, stops
managing the advertisers or publishers it covered."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal import validation
from portal.accounts.invites import make_token
from portal.accounts.models import STAFF_ROLES, ManagerAccess, Role, User, UserStatus
from portal.accounts.service import USERS_PER_PAGE, AccountError, create_user, normalise_email, search_users
from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.ids import parse_ids
from portal.network.models import Advertiser, Publisher
from portal.paging import Sort
from portal.timezones import is_valid_timezone
from portal.validation import Invalid

USER_CHANGES = {"activate": UserStatus.ACTIVE, "deactivate": UserStatus.DEACTIVATED, "suspend": UserStatus.SUSPENDED}
INVITE_ROLES = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.ADVERTISER)
EDIT_FIELDS = ("email", "first_name", "last_name", "phone", "city", "country", "timezone", "role", "advertiser_id")
MANAGER_FLAGS = {"is_publisher_manager": Publisher, "is_advertiser_manager": Advertiser}  # flag → what it lets staff manage
ACCESS_FIELDS = ("publisher_manager_access", "advertiser_manager_access")
API_ACCESS = "api_access_enabled"
INVITE_FIELDS = EDIT_FIELDS + tuple(MANAGER_FLAGS) + ACCESS_FIELDS + (API_ACCESS, "status")
SELF_LOCKOUT = "You cannot deactivate or suspend your own account; ask another admin."
SELF_DEMOTION = "You cannot take away your own admin role; ask another admin."
USER_SORTS = {
    "email": func.lower(User.email),
    "name": func.lower(User.first_name + " " + User.last_name),
    "role": User.role,
    "status": User.status,
    "created_at": User.created_at,
    "last_login_at": User.last_login_at,
}


def list_users(
    query: str = "",
    role: Role | None = None,
    status: UserStatus | None = None,
    advertiser_id: int | None = None,
    sort: Sort = Sort("email"),
    page: int = 1,
) -> Pagination:
    column = USER_SORTS[sort.key]
    order = (column.desc() if sort.descending else column.asc(), User.id.desc() if sort.descending else User.id)
    return search_users(role, query, page, USERS_PER_PAGE, status=status, advertiser_id=advertiser_id, order_by=order)


def publisher_users(publisher_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.publisher_id == publisher_id).order_by(User.email, User.id)))


def _check(values: dict, user: User | None = None) -> dict:
    """The cleaned editable fields, or Invalid with one message per field."""
    errors: dict[str, str] = {}
    cleaned = {
        "first_name": validation.text(
            errors, "first_name", values.get("first_name"), 100, required="Enter the user's first name."
        ),
        "last_name": validation.text(errors, "last_name", values.get("last_name"), 100),
        "phone": validation.text(errors, "phone", values.get("phone"), 50),
        "city": validation.text(errors, "city", values.get("city"), 100),
        "country": validation.country(errors, "country", values.get("country")),
        "timezone": (values.get("timezone") or "UTC").strip(),
    }
    if not is_valid_timezone(cleaned["timezone"]):
        errors["timezone"] = "Enter a time zone such as Europe/Berlin or UTC."
    raw_email = (values.get("email") or "").strip()
    if not raw_email:
        errors["email"] = "Enter the user's email address."
    elif user is not None and raw_email.lower() == user.email.lower():
        cleaned["email"] = user.email  # unchanged: not re-checked against today's deliverability rules
    else:
        try:
            cleaned["email"] = normalise_email(raw_email)
        except AccountError as refused:
            errors["email"] = str(refused)
        else:
            taken = select(User.id).where(func.lower(User.email) == cleaned["email"], User.id != (user.id if user else 0))
            if db.session.scalar(taken) is not None:
                errors["email"] = "Another user has this email address."
    if user is not None and user.role == Role.PUBLISHER:
        return _finish(errors, cleaned)  # role and publisher are the publisher page's business
    role = values.get("role")
    role = role if isinstance(role, Role) else next((r for r in INVITE_ROLES if r.value == role), None)
    if role is None:
        errors["role"] = "Pick Network admin, Account manager or Advertiser user."
        return _finish(errors, cleaned)
    cleaned["role"] = role
    cleaned["advertiser_id"] = None
    if role == Role.ADVERTISER:
        advertiser_id = values.get("advertiser_id")
        advertiser = db.session.get(Advertiser, advertiser_id) if isinstance(advertiser_id, int) else None
        current = user.advertiser_id if user is not None else None
        if advertiser is None or (advertiser.archived_at is not None and advertiser.id != current):
            errors["advertiser_id"] = "Pick the advertiser this user works for (not an archived one)."
        cleaned["advertiser_id"] = advertiser_id
    if role in STAFF_ROLES:
        for name in MANAGER_FLAGS:
            cleaned[name] = validation.flag(values.get(name))
        for name in ACCESS_FIELDS:
            # A form that did not show the field (an advertiser user made staff) keeps the current reach.
            value = values.get(name) or (getattr(user, name) if user is not None else ManagerAccess.GLOBAL)
            cleaned[name] = validation.choice(errors, name, value, ManagerAccess)
    cleaned[API_ACCESS] = validation.flag(values.get(API_ACCESS))
    return _finish(errors, cleaned)


def _finish(errors: dict, cleaned: dict) -> dict:
    if errors:
        raise Invalid(errors)
    return cleaned


def invite_staff_or_advertiser_user(actor_id: int, values: dict) -> tuple[User, str]:
    """A new Active admin, account manager or advertiser user without a password, and the token of its set-password link."""
    cleaned = _check(values)
    try:
        user = create_user(cleaned.pop("email"), None, cleaned.pop("role"), advertiser_id=cleaned.pop("advertiser_id"), **cleaned)
    except AccountError as refused:
        raise Invalid({refused.field or "": str(refused)}) from refused
    record(actor_id, "invite", user, {name: (None, value) for name, value in snapshot(user, INVITE_FIELDS).items()})
    return user, make_token(user)


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


def update_user(actor: User, user: User, values: dict) -> dict:
    """Change the user's profile (and, for network and advertiser users, role and advertiser); returns the audited changes."""
    cleaned = _check(values, user)
    if user.id == actor.id and cleaned.get("role", Role.ADMIN) != Role.ADMIN:
        raise Invalid({"role": SELF_DEMOTION})
    before = snapshot(user, cleaned)
    could_manage = {model for flag, model in MANAGER_FLAGS.items() if user.is_staff and getattr(user, flag)}
    for name, value in cleaned.items():
        setattr(user, name, value)
    db.session.flush()
    changes = diff(before, snapshot(user, cleaned))
    if changes:
        record(actor.id, "update", user, changes)
    still = {model for flag, model in MANAGER_FLAGS.items() if user.is_staff and getattr(user, flag)}
    _unassign_manager(actor.id, user.id, could_manage - still)
    return changes


def _unassign_manager(actor_id: int, manager_id: int, models) -> None:
    """The advertisers or publishers (`models`) lose a manager who may no longer manage them."""
    for model in sorted(models, key=lambda m: m.__name__):
        for managed in db.session.scalars(select(model).where(model.manager_id == manager_id).order_by(model.id)):
            managed.manager_id = None
            record(actor_id, "update", managed, {"manager_id": (manager_id, None)})
    db.session.flush()


def set_user_status(actor_id: int, user: User, status: UserStatus) -> bool:
    """A Deactivated or Suspended user cannot sign in, and an open session ends at its next request."""
    if user.status == status:
        return False
    before, user.status = user.status, status
    db.session.flush()
    record(actor_id, "update", user, {"status": (before, status)})
    return True


def change_status(actor: User, user: User, change: str) -> bool:
    """`change` is activate, deactivate or suspend; True when the status changed."""
    status = USER_CHANGES[change]
    if user.id == actor.id and status != UserStatus.ACTIVE:
        raise Invalid({"": SELF_LOCKOUT})
    return set_user_status(actor.id, user, status)


def bulk_change_status(actor: User, ids, change: str) -> int:
    """Apply one status change to the selected users; the whole selection is refused when it would lock out the actor."""
    if change not in USER_CHANGES:
        raise Invalid({"action": "Pick what to do with the selected users."})
    wanted = parse_ids(ids)
    if not wanted:
        raise Invalid({"ids": "Select at least one user."})
    if actor.id in wanted and USER_CHANGES[change] != UserStatus.ACTIVE:
        raise Invalid({"": SELF_LOCKOUT})
    users = db.session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id))
    return sum(set_user_status(actor.id, user, USER_CHANGES[change]) for user in users)


def new_password_link(actor_id: int, user: User) -> str:
    """A fresh set-password token (for a lost invite or a forgotten password); the old password keeps
    working until the link is used."""
    if user.status != UserStatus.ACTIVE:
        raise Invalid({"": "Activate the user before you send a set-password link."})
    record(actor_id, "password_link", user, {})
    return make_token(user)
