import pytest
from redis import Redis

from portal.extensions import db
from portal.tracking.targets import clear_cache
from tests.factories import (
    CreativeFactory,
    LandingPageFactory,
    OfferFactory,
    TrackingLinkFactory,
)

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.fixture(autouse=True)
def fresh_tracking_cache(app):
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def link(app):
    """A live link on an offer whose destination has its own query string; committed for HTTP tests."""
    offer = OfferFactory(destination_url="https://brand.example/join?utm_source=aff&lang=en")
    created = TrackingLinkFactory(offer=offer)
    db.session.commit()
    return created


@pytest.fixture
def banner_link(app):
    offer = OfferFactory()
    creative = CreativeFactory(offer=offer)
    created = TrackingLinkFactory(offer=offer, creative=creative)
    db.session.commit()
    return created, creative


@pytest.fixture
def dead_redis(app, monkeypatch):
    """Point the hot path at a port where no Redis listens: a real connection failure."""
    monkeypatch.setitem(app.extensions, "tracklane.tracking_redis", Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))


def browser(client, url, **headers):
    return client.get(url, headers={"User-Agent": BROWSER_UA, **headers})


__all__ = ["BROWSER_UA", "browser", "LandingPageFactory"]
