"""factory_boy factories for the domain objects; rows are flushed into the test's session."""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from uuid_utils.compat import uuid7

from portal.accounts.models import STAFF_ROLES, Role, User
from portal.accounts.passwords import hash_password
from portal.conversions.models import Conversion, ConversionStatus
from portal.creatives.models import Creative
from portal.events.models import Event, Player
from portal.extensions import db
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import (
    Advertiser,
    CustomPayout,
    CustomThrottle,
    LandingPage,
    Offer,
    OfferEvent,
    PayoutType,
    Publisher,
    ThrottleStatus,
)
from portal.rewards.models import PointsRule, Reward
from portal.subids.models import SubId
from portal.tracking.models import Click
from portal.types import utcnow

DEFAULT_PASSWORD = "correct horse battery"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AdvertiserFactory(Base):
    class Meta:
        model = Advertiser

    name = factory.Sequence(lambda n: f"Advertiser {n}")


class PublisherFactory(Base):
    class Meta:
        model = Publisher

    name = factory.Sequence(lambda n: f"Publisher {n}")
    email = factory.Sequence(lambda n: f"team{n}@publisher.test")


class OfferFactory(Base):
    class Meta:
        model = Offer

    advertiser = factory.SubFactory(AdvertiserFactory)
    name = factory.Sequence(lambda n: f"Offer {n}")
    destination_url = "https://casino.example/welcome?src=aff"
    currency = "EUR"
    payout_type = PayoutType.CPA
    payout = Decimal("25.00")


class OfferEventFactory(Base):
    class Meta:
        model = OfferEvent

    offer = factory.SubFactory(OfferFactory)
    code = "ftd"
    name = "First deposit"
    payout_type = PayoutType.CPA
    payout = Decimal("50.00")


class LandingPageFactory(Base):
    class Meta:
        model = LandingPage

    offer = factory.SubFactory(OfferFactory)
    name = factory.Sequence(lambda n: f"Landing page {n}")
    url = factory.Sequence(lambda n: f"https://casino.example/lp/{n}")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@tracklane.test")
    username = factory.Sequence(lambda n: f"user{n}")
    password_hash = factory.LazyFunction(lambda: hash_password(DEFAULT_PASSWORD))
    role = Role.ADMIN
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    # Staff made here may be picked as managers (the column's default is off, as for an invited user).
    is_publisher_manager = factory.LazyAttribute(lambda user: user.role in STAFF_ROLES)
    is_advertiser_manager = factory.LazyAttribute(lambda user: user.role in STAFF_ROLES)

    class Params:
        is_publisher = factory.Trait(role=Role.PUBLISHER, publisher=factory.SubFactory(PublisherFactory))
        is_advertiser = factory.Trait(role=Role.ADVERTISER, advertiser=factory.SubFactory(AdvertiserFactory))
        is_account_manager = factory.Trait(role=Role.ACCOUNT_MANAGER)


class MarketingSourceFactory(Base):
    class Meta:
        model = MarketingSource

    publisher = factory.SubFactory(PublisherFactory)
    name = factory.Sequence(lambda n: f"Source {n}")


class TrackingLinkFactory(Base):
    class Meta:
        model = TrackingLink

    publisher = factory.SubFactory(PublisherFactory)
    offer = factory.SubFactory(OfferFactory)
    public_id = factory.LazyFunction(lambda: secrets.token_urlsafe(12))
    name = factory.Sequence(lambda n: f"Link {n}")


class CreativeFactory(Base):
    class Meta:
        model = Creative

    offer = factory.SubFactory(OfferFactory)
    public_id = factory.LazyFunction(lambda: secrets.token_urlsafe(12))
    name = factory.Sequence(lambda n: f"Banner {n}")
    file_name = factory.LazyFunction(lambda: f"{secrets.token_hex(32)}.png")
    content_type = "image/png"
    width = 728
    height = 90


class SubIdFactory(Base):
    class Meta:
        model = SubId

    publisher = factory.SubFactory(PublisherFactory)
    external_id = factory.Sequence(lambda n: f"sub_{n}")
    name = factory.Sequence(lambda n: f"Sub ID {n}")


class ClickFactory(Base):
    link = factory.SubFactory(TrackingLinkFactory)
    click_id = factory.LazyFunction(uuid7)
    link_id = factory.LazyAttribute(lambda o: o.link.id)
    publisher_id = factory.LazyAttribute(lambda o: o.link.publisher_id)
    offer_id = factory.LazyAttribute(lambda o: o.link.offer_id)
    created_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))

    class Meta:
        model = Click
        exclude = ("link",)


class PlayerFactory(Base):
    class Meta:
        model = Player

    advertiser_id = factory.LazyAttribute(lambda o: AdvertiserFactory().id)
    external_id = factory.Sequence(lambda n: f"player-{n}")


class EventFactory(Base):
    class Meta:
        model = Event

    id = factory.LazyFunction(uuid7)
    advertiser_id = factory.LazyAttribute(lambda o: AdvertiserFactory().id)
    body_hash = factory.LazyFunction(lambda: uuid.uuid4().hex)
    type = "registration"
    occurred_at = factory.LazyFunction(utcnow)


class ConversionFactory(Base):
    link = factory.SubFactory(TrackingLinkFactory)
    publisher_id = factory.LazyAttribute(lambda o: o.link.publisher_id)
    offer_id = factory.LazyAttribute(lambda o: o.link.offer_id)
    link_id = factory.LazyAttribute(lambda o: o.link.id)
    status = ConversionStatus.PENDING
    payout_type = PayoutType.CPA
    payout = Decimal("25.00")
    currency = "EUR"

    class Meta:
        model = Conversion
        exclude = ("link",)


class CustomPayoutFactory(Base):
    publisher = factory.SubFactory(PublisherFactory)
    publisher_id = factory.LazyAttribute(lambda o: o.publisher.id)
    offer = factory.SubFactory(OfferFactory)
    offer_id = factory.LazyAttribute(lambda o: o.offer.id)
    payout_type = PayoutType.CPA
    payout = Decimal("40.00")

    class Meta:
        model = CustomPayout
        exclude = ("publisher", "offer")


class CustomThrottleFactory(Base):
    publisher = factory.SubFactory(PublisherFactory)
    publisher_id = factory.LazyAttribute(lambda o: o.publisher.id)
    offer = factory.SubFactory(OfferFactory)
    offer_id = factory.LazyAttribute(lambda o: o.offer.id)
    percentage = 20
    throttle_status = ThrottleStatus.REJECTED

    class Meta:
        model = CustomThrottle
        exclude = ("publisher", "offer")


class RewardFactory(Base):
    class Meta:
        model = Reward

    title = factory.Sequence(lambda n: f"Reward {n}")
    description = "A thank-you from the network."
    points_cost = 100
    enabled = True
    input_fields = factory.LazyFunction(list)


class PointsRuleFactory(Base):
    class Meta:
        model = PointsRule

    currency = "EUR"
    offer_id = None
    points_per_unit = Decimal("1")
