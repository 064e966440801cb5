"""Saved report definitions that scripts can pull with a token."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.conversions.models import Conversion
from portal.events.models import Event
from portal.extensions import db
from portal.tracking.models import Click, ImpressionCount
from portal.types import Money, UTCDateTime, utcnow


class ReportPreset(db.Model):
    __tablename__ = "report_presets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The data scope is fixed when the preset is saved, so a token never widens later.
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("publishers.id"))
    advertiser_id: Mapped[int | None] = mapped_column(ForeignKey("advertisers.id"))
    name: Mapped[str] = mapped_column(String(100))
    dimensions: Mapped[list] = mapped_column(JSON, default=list)
    metrics: Mapped[list] = mapped_column(JSON, default=list)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    relative_range: Mapped[str | None] = mapped_column(String(20))  # e.g. last_7_days
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token is derived from this nonce with the app secret (see portal.reports.tokens): the page
    # can show the URL again, while a copy of the database alone reveals no usable token.
    token_nonce: Mapped[str] = mapped_column(String(64), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReportRollup(db.Model):
    """Traffic, events and commission summed per UTC hour and per report grouping key.

    Derived data, rebuilt from the raw rows: no foreign keys, so a deleted source never blocks a refresh.
    Money metrics are in `currency`; count-only rows carry the offer's currency so that a report never
    adds two currencies together. Each hour is stored at three levels of detail (`level`, see
    portal.reports.rollups.LEVELS) so that a report reads the coarsest rows that still hold its dimensions."""

    __tablename__ = "report_rollups"
    __table_args__ = (
        # The sub IDs make the natural key too long for a btree: a sha256 of the whole key stands in.
        UniqueConstraint("hour", "key_hash", name="uq_report_rollups_hour_key"),
        Index("ix_report_rollups_level_hour", "level", "hour"),
        Index("ix_report_rollups_level_publisher_hour", "level", "publisher_id", "hour"),
        Index("ix_report_rollups_level_advertiser_hour", "level", "advertiser_id", "hour"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    key_hash: Mapped[str] = mapped_column(String(64))
    publisher_id: Mapped[int | None] = mapped_column(Integer)  # None only on the network-wide level
    advertiser_id: Mapped[int | None] = mapped_column(Integer)
    offer_id: Mapped[int | None] = mapped_column(Integer)
    link_id: Mapped[int | None] = mapped_column(Integer)
    creative_id: Mapped[int | None] = mapped_column(Integer)
    marketing_source_id: Mapped[int | None] = mapped_column(Integer)
    sub1: Mapped[str] = mapped_column(String(255), default="")
    sub2: Mapped[str] = mapped_column(String(255), default="")
    sub3: Mapped[str] = mapped_column(String(255), default="")
    sub4: Mapped[str] = mapped_column(String(255), default="")
    sub5: Mapped[str] = mapped_column(String(255), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    click_count: Mapped[int] = mapped_column(Integer, default=0)
    unique_click_count: Mapped[int] = mapped_column(Integer, default=0)
    banner_view_count: Mapped[int] = mapped_column(Integer, default=0)
    registration_count: Mapped[int] = mapped_column(Integer, default=0)
    ftd_count: Mapped[int] = mapped_column(Integer, default=0)
    conversion_count: Mapped[int] = mapped_column(Integer, default=0)
    deposit_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    ngr: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_reward: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class ReportDirtyHour(db.Model):
    """An append-only note that raw rows of one UTC hour changed; the refresh job recomputes that hour.

    Append-only (no upsert) so that writers never wait on each other's row locks."""

    __tablename__ = "report_dirty_hours"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportFailedHour(db.Model):
    """An hour whose rollups cannot be computed from its raw rows: a sum no rollup column holds, or a time
    with no next hour. The refresh records it, logs an error and goes on with the other hours; the hour
    keeps its last rollups, is tried again when it is noted dirty again or rebuilt, and its row goes once
    it rolls up."""

    __tablename__ = "report_failed_hours"

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    error: Mapped[str] = mapped_column(String(500))
    failures: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The hourly refresh reads raw rows by time; these indexes keep it from scanning whole tables.
Index("ix_clicks_created_at", Click.__table__.c.created_at)
Index("ix_impression_counts_hour", ImpressionCount.__table__.c.hour)
Index("ix_events_occurred_at", Event.__table__.c.occurred_at)
Index("ix_conversions_created_at", Conversion.__table__.c.created_at)
