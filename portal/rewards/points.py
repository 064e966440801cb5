"""Fans' points balances: every change is one atomic UPDATE plus one ledger entry with a unique reference.

A fan is a publisher user; each has their own account. The balance never goes below zero: spends use a
guarded UPDATE (nothing happens when the balance does not cover the cost), deductions floor at zero.
`total_points` counts what was ever credited (earnings and positive bonuses); spends, refunds,
deductions and reversals move `current_points` only.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, update

from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.extensions import db
from portal.paging import paginate
from portal.rewards.models import PointsAccount, PointsLedgerEntry
from portal.sql import insert_statement
from portal.types import utcnow

MAX_BONUS = 1_000_000
HISTORY_PER_PAGE = 25


class PointsError(ValueError):
    """A change the rules refuse; the message is for the person who asked."""


class NotEnoughPoints(PointsError):
    pass


@dataclass(frozen=True)
class Balance:
    total_points: int
    current_points: int
    updated_at: object


def ensure_account(user_id: int) -> None:
    """Create the fan's account at zero unless it exists; safe under concurrency."""
    stmt = insert_statement(PointsAccount).values(
        user_id=user_id, total_points=0, current_points=0, updated_at=utcnow()
    )
    db.session.execute(stmt.on_conflict_do_nothing())


def balance(user_id: int) -> Balance:
    """The fan's balance; a fan who never had points has zeros (and no time of change)."""
    account = db.session.get(PointsAccount, user_id, populate_existing=True)
    if account is None:
        return Balance(0, 0, None)
    return Balance(account.total_points, account.current_points, account.updated_at)


def _write_entry(user_id: int, delta: int, balance_after: int, reason: str, reference: str) -> PointsLedgerEntry:
    entry = PointsLedgerEntry(user_id=user_id, delta=delta, balance_after=balance_after, reason=reason, reference=reference)
    db.session.add(entry)
    db.session.flush()
    return entry


def _apply(user_id: int, *conditions, **values) -> int | None:
    """One UPDATE of the account; the new current balance, or None when `conditions` did not hold."""
    stmt = (
        update(PointsAccount)
        .where(PointsAccount.user_id == user_id, *conditions)
        .values(updated_at=utcnow(), **values)
        .returning(PointsAccount.current_points)
        .execution_options(synchronize_session=False)
    )
    new_balance = db.session.execute(stmt).scalar_one_or_none()
    account = db.session.identity_map.get(db.session.identity_key(PointsAccount, (user_id,)))
    if account is not None:
        db.session.expire(account)
    return new_balance


def credit(user_id: int, points: int, reason: str, reference: str, counts_as_earned: bool = True) -> PointsLedgerEntry:
    """Add `points` (> 0); earnings and bonuses also raise `total_points`, refunds do not."""
    ensure_account(user_id)
    new_balance = _apply(
        user_id,
        current_points=PointsAccount.current_points + points,
        total_points=PointsAccount.total_points + (points if counts_as_earned else 0),
    )
    return _write_entry(user_id, points, new_balance, reason, reference)


def spend(user_id: int, points: int, reason: str, reference: str) -> PointsLedgerEntry:
    """Take `points` with one guarded UPDATE: concurrent spends can never take the balance below zero."""
    ensure_account(user_id)
    new_balance = _apply(
        user_id, PointsAccount.current_points >= points, current_points=PointsAccount.current_points - points
    )
    if new_balance is None:
        raise NotEnoughPoints(f"Not enough points: this needs {points:,}.")
    return _write_entry(user_id, -points, new_balance, reason, reference)


def deduct_to_floor(user_id: int, points: int, reason: str, reference: str) -> PointsLedgerEntry | None:
    """Take up to `points`, stopping at zero; None when there was nothing to take."""
    ensure_account(user_id)
    # A no-op UPDATE first takes the row's write lock (PostgreSQL) or the database's (SQLite), so the
    # balance read here cannot change before the real UPDATE below.
    current = _apply(user_id, current_points=PointsAccount.current_points)
    taken = min(points, current)
    if taken == 0:
        return None
    new_balance = _apply(user_id, current_points=PointsAccount.current_points - taken)
    return _write_entry(user_id, -taken, new_balance, reason, reference)


def check_bonus_amount(amount) -> int:
    """A bonus is a whole number of points in ±1,000,000, not zero."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PointsError("amount must be an integer.")
    if not -MAX_BONUS <= amount <= MAX_BONUS:
        raise PointsError(f"amount must be between -{MAX_BONUS:,} and {MAX_BONUS:,}.")
    if amount == 0:
        raise PointsError("amount must not be zero.")
    return amount


def give_bonus(fan: User, amount: int, actor_id: int | None) -> PointsLedgerEntry | None:
    """Add (amount > 0) or take (amount < 0, floored at zero) points, and audit it."""
    amount = check_bonus_amount(amount)
    reference = f"bonus:{uuid.uuid4().hex}"
    before = balance(fan.id).current_points
    if amount > 0:
        entry = credit(fan.id, amount, "bonus", reference)
    else:
        entry = deduct_to_floor(fan.id, -amount, "deduction", reference)
    after = balance(fan.id).current_points
    record(actor_id, "points.bonus", fan, {"current_points": (before, after), "amount": (None, amount)})
    return entry


def history(user_id: int, page: int = 1, per_page: int = HISTORY_PER_PAGE) -> Pagination:
    """A page of the fan's ledger, newest first."""
    stmt = (
        select(PointsLedgerEntry)
        .where(PointsLedgerEntry.user_id == user_id)
        .order_by(PointsLedgerEntry.id.desc())
    )
    return paginate(stmt, page, per_page)


def find_fan(username: str) -> User | None:
    """The publisher user whose `username` this is (the API's `{username}`); anyone else is no fan."""
    return db.session.scalar(select(User).where(User.username == username, User.role == Role.PUBLISHER))
