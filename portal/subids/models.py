"""Managed sub IDs of a publisher, and sub IDs whose traffic the network refuses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class SubId(db.Model):
    __tablename__ = "sub_ids"
    __table_args__ = (UniqueConstraint("publisher_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    external_id: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    external_link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    publisher = relationship("Publisher")


class BlockedSubId(db.Model):
    __tablename__ = "blocked_sub_ids"
    __table_args__ = (UniqueConstraint("publisher_id", "offer_id", "sub_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    sub_id: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
