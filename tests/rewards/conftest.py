"""Fixtures for the rewards tests: a fan (publisher user) with points, a network API key, helpers."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from portal.accounts.service import create_api_key
from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.rewards.points import credit
from tests.factories import ConversionFactory, TrackingLinkFactory, UserFactory

HX = {"HX-Request": "true"}


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def fan(publisher_user):
    return publisher_user


@pytest.fixture
def other_fan(app):
    return UserFactory(is_publisher=True)


def give_points(user, points: int) -> None:
    credit(user.id, points, "bonus", f"test:{uuid.uuid4().hex}")
    db.session.commit()


def approved(publisher, payout: str = "25.00", currency: str = "EUR", offer=None, status=ConversionStatus.APPROVED):
    """A conversion of `publisher` (on `offer` when given) with this status and payout."""
    link = TrackingLinkFactory(publisher=publisher, **({"offer": offer} if offer is not None else {}))
    return ConversionFactory(link=link, status=status, payout=Decimal(payout), currency=currency)


@pytest.fixture
def network_key(app):
    _, secret = create_api_key("rewards scripts", None)
    db.session.commit()
    return secret


@pytest.fixture
def api(client, network_key):
    """Call the rewards API with the network key: api("get", "/api/v1/rewards", json=...)."""

    def call(method: str, url: str, key: str | None = network_key, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["x-api-key"] = key
        return client.open(url, method=method.upper(), headers=headers, **kwargs)

    return call
