"""A publisher's tracking links and the traffic sources they tag them with."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class MarketingSource(db.Model):
    __tablename__ = "marketing_sources"
    __table_args__ = (UniqueConstraint("publisher_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="Other")
    url: Mapped[str] = mapped_column(String(2048), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    publisher = relationship("Publisher")


class TrackingLink(db.Model):
    """The URL a publisher places; `public_id` is what appears in /track/click/{public_id}."""

    __tablename__ = "tracking_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    landing_page_id: Mapped[int | None] = mapped_column(ForeignKey("landing_pages.id"))
    destination_url: Mapped[str] = mapped_column(String(2048), default="")
    marketing_source_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_sources.id"))
    creative_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id"))
    geo_target: Mapped[str] = mapped_column(String(2), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    publisher = relationship("Publisher")
    offer = relationship("Offer")
    landing_page = relationship("LandingPage")
    marketing_source = relationship("MarketingSource")
    creative = relationship("Creative")
