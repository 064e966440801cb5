"""Fixtures for the links tests: a publisher with promotable and forbidden offers."""
import pytest

from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess, Visibility
from tests.factories import CreativeFactory, LandingPageFactory, OfferFactory


@pytest.fixture
def publisher(publisher_user):
    return publisher_user.publisher


@pytest.fixture
def public_offer(app):
    offer = OfferFactory(name="Alpha Casino", visibility=Visibility.PUBLIC)
    LandingPageFactory(offer=offer, name="Welcome page", url="https://alpha.example/welcome?src=aff")
    LandingPageFactory(offer=offer, name="Secret page", url="https://alpha.example/secret", hidden=True)
    CreativeFactory(offer=offer, name="Leaderboard")
    db.session.commit()
    return offer


@pytest.fixture
def private_offer(app):
    offer = OfferFactory(name="Bravo Private", visibility=Visibility.PRIVATE)
    db.session.commit()
    return offer


def grant(offer, publisher, status=AccessStatus.APPROVED):
    db.session.add(OfferAccess(offer_id=offer.id, publisher_id=publisher.id, status=status))
    db.session.commit()
