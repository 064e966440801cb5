"""Points from approved commission, by the admin's rules.

- A rule gives `points_per_unit` points per 1.00 of approved payout in its currency; a rule for an
  offer overrides the currency-wide rule for that offer. Conversions in a currency without a rule earn
  nothing until one exists (then they are awarded on the next run).
- points = payout × points_per_unit rounded DOWN to a whole point (25.00 EUR × 1.5 = 37; 0.99 × 1 = 0);
  fractions are not carried over. The payout at the time of the award counts.
- The points go to the publisher's points owner: its earliest-created active publisher user. A
  publisher with no active user earns nothing until it has one.
- Each conversion is awarded once: `points_awards.conversion_id` is the primary key and the ledger
  reference "conversion:<id>" is unique, so a repeat or concurrent run cannot award it twice.
- A conversion rejected after its award is reversed once (ledger reference "reversal:conversion:<id>"):
  the points are taken back, down to zero at most if some were spent already. It is not awarded again.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import and_, exists, or_, select, update

from portal.accounts.models import Role, User, UserStatus
from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.rewards.models import PointsAward, PointsRule
from portal.rewards.points import credit, deduct_to_floor
from portal.sql import insert_statement
from portal.types import utcnow

BATCH_SIZE = 500


@dataclass
class AwardRun:
    awarded: int = 0
    points: int = 0
    reversed: int = 0


def points_for(payout: Decimal, points_per_unit: Decimal) -> int:
    """Whole points for a payout, rounded down; never negative."""
    points = (Decimal(payout) * Decimal(points_per_unit)).to_integral_value(rounding=ROUND_DOWN)
    return max(int(points), 0)


def rule_rates() -> dict[tuple[str, int | None], Decimal]:
    return {(rule.currency, rule.offer_id): rule.points_per_unit for rule in db.session.scalars(select(PointsRule))}


def rate_for(rates: dict, currency: str, offer_id: int) -> Decimal | None:
    return rates.get((currency, offer_id), rates.get((currency, None)))


def points_owner(publisher_id: int) -> int | None:
    """The user who receives a publisher's points: its earliest-created active publisher user."""
    return db.session.scalar(
        select(User.id)
        .where(User.publisher_id == publisher_id, User.role == Role.PUBLISHER, User.status == UserStatus.ACTIVE)
        .order_by(User.created_at, User.id)
        .limit(1)
    )


def _awardable(after_id: int, limit: int):
    has_rule = exists().where(
        PointsRule.currency == Conversion.currency,
        or_(PointsRule.offer_id.is_(None), PointsRule.offer_id == Conversion.offer_id),
    )
    has_owner = exists().where(
        User.publisher_id == Conversion.publisher_id, User.role == Role.PUBLISHER, User.status == UserStatus.ACTIVE
    )
    awarded = exists().where(PointsAward.conversion_id == Conversion.id)
    return (
        select(Conversion.id, Conversion.publisher_id, Conversion.offer_id, Conversion.payout, Conversion.currency)
        .where(Conversion.status == ConversionStatus.APPROVED, Conversion.id > after_id, has_rule, has_owner, ~awarded)
        .order_by(Conversion.id)
        .limit(limit)
    )


def award_batch(after_id: int = 0, limit: int = BATCH_SIZE) -> tuple[AwardRun, int | None]:
    """Award up to `limit` approved, not yet awarded conversions after `after_id` (flushes, never commits).

    Returns what was done and the last conversion id looked at (None when there was nothing left)."""
    run = AwardRun()
    rows = db.session.execute(_awardable(after_id, limit)).all()
    if not rows:
        return run, None
    rates, owners = rule_rates(), {}
    for conversion_id, publisher_id, offer_id, payout, currency in rows:
        rate = rate_for(rates, currency, offer_id)
        if publisher_id not in owners:
            owners[publisher_id] = points_owner(publisher_id)
        user_id = owners[publisher_id]
        if rate is None or user_id is None:
            continue
        points = points_for(payout, rate)
        claim = insert_statement(PointsAward).values(
            conversion_id=conversion_id, user_id=user_id, points=points, awarded_at=utcnow()
        )
        claim = claim.on_conflict_do_nothing().returning(PointsAward.conversion_id)
        claimed = db.session.execute(claim).scalar_one_or_none()
        if claimed is None:
            continue  # another run got there first
        run.awarded += 1
        if points:
            credit(user_id, points, "earned", f"conversion:{conversion_id}")
            run.points += points
    return run, rows[-1][0]


def reverse_batch(limit: int = BATCH_SIZE) -> int:
    """Take back the points of awarded conversions that were rejected since (flushes, never commits)."""
    rows = db.session.execute(
        select(PointsAward.conversion_id, PointsAward.user_id, PointsAward.points)
        .join(Conversion, Conversion.id == PointsAward.conversion_id)
        .where(and_(PointsAward.reversed_at.is_(None), Conversion.status == ConversionStatus.REJECTED))
        .order_by(PointsAward.conversion_id)
        .limit(limit)
    ).all()
    done = 0
    for conversion_id, user_id, points in rows:
        claim = (
            update(PointsAward)
            .where(PointsAward.conversion_id == conversion_id, PointsAward.reversed_at.is_(None))
            .values(reversed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if db.session.execute(claim).rowcount != 1:
            continue
        done += 1
        if points:
            deduct_to_floor(user_id, points, "reversal", f"reversal:conversion:{conversion_id}")
    return done
