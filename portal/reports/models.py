"""Saved report definitions that scripts can pull with a token."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


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
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
