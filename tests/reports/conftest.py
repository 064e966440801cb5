"""A small network with hand-countable traffic: two publishers, two advertisers (EUR and USD offers)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.reports.rollups import rebuild
from portal.tracking.models import ImpressionCount
from tests.factories import (
    AdvertiserFactory,
    ClickFactory,
    ConversionFactory,
    CreativeFactory,
    EventFactory,
    MarketingSourceFactory,
    OfferFactory,
    PlayerFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    publisher_a: object
    publisher_b: object
    advertiser_x: object
    advertiser_y: object
    offer_eur: object
    offer_usd: object
    link_a: object
    link_a_usd: object
    link_b: object
    user_a: object
    user_b: object
    user_x: object
    creative: object
    source: object


def click(link, when: str, **fields):
    return ClickFactory(link=link, created_at=at(when), **fields)


def event(link, click_row, kind: str, when: str, amount: str | None = None, currency: str | None = None):
    return EventFactory(
        advertiser_id=link.offer.advertiser_id,
        type=kind,
        click_id=click_row.click_id if click_row else None,
        publisher_id=link.publisher_id,
        offer_id=link.offer_id,
        link_id=link.id,
        amount=Decimal(amount) if amount else None,
        currency=currency,
        occurred_at=at(when),
    )


def conversion(link, click_row, payout: str, when: str, status=ConversionStatus.APPROVED, currency="EUR"):
    return ConversionFactory(
        link=link, click_id=click_row.click_id if click_row else None, payout=Decimal(payout),
        created_at=at(when), status=status, currency=currency,
    )  # fmt: skip


@pytest.fixture
def world(app) -> World:
    """Traffic on 2026-11-10 (UTC), numbers chosen so each test can count them by hand:

    publisher A, EUR offer, link_a (source "Newsletter", creative "Leaderboard"):
      clicks 09:15 (sub1 "alpha", DE, unique), 09:45 (sub1 "alpha", DE, repeat), 23:30 (sub1 "=cmd()", AT, unique),
      one bot click 10:00 (never counted); 7 banner views at 09:00;
      registration 09:20 and ftd 09:50 of 10.10, deposit 23:40 of 0.20 (EUR) — all on the 09:15 click;
      conversions 25.10 approved (09:50), 0.20 pending (23:40), 99 rejected (09:50).
    publisher A, USD offer, link_a_usd: one click 12:00 (US), deposit 5.05 USD, conversion 3.03 USD.
    publisher B, EUR offer, link_b: two clicks 09:30 (sub1 "beta"), conversion 40.00.
    """
    x, y = AdvertiserFactory(name="Northwind"), AdvertiserFactory(name="Southwind")
    offer_eur = OfferFactory(advertiser=x, name="Casino EUR", currency="EUR")
    offer_usd = OfferFactory(advertiser=y, name="Sports USD", currency="USD")
    pub_a, pub_b = PublisherFactory(name="Alpha Media"), PublisherFactory(name="Beta Media")
    source = MarketingSourceFactory(publisher=pub_a, name="Newsletter")
    creative = CreativeFactory(offer=offer_eur, name="Leaderboard")
    link_a = TrackingLinkFactory(publisher=pub_a, offer=offer_eur, name="Main link", marketing_source_id=source.id, creative_id=creative.id)
    link_a_usd = TrackingLinkFactory(publisher=pub_a, offer=offer_usd, name="Sports link")
    link_b = TrackingLinkFactory(publisher=pub_b, offer=offer_eur, name="Beta link")

    common = {"marketing_source_id": source.id, "creative_id": creative.id}
    first = click(link_a, "2026-11-10 09:15", sub1="alpha", country="DE", is_unique=True, **common)
    click(link_a, "2026-11-10 09:45", sub1="alpha", country="DE", is_unique=False, **common)
    click(link_a, "2026-11-10 23:30", sub1="=cmd()", country="AT", is_unique=True, **common)
    click(link_a, "2026-11-10 10:00", sub1="alpha", country="DE", is_bot=True, **common)
    db.session.add(ImpressionCount(creative_id=creative.id, link_id=link_a.id, publisher_id=pub_a.id, hour=at("2026-11-10 09:00"), count=7))
    player = PlayerFactory(advertiser_id=x.id, click_id=first.click_id, link_id=link_a.id, publisher_id=pub_a.id, offer_id=offer_eur.id)
    event(link_a, first, "registration", "2026-11-10 09:20")
    event(link_a, first, "ftd", "2026-11-10 09:50", "10.10", "EUR")
    later = event(link_a, None, "deposit", "2026-11-10 23:40", "0.20", "EUR")
    later.player_id = player.id  # lifetime attribution: no click id on the event, the player's click counts
    conversion(link_a, first, "25.10", "2026-11-10 09:50")
    conversion(link_a, first, "0.20", "2026-11-10 23:40", ConversionStatus.PENDING)
    conversion(link_a, first, "99.00", "2026-11-10 09:50", ConversionStatus.REJECTED)

    usd_click = click(link_a_usd, "2026-11-10 12:00", country="US", is_unique=True)
    event(link_a_usd, usd_click, "deposit", "2026-11-10 12:10", "5.05", "USD")
    conversion(link_a_usd, usd_click, "3.03", "2026-11-10 12:10", currency="USD")

    b_click = click(link_b, "2026-11-10 09:30", sub1="beta", is_unique=True)
    click(link_b, "2026-11-10 09:31", sub1="beta", is_unique=True)
    conversion(link_b, b_click, "40.00", "2026-11-10 09:30")

    user_a = UserFactory(role=Role.PUBLISHER, publisher=pub_a)
    user_b = UserFactory(role=Role.PUBLISHER, publisher=pub_b)
    user_x = UserFactory(role=Role.ADVERTISER, advertiser=x)
    db.session.commit()
    rebuild(at("2026-11-10 00:00"), at("2026-11-11 00:00"))
    return World(pub_a, pub_b, x, y, offer_eur, offer_usd, link_a, link_a_usd, link_b, user_a, user_b, user_x, creative, source)
