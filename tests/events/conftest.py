import pytest

from portal.accounts.service import create_api_key
from portal.extensions import db
from tests.factories import (
    AdvertiserFactory,
    ClickFactory,
    OfferFactory,
    TrackingLinkFactory,
)

EVENTS_URL = "/api/v1/events"


@pytest.fixture
def advertiser(app):
    return AdvertiserFactory()


@pytest.fixture
def api_key(app, advertiser):
    """The secret of a live key of `advertiser`, committed so HTTP requests see it."""
    _, secret = create_api_key("events", advertiser.id)
    db.session.commit()
    return secret


@pytest.fixture
def send(client, api_key):
    """POST a body (a dict, or raw bytes) with the advertiser's key."""

    def post(body, key=api_key, **headers):
        if key is not None:
            headers["X-API-Key"] = key
        if isinstance(body, (bytes, str)):
            return client.post(EVENTS_URL, data=body, headers=headers, content_type="application/json")
        return client.post(EVENTS_URL, json=body, headers=headers)

    return post


@pytest.fixture
def click(app, advertiser):
    """A committed click on a link to one of `advertiser`'s offers."""
    link = TrackingLinkFactory(offer=OfferFactory(advertiser=advertiser))
    created = ClickFactory(link=link)
    db.session.commit()
    return created


def deposit(player_id="p-1", amount="10.00", **fields):
    return {"type": "deposit", "player_id": player_id, "amount": amount, "currency": "EUR", **fields}
