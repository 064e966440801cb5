"""Commission a publisher earns from an event, and every change made to it."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.network.models import PayoutType
from portal.types import Money, UTCDateTime, enum_column, utcnow


class ConversionStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Conversion(db.Model):
    __tablename__ = "conversions"
    __table_args__ = (
        Index("ix_conversions_publisher_created", "publisher_id", "created_at"),
        Index("ix_conversions_offer_created", "offer_id", "created_at"),
        Index("ix_conversions_player_offer_event", "player_id", "offer_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on the event, player and dimension ids, as on events (migrations 0010 and 0011 say why);
    # no index on the event id either: nothing looks a conversion up by it (0014).
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    click_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    publisher_id: Mapped[int] = mapped_column()
    offer_id: Mapped[int] = mapped_column()
    offer_event_id: Mapped[int | None] = mapped_column()
    link_id: Mapped[int | None] = mapped_column()
    player_id: Mapped[int | None] = mapped_column()
    # What earned it ("event:<id>", "click:<id>", "cpm:<publisher>:<offer>:<n>"): unique, so a retried
    # flush or a repeated ingest can never create a second conversion for the same thing.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[ConversionStatus] = mapped_column(enum_column(ConversionStatus), default=ConversionStatus.PENDING)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    payout_type: Mapped[PayoutType] = mapped_column(enum_column(PayoutType))
    payout: Mapped[Decimal] = mapped_column(Money)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The admin payout that paid it (portal.rewards.payouts): set together with paid_at.
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), index=True)

    changes = relationship(
        "ConversionChange", primaryjoin="Conversion.id == foreign(ConversionChange.conversion_id)",
        order_by="ConversionChange.id", viewonly=True,
    )


class ConversionChange(db.Model):
    """Status history: who changed a conversion, when, and from what to what."""

    __tablename__ = "conversion_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: written only for a conversion just inserted or locked for a review (migration 0014).
    conversion_id: Mapped[int] = mapped_column(index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    from_payout: Mapped[Decimal | None] = mapped_column(Money)
    to_payout: Mapped[Decimal | None] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text, default="")


class RevShareBalance(db.Model):
    """Negative NGR a publisher still has to earn back on an offer before RevShare pays again."""

    __tablename__ = "revshare_balances"
    __table_args__ = (UniqueConstraint("publisher_id", "offer_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    carried: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # zero or negative
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ThrottleCount(db.Model):
    """How many conversions a custom throttle has seen: makes its percentage exact, not random."""

    __tablename__ = "throttle_counts"

    throttle_id: Mapped[int] = mapped_column(ForeignKey("custom_throttles.id", ondelete="CASCADE"), primary_key=True)
    seen: Mapped[int] = mapped_column(default=0)
