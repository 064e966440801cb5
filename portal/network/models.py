"""The network's structure: advertisers and their offers, publishers and their payout terms."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import Money, UTCDateTime, enum_column, utcnow


class PayoutType(enum.Enum):
    CPA = "CPA"
    CPS = "CPS"
    CPA_CPS = "CPAxCPS"
    CPC = "CPC"
    CPM = "CPM"
    REVSHARE = "PRV"


class RevenueType(enum.Enum):
    RPA = "RPA"
    RPS = "RPS"
    RPA_RPS = "RPAxRPS"
    RPC = "RPC"
    RPM = "RPM"


class Visibility(enum.Enum):
    PUBLIC = "Public"
    PRIVATE = "Private"
    REQUIRES_APPROVAL = "Requires_Approval"


class AccessStatus(enum.Enum):
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class PublisherStatus(enum.Enum):
    ACTIVE = "Active"
    PENDING = "Pending"
    SUSPENDED = "Suspended"


class ThrottleStatus(enum.Enum):
    PENDING = "Pending"
    REJECTED = "Rejected"


class PayoutTerms:
    """A commission plan: what the publisher earns (payout) and the network earns (revenue)."""

    payout_type: Mapped[PayoutType] = mapped_column(enum_column(PayoutType), default=PayoutType.CPA)
    payout: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    payout_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal("0"))
    revenue_type: Mapped[RevenueType] = mapped_column(enum_column(RevenueType), default=RevenueType.RPA)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    revenue_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal("0"))


class Advertiser(db.Model):
    __tablename__ = "advertisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    messenger: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # The staff user (admin or account manager) who manages the account; no foreign key, which would give
    # users and advertisers a second join path (User.advertiser would turn ambiguous) and a table cycle.
    manager_id: Mapped[int | None] = mapped_column()
    default_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offers = relationship("Offer", back_populates="advertiser")
    users = relationship("User", back_populates="advertiser")
    manager = relationship("User", primaryjoin="foreign(Advertiser.manager_id) == User.id", viewonly=True)


class Offer(PayoutTerms, db.Model):
    """A campaign an advertiser runs and publishers promote."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertisers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.PUBLIC)
    destination_url: Mapped[str] = mapped_column(String(2048))
    fallback_url: Mapped[str] = mapped_column(String(2048), default="")
    manually_approve_conversions: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_duplicate_conversions: Mapped[bool] = mapped_column(Boolean, default=False)
    conversion_name: Mapped[str] = mapped_column(String(100), default="Conversion")
    block_on_reject: Mapped[bool] = mapped_column(Boolean, default=False)
    terms_and_conditions: Mapped[str] = mapped_column(Text, default="")
    terms_and_conditions_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    restriction_note: Mapped[str] = mapped_column(Text, default="")
    primary_domain: Mapped[str] = mapped_column(String(255), default="")
    deep_link_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    enable_js_tracking: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_preview_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    view_through_attribution_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    targeting_simple_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    targeting_group_id: Mapped[str] = mapped_column(String(64), default="")
    impression_forwarding_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    impression_forwarding_url: Mapped[str] = mapped_column(String(2048), default="")
    parallel_tracking_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    parallel_tracking_url: Mapped[str] = mapped_column(String(2048), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advertiser = relationship("Advertiser", back_populates="offers")
    events = relationship("OfferEvent", back_populates="offer", order_by="OfferEvent.id")
    landing_pages = relationship("LandingPage", back_populates="offer", order_by="LandingPage.id")


class OfferEvent(PayoutTerms, db.Model):
    """A conversion step of an offer (registration, ftd, deposit …) with its own payout."""

    __tablename__ = "offer_events"
    __table_args__ = (UniqueConstraint("offer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_multiple_events: Mapped[bool] = mapped_column(Boolean, default=False)
    manually_approve_events: Mapped[bool] = mapped_column(Boolean, default=False)

    offer = relationship("Offer", back_populates="events")


class LandingPage(db.Model):
    __tablename__ = "landing_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048))
    preview_url: Mapped[str] = mapped_column(String(2048), default="")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer = relationship("Offer", back_populates="landing_pages")


class Publisher(db.Model):
    """An affiliate: a company or person who sends traffic and earns commission."""

    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[PublisherStatus] = mapped_column(enum_column(PublisherStatus), default=PublisherStatus.ACTIVE)
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    postback_url: Mapped[str] = mapped_column(String(2048), default="")
    # The staff user who manages the account; no foreign key, like Advertiser.manager_id.
    manager_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    users = relationship("User", back_populates="publisher")
    manager = relationship("User", primaryjoin="foreign(Publisher.manager_id) == User.id", viewonly=True)


class OfferAccess(db.Model):
    """A publisher's request to promote a Private or Requires_Approval offer, and the admin's answer."""

    __tablename__ = "offer_access"
    __table_args__ = (UniqueConstraint("offer_id", "publisher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    status: Mapped[AccessStatus] = mapped_column(enum_column(AccessStatus), default=AccessStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer = relationship("Offer")
    publisher = relationship("Publisher")


class CustomPayout(PayoutTerms, db.Model):
    """A publisher's own terms for an offer (or one offer event), beating the offer's defaults."""

    __tablename__ = "custom_payouts"
    __table_args__ = (UniqueConstraint("publisher_id", "offer_id", "offer_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    offer_event_id: Mapped[int | None] = mapped_column(ForeignKey("offer_events.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomThrottle(db.Model):
    """Sends the given share of a publisher's conversions on an offer to `throttle_status`."""

    __tablename__ = "custom_throttles"
    __table_args__ = (
        CheckConstraint("percentage >= 0 AND percentage <= 100", name="percentage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    offer_event_id: Mapped[int | None] = mapped_column(ForeignKey("offer_events.id"))
    percentage: Mapped[int] = mapped_column()
    throttle_status: Mapped[ThrottleStatus] = mapped_column(enum_column(ThrottleStatus), default=ThrottleStatus.REJECTED)
    sub1: Mapped[str | None] = mapped_column(String(255))
    sub2: Mapped[str | None] = mapped_column(String(255))
    sub3: Mapped[str | None] = mapped_column(String(255))
    sub4: Mapped[str | None] = mapped_column(String(255))
    sub5: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
