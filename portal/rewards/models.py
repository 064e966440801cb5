"""The rewards catalogue, publisher users' ("fans'") points, and redemptions."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import Money, UTCDateTime, utcnow


class Reward(db.Model):
    __tablename__ = "rewards"
    __table_args__ = (CheckConstraint("points_cost > 0", name="positive_cost"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    points_cost: Mapped[int] = mapped_column()
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    input_fields: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "label", "required"}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsAccount(db.Model):
    """A fan's balance; updated with a guarded UPDATE so concurrent spends never go below zero."""

    __tablename__ = "points_accounts"
    __table_args__ = (CheckConstraint("current_points >= 0", name="never_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    total_points: Mapped[int] = mapped_column(default=0)  # everything ever earned
    current_points: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PointsLedgerEntry(db.Model):
    """Every change of a balance. `reference` names its cause once ("conversion:42", "redemption:7"):
    unique, so a repeated or concurrent award, refund or reversal cannot be written twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delta: Mapped[int] = mapped_column()
    balance_after: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(32))  # earned, reversal, bonus, redemption, refund
    reference: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(db.Model):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    points_spent: Mapped[int] = mapped_column()
    user_input: Mapped[dict] = mapped_column(JSON, default=dict)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reward = relationship("Reward")
    user = relationship("User")


class PointsRule(db.Model):
    """How approved commission becomes points: `points_per_unit` points per 1.00 of payout in `currency`.

    A rule with an offer overrides the currency-wide rule (no offer) for that offer's conversions."""

    __tablename__ = "points_rules"
    __table_args__ = (
        UniqueConstraint("currency", "offer_id"),
        CheckConstraint("points_per_unit > 0", name="positive_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"), index=True)
    points_per_unit: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    offer = relationship("Offer")


class PointsAward(db.Model):
    """One per conversion ever awarded: the primary key makes a second award of it impossible."""

    __tablename__ = "points_awards"

    conversion_id: Mapped[int] = mapped_column(ForeignKey("conversions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    points: Mapped[int] = mapped_column()
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payout(db.Model):
    """Money the network paid a publisher in one currency: every approved, unpaid conversion created
    before `period_end` was marked paid with this id, and `amount` is exactly their sum."""

    __tablename__ = "payouts"
    __table_args__ = (Index("ix_payouts_publisher_currency", "publisher_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    conversion_count: Mapped[int] = mapped_column()
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive: the start of the day after the cut-off date
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    publisher = relationship("Publisher")
    created_by = relationship("User")
