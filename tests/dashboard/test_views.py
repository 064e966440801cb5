"""Each role's dashboard shows its own numbers only."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.tracking.models import ImpressionCount
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.factories import (
    AdvertiserFactory,
    ClickFactory,
    ConversionFactory,
    CreativeFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)


def metric(page: str, name: str) -> str:
    return re.search(rf'data-metric="{name}">([^<]*)<', page).group(1)


@pytest.fixture
def network(app):
    """Two advertisers, two publishers; publisher A promotes both advertisers' offers, B only X's."""
    x, y = AdvertiserFactory(name="Xanadu Casino"), AdvertiserFactory(name="Yonder Bet")
    offer_x, offer_y = OfferFactory(advertiser=x, name="Offer Xanadu Welcome"), OfferFactory(advertiser=y, name="Offer Yonder Spins")
    a, b = PublisherFactory(name="Alpha Media"), PublisherFactory(name="Beta Media")
    link_ax = TrackingLinkFactory(publisher=a, offer=offer_x, name="Link Alpha to X")
    link_ay = TrackingLinkFactory(publisher=a, offer=offer_y, name="Link Alpha to Y")
    link_bx = TrackingLinkFactory(publisher=b, offer=offer_x, name="Link Beta to X")
    ClickFactory.create_batch(3, link=link_ax)
    ClickFactory.create_batch(2, link=link_ay)
    ClickFactory.create_batch(4, link=link_bx)
    ClickFactory(link=link_bx, is_bot=True)  # bots are not counted
    ClickFactory(link=link_ax, created_at=utcnow() - timedelta(days=45))  # older than 30 days
    ConversionFactory(link=link_ax, status=ConversionStatus.APPROVED, payout=Decimal("25.00"))
    ConversionFactory(link=link_ax, status=ConversionStatus.PENDING, payout=Decimal("12.50"))
    ConversionFactory(link=link_ay, status=ConversionStatus.REJECTED, payout=Decimal("99.00"))
    ConversionFactory.create_batch(3, link=link_bx, payout=Decimal("10.00"), currency="USD")
    creative = CreativeFactory(offer=offer_x)
    hour = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    db.session.add_all(
        [
            ImpressionCount(creative_id=creative.id, link_id=link_ax.id, publisher_id=a.id, hour=hour, count=100),
            ImpressionCount(creative_id=creative.id, link_id=link_bx.id, publisher_id=b.id, hour=hour, count=40),
        ]
    )
    users = {
        "alpha": UserFactory(is_publisher=True, publisher=a),
        "beta": UserFactory(is_publisher=True, publisher=b),
        "xanadu": UserFactory(is_advertiser=True, advertiser=x),
        "yonder": UserFactory(is_advertiser=True, advertiser=y),
        "admin": UserFactory(),
    }
    db.session.commit()
    return {name: signed_in_client(app, user).get("/").get_data(as_text=True) for name, user in users.items()}


def test_publisher_dashboard_counts_only_its_own_traffic(network):
    page = network["alpha"]
    assert "<h1>Alpha Media</h1>" in page
    assert metric(page, "clicks") == "5"
    assert metric(page, "impressions") == "100"
    assert metric(page, "conversions") == "3"
    assert metric(page, "payout-EUR") == "37.50 EUR"  # approved + pending; the rejected one earns nothing
    assert 'data-metric="payout-USD"' not in page
    assert "Link Alpha to X" in page and "Link Alpha to Y" in page
    assert "Link Beta to X" not in page and "Beta Media" not in page


def test_other_publisher_dashboard_counts_only_its_own_traffic(network):
    page = network["beta"]
    assert "<h1>Beta Media</h1>" in page
    assert (metric(page, "clicks"), metric(page, "impressions"), metric(page, "conversions")) == ("4", "40", "3")
    assert metric(page, "payout-USD") == "30.00 USD"
    assert 'data-metric="payout-EUR"' not in page
    assert "Link Beta to X" in page
    assert "Link Alpha" not in page and "Alpha Media" not in page


def test_advertiser_dashboard_counts_only_its_own_offers(network):
    page = network["xanadu"]
    assert "<h1>Xanadu Casino</h1>" in page
    assert (metric(page, "clicks"), metric(page, "impressions"), metric(page, "conversions")) == ("7", "140", "5")
    assert "Offer Xanadu Welcome" in page
    assert "Offer Yonder Spins" not in page and "Yonder Bet" not in page


def test_other_advertiser_dashboard_counts_only_its_own_offers(network):
    page = network["yonder"]
    assert "<h1>Yonder Bet</h1>" in page
    assert (metric(page, "clicks"), metric(page, "impressions"), metric(page, "conversions")) == ("2", "0", "1")
    assert "Offer Yonder Spins" in page
    assert "Offer Xanadu Welcome" not in page and "Xanadu Casino" not in page


def test_admin_dashboard_counts_the_whole_network(network):
    page = network["admin"]
    assert "<h1>Network dashboard</h1>" in page
    assert "2 advertisers · 2 offers · 2 publishers" in page
    assert (metric(page, "clicks"), metric(page, "impressions"), metric(page, "conversions")) == ("9", "140", "6")


def test_dashboard_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
