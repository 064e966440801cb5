"""Fixtures for the network admin tests."""
from decimal import Decimal

import pytest

from portal.extensions import db
from tests.factories import (
    AdvertiserFactory,
    LandingPageFactory,
    OfferEventFactory,
    OfferFactory,
)

HX = {"HX-Request": "true"}


def body(response) -> str:
    return response.get_data(as_text=True)


def offer_form(advertiser, **values) -> dict:
    """A valid offer form as a browser posts it (unchecked boxes are absent)."""
    form = {
        "advertiser_id": str(advertiser.id), "name": "Summer Campaign 2025", "description": "", "active": "y",
        "visibility": "Public", "currency": "USD", "destination_url": "https://shop.example/summer",
        "fallback_url": "https://fallback.example.com", "conversion_name": "Sale", "terms_and_conditions": "",
        "restriction_note": "", "primary_domain": "", "targeting_group_id": "", "impression_forwarding_url": "",
        "parallel_tracking_url": "", "payout_type": "CPA", "payout": "12.5", "payout_percent": "",
        "revenue_type": "RPA", "revenue": "20", "revenue_percent": "",
    }
    form.update(values)
    return {name: value for name, value in form.items() if value is not None}


@pytest.fixture
def advertiser(app):
    advertiser = AdvertiserFactory(name="Acme Corp")
    db.session.commit()
    return advertiser


@pytest.fixture
def offer(advertiser):
    offer = OfferFactory(advertiser=advertiser, name="Alpha Casino", payout=Decimal("25.0000"))
    OfferEventFactory(offer=offer, code="ftd", name="First deposit")
    LandingPageFactory(offer=offer, name="Welcome", url="https://alpha.example/welcome")
    db.session.commit()
    return offer
