"""How far a staff user reaches over publishers and over advertisers (with their offers): the one place the
account managers' `publisher_manager_access` / `advertiser_manager_access` are read. Admins reach everything.

Global: every admin page of that kind. Limited: only the publishers (advertisers and their offers) they manage;
the lists show only those and any other one answers 404. Restricted: none of those pages (403) and no menu entry.
Conversions, reports, logs and exports stay network-wide: the reach only scopes the admin pages named here."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import false, select, true

from portal.accounts.auth import role_required
from portal.accounts.models import STAFF_ROLES, ManagerAccess, Role, User
from portal.network.models import Advertiser, Offer, Publisher


@dataclass(frozen=True)
class Scope:
    access: ManagerAccess
    manager_id: int

    def where(self, manager_column):
        """The SQL condition on a `manager_id` column for the rows in reach."""
        if self.access == ManagerAccess.GLOBAL:
            return true()
        return manager_column == self.manager_id if self.access == ManagerAccess.LIMITED else false()

    def allows(self, manager_id: int | None) -> bool:
        if self.access == ManagerAccess.GLOBAL:
            return True
        return self.access == ManagerAccess.LIMITED and manager_id == self.manager_id


def _scope(user: User, access: ManagerAccess) -> Scope:
    return Scope(access if user.role == Role.ACCOUNT_MANAGER else ManagerAccess.GLOBAL, user.id)


def publisher_scope(user: User) -> Scope:
    return _scope(user, user.publisher_manager_access)


def advertiser_scope(user: User) -> Scope:
    return _scope(user, user.advertiser_manager_access)


def publishers_in_reach(user: User):
    """The SQL condition for the publishers `user` reaches (lists, bulk actions)."""
    return publisher_scope(user).where(Publisher.manager_id)


def advertisers_in_reach(user: User):
    return advertiser_scope(user).where(Advertiser.manager_id)


def offers_in_reach(user: User):
    return Offer.advertiser_id.in_(select(Advertiser.id).where(advertisers_in_reach(user)))


def in_reach(user: User, obj) -> bool:
    """Whether `user` may open the admin pages of this publisher, advertiser or offer (other records: yes)."""
    if isinstance(obj, Publisher):
        return publisher_scope(user).allows(obj.manager_id)
    if isinstance(obj, Advertiser):
        return advertiser_scope(user).allows(obj.manager_id)
    if isinstance(obj, Offer):
        return advertiser_scope(user).allows(obj.advertiser.manager_id)
    return True


def own_by_default(user: User, form, scope_of) -> None:
    """Pre-select a Limited account manager as the manager of the record their new-record form creates."""
    if scope_of(user).access == ManagerAccess.LIMITED and form.manager_id.data is None:
        form.manager_id.data = user.id


def hidden_endpoints(user: User) -> set[str]:
    """The menu entries a Restricted account manager (staff `user`) does not get."""
    hidden = set()
    if publisher_scope(user).access == ManagerAccess.RESTRICTED:
        hidden.add("network_admin.publishers")
    if advertiser_scope(user).access == ManagerAccess.RESTRICTED:
        hidden |= {"network_admin.advertisers", "network_admin.offers"}
    return hidden


def _pages(scope_of):
    staff_only = role_required(*STAFF_ROLES)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope_of(current_user).access == ManagerAccess.RESTRICTED:
                abort(403)
            return view(*args, **kwargs)
        return staff_only(wrapped)
    return decorator


publisher_pages = _pages(publisher_scope)  # staff only, and 403 for a Restricted reach over publishers
advertiser_pages = _pages(advertiser_scope)  # the same over advertisers and their offers
