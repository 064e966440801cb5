"""Raw traffic: one row per click, impressions counted per hour."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import UTCDateTime


class Click(db.Model):
    __tablename__ = "clicks"
    __table_args__ = (
        Index("ix_clicks_publisher_created", "publisher_id", "created_at"),
        Index("ix_clicks_link_created", "link_id", "created_at"),
        Index("ix_clicks_offer_created", "offer_id", "created_at"),
    )

    click_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # UUIDv7: time-ordered
    link_id: Mapped[int] = mapped_column(ForeignKey("tracking_links.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    creative_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id"))
    marketing_source_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_sources.id"))
    sub1: Mapped[str] = mapped_column(String(255), default="")
    sub2: Mapped[str] = mapped_column(String(255), default="")
    sub3: Mapped[str] = mapped_column(String(255), default="")
    sub4: Mapped[str] = mapped_column(String(255), default="")
    sub5: Mapped[str] = mapped_column(String(255), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    referrer: Mapped[str] = mapped_column(String(1024), default="")
    ip_hash: Mapped[str] = mapped_column(String(64), default="")
    is_unique: Mapped[bool] = mapped_column(Boolean, default=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # A sub ID came longer than MAX_SUB_LENGTH and was cut to it (the visitor was redirected all the same).
    subs_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImpressionCount(db.Model):
    """Banner views of one creative through one link in one UTC hour."""

    __tablename__ = "impression_counts"
    __table_args__ = (UniqueConstraint("creative_id", "link_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id"))
    link_id: Mapped[int] = mapped_column(ForeignKey("tracking_links.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)


class UnattributedImpressionCount(db.Model):
    """Banner views of one creative in one UTC hour whose pixel named no link and publisher it could be
    credited to (`lid` / `aid` missing, unknown, or not matching the creative). Kept apart from
    `impression_counts`, which reports, CPM and dashboards read: these earn no publisher anything."""

    __tablename__ = "unattributed_impressions"
    __table_args__ = (UniqueConstraint("creative_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)


class FlushedBatch(db.Model):
    """Impression batches already added to the counters; makes a retried flush a no-op."""

    __tablename__ = "flushed_batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flushed_at: Mapped[datetime] = mapped_column(UTCDateTime)
