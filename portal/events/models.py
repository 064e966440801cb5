"""The advertiser's players and the events it sends about them."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import JSON, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import Money, UTCDateTime, utcnow


class Player(db.Model):
    """An advertiser's customer, attributed for life to the click that brought them."""

    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("advertiser_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Dimension ids (advertiser, publisher, offer, link) here and in Event carry no foreign key: every
    # ingest request would lock the same parent rows to check them (migration 0010 says why); nor does
    # an event's player id (0011).
    advertiser_id: Mapped[int] = mapped_column()
    external_id: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    anon_id: Mapped[str | None] = mapped_column(String(255))
    user_properties: Mapped[dict] = mapped_column(JSON, default=dict)
    # Profile fields sent among a user's identifiers (seed 004: first_name, …); set once, like the identifiers.
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    click_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    link_id: Mapped[int | None] = mapped_column()
    publisher_id: Mapped[int | None] = mapped_column(index=True)
    offer_id: Mapped[int | None] = mapped_column()
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("advertiser_id", "idempotency_key"),
        Index("ix_events_advertiser_received", "advertiser_id", "received_at"),  # the dashboard's count
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # UUIDv7
    advertiser_id: Mapped[int] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    body_hash: Mapped[str] = mapped_column(String(64))  # tells a true repeat from a key reused for another body
    type: Mapped[str] = mapped_column(String(32))
    player_id: Mapped[int | None] = mapped_column(index=True)
    click_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # kept even when unknown: unattributed
    publisher_id: Mapped[int | None] = mapped_column()
    offer_id: Mapped[int | None] = mapped_column()
    link_id: Mapped[int | None] = mapped_column()
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    properties: Mapped[dict] = mapped_column(JSON, default=dict)


class AcceptedEvent(NamedTuple):
    """An event just stored, with the click it is credited to: what `portal.signals.events_accepted` carries
    (a tuple: one per event, made fast)."""

    event_id: uuid.UUID
    type: str
    properties: dict
    player_id: int | None
    click_id: uuid.UUID | None
    link_id: int | None
    publisher_id: int | None
    offer_id: int | None
    amount: Decimal | None
    currency: str | None
    occurred_at: datetime
