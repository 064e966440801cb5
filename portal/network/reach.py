"""How far a staff user reaches over publishers and over advertisers (with their offers): the one place the
account managers' `publisher_manager_access` / `advertiser_manager_access` are read. Admins reach everything.

Global: every admin page of that kind. Limited: only the publishers (advertisers and their offers) they manage;
the lists show only those and any other one answers 404. Restricted: none of those pages (403) and no menu entry.

Every other row a staff page shows follows what it names: a row whose `publisher_id`, `advertiser_id`, `offer_id`
or `user_id` (a publisher's user) names something out of reach is out of reach too (a blocked sub ID, a custom
payout, a publisher's access to an offer, a payout, a redemption, a fan, a creative, an offer's points rule); a row
that names none of them (the rewards catalogue, a currency-wide points rule) is network-wide. Admin pages read them
through `rows_in_reach` (lists, choices, bulk actions) and `get_or_404` / `found_or_404` (one row).

The data pages follow the same rule through `data_reach`, which each domain's scope applies: conversions (list,
choices, drawer and actions: out of reach is 404, a bulk action skips it), reports (rows, choices, saved presets:
a preset keeps the reach its owner had when saving it and pulls no more than the owner reaches now), raw logs,
exports (the job applies its requester's reach, as the page did) and the dashboard's figures. Every conversion,
click and impression names a publisher and an offer, so a Restricted reach on either side leaves none: those pages
answer 403 and leave the menu (`data_pages`), and the dashboard counts nothing."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, false, or_, select, true

from portal.accounts.auth import role_required
from portal.accounts.models import STAFF_ROLES, ManagerAccess, Role, User
from portal.extensions import db
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


# The columns through which a row belongs to something a reach covers (see the module's docstring).
OWNERS = (("publisher_id", Publisher), ("advertiser_id", Advertiser), ("offer_id", Offer), ("user_id", User))


def _reaches_all(user: User, owner) -> bool:
    """Whether `user` reaches every row of `owner`, so a condition on it would filter nothing."""
    scopes = {Publisher: (publisher_scope,), Advertiser: (advertiser_scope,), Offer: (advertiser_scope,),
              User: (publisher_scope, advertiser_scope)}[owner]
    return all(scope(user).access == ManagerAccess.GLOBAL for scope in scopes)


def rows_in_reach(user: User, model):
    """The SQL condition for the rows of `model` that `user` reaches (lists, form choices, bulk actions)."""
    if model is Publisher:
        return publishers_in_reach(user)
    if model is Advertiser:
        return advertisers_in_reach(user)
    conditions = []
    for name, owner in OWNERS:
        if owner is model or name not in model.__table__.c or _reaches_all(user, owner):
            continue
        column, reached = getattr(model, name), select(owner.id).where(rows_in_reach(user, owner))
        named = column.in_(reached)
        conditions.append(or_(column.is_(None), named) if model.__table__.c[name].nullable else named)
    return and_(true(), *conditions)


@dataclass(frozen=True)
class DataReach:
    """The publishers and advertisers (with their offers) whose data a user sees: their ids, or None for all."""

    publisher_ids: frozenset[int] | None = None
    advertiser_ids: frozenset[int] | None = None

    def publishers(self, column):
        """The SQL condition on a column naming a publisher."""
        return _among(column, self.publisher_ids)

    def advertisers(self, column):
        return _among(column, self.advertiser_ids)

    def offers(self, column):
        if self.advertiser_ids is None:
            return true()
        return _named(column, column.in_(select(Offer.id).where(Offer.advertiser_id.in_(sorted(self.advertiser_ids)))))

    def __and__(self, other: DataReach) -> DataReach:
        """What both reach (a saved preset's reach within its owner's present one)."""
        publishers = _both(self.publisher_ids, other.publisher_ids)
        return DataReach(publishers, _both(self.advertiser_ids, other.advertiser_ids))


def _both(ids: frozenset[int] | None, others: frozenset[int] | None) -> frozenset[int] | None:
    return others if ids is None else ids if others is None else ids & others


def _among(column, ids: frozenset[int] | None):
    return true() if ids is None else _named(column, column.in_(sorted(ids)))


def _named(column, condition):
    """`condition`, or NULL where the column allows it: a row that names nothing is not out of reach."""
    return or_(column.is_(None), condition) if column.expression.nullable else condition


def data_reach(user: User) -> DataReach:
    """Whose conversions, report rows, logs and figures `user` sees. Admins, a Global reach, and publishers and
    advertisers (whose own tenant scope each domain applies) get None: no limit from the reach."""
    return DataReach(_reached_ids(user, Publisher), _reached_ids(user, Advertiser))


def _reached_ids(user: User, owner) -> frozenset[int] | None:
    if _reaches_all(user, owner):
        return None
    return frozenset(db.session.scalars(select(owner.id).where(rows_in_reach(user, owner))))


def in_reach(user: User, obj) -> bool:
    """Whether `user` may open the admin pages of this publisher, advertiser or offer, or see this other row."""
    if isinstance(obj, Publisher):
        return publisher_scope(user).allows(obj.manager_id)
    if isinstance(obj, Advertiser):
        return advertiser_scope(user).allows(obj.manager_id)
    if isinstance(obj, Offer):
        return advertiser_scope(user).allows(obj.advertiser.manager_id)
    table = type(obj).__table__.c
    for name, owner in OWNERS:
        owner_id = getattr(obj, name) if name in table and owner is not type(obj) else None
        if owner_id is not None and not _reaches_all(user, owner):
            found = db.session.get(owner, owner_id)
            if found is None or not in_reach(user, found):
                return False
    return True


def found_or_404(obj):
    """`obj` when it exists and is within the signed-in staff user's reach; else 404."""
    if obj is None or not in_reach(current_user, obj):
        abort(404)
    return obj


def get_or_404(model, object_id):
    return found_or_404(db.session.get(model, object_id))


def own_by_default(user: User, form, scope_of) -> None:
    """Pre-select a Limited account manager as the manager of the record their new-record form creates."""
    if scope_of(user).access == ManagerAccess.LIMITED and form.manager_id.data is None:
        form.manager_id.data = user.id


# The menu entries of the pages `publisher_pages`, `advertiser_pages` and `data_pages` guard.
PUBLISHER_MENU = {"network_admin.publishers", "blocked_subids.index", "redemptions_admin.index", "payouts_admin.index"}
ADVERTISER_MENU = {"network_admin.advertisers", "network_admin.offers", "creatives_admin.index"}
DATA_MENU = {"conversions.index", "reports.index", "logs.clicks"}


def hidden_endpoints(user: User) -> set[str]:
    """The menu entries a Restricted account manager (staff `user`) does not get."""
    hidden = set()
    if publisher_scope(user).access == ManagerAccess.RESTRICTED:
        hidden |= PUBLISHER_MENU
    if advertiser_scope(user).access == ManagerAccess.RESTRICTED:
        hidden |= ADVERTISER_MENU
    if data_closed(user):
        hidden |= DATA_MENU
    return hidden


def data_closed(user: User) -> bool:
    """Whether a Restricted reach on either side leaves `user` no conversion, report or log row at all."""
    return any(scope(user).access == ManagerAccess.RESTRICTED for scope in (publisher_scope, advertiser_scope))


def data_pages(*roles: Role):
    """Pages of conversions, reports and logs (and export requests) open to `roles`; 403 where `data_closed`."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if data_closed(current_user):
                abort(403)
            return view(*args, **kwargs)
        return role_required(*roles)(wrapped)
    return decorator


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
