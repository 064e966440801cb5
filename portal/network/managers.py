"""Who may be an advertiser's or a publisher's account manager."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from portal.accounts.models import STAFF_ROLES, User, UserStatus
from portal.extensions import db
from portal.network.models import Advertiser, Publisher
from portal.network.reach import Scope

# What a staff user needs to be picked as the manager of an advertiser or a publisher.
MANAGER_FLAGS = {Advertiser: User.is_advertiser_manager, Publisher: User.is_publisher_manager}


def account_managers(model: type, include_id: int | None = None) -> list[User]:
    """Who can manage an advertiser or publisher (`model`): the Active admins and account managers flagged as its
    kind of manager (plus the current manager, `include_id`, while still so, so an edit keeps a deactivated one)."""
    stmt = select(User).where(User.role.in_(STAFF_ROLES), MANAGER_FLAGS[model].is_(True),
                              or_(User.status == UserStatus.ACTIVE, User.id == (include_id or 0)))
    return list(db.session.scalars(stmt.order_by(func.lower(User.email), User.id)))


def check_manager(errors: dict, model: type, value, current: int | None = None, reach: Scope | None = None) -> int | None:
    """The manager_id of an advertiser or publisher (`model`): None, or one of `account_managers`. `reach` is the
    creator's, for a new record: one made under a Limited reach must be the creator's own, or it would vanish
    from their list the moment it is saved."""
    kind = "advertiser" if model is Advertiser else "publisher"
    if value is not None and value not in {user.id for user in account_managers(model, current)}:
        errors["manager_id"] = f"Pick an active admin or account manager who may manage {'an' if kind == 'advertiser' else 'a'} {kind} (Admin → Users)."
    elif reach is not None and not reach.allows(value):
        errors["manager_id"] = f"You see only the {kind}s you manage: keep yourself as this {kind}'s manager."
    return value
