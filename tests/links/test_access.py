"""Which offers a publisher may promote and which landing pages it may pick."""
from portal.extensions import db
from portal.network.models import AccessStatus, Visibility
from portal.network.offers.access import can_promote, pickable_landing_pages, promotable_offers
from portal.types import utcnow
from tests.factories import LandingPageFactory, OfferFactory, PublisherFactory
from tests.links.conftest import grant


def test_public_active_offers_are_promotable_by_everyone(app):
    offer = OfferFactory(visibility=Visibility.PUBLIC)
    publisher = PublisherFactory()
    assert promotable_offers(publisher.id) == [offer]
    assert can_promote(publisher.id, offer.id)


def test_paused_and_archived_offers_are_not_promotable(app):
    publisher = PublisherFactory()
    paused = OfferFactory(active=False)
    archived = OfferFactory(archived_at=utcnow())
    assert promotable_offers(publisher.id) == []
    assert not can_promote(publisher.id, paused.id)
    assert not can_promote(publisher.id, archived.id)


def test_private_and_approval_offers_need_an_approved_access_row_for_that_publisher(app):
    mine, other = PublisherFactory(), PublisherFactory()
    private = OfferFactory(visibility=Visibility.PRIVATE)
    approval = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    assert not can_promote(mine.id, private.id) and not can_promote(mine.id, approval.id)
    grant(private, other)
    grant(approval, mine, AccessStatus.PENDING)
    assert not can_promote(mine.id, private.id) and not can_promote(mine.id, approval.id)
    grant(private, mine)
    assert can_promote(mine.id, private.id)
    assert promotable_offers(mine.id) == [private]
    assert not can_promote(mine.id, approval.id)


def test_rejected_access_is_not_access(app):
    publisher = PublisherFactory()
    offer = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    grant(offer, publisher, AccessStatus.REJECTED)
    assert not can_promote(publisher.id, offer.id)


def test_unknown_or_missing_offer_cannot_be_promoted(app):
    publisher = PublisherFactory()
    assert not can_promote(publisher.id, None)
    assert not can_promote(publisher.id, 999_999)


def test_pickable_landing_pages_leave_out_hidden_and_archived_pages(app):
    offer = OfferFactory()
    shown = LandingPageFactory(offer=offer)
    LandingPageFactory(offer=offer, hidden=True)
    LandingPageFactory(offer=offer, archived_at=utcnow())
    LandingPageFactory()  # another offer's
    db.session.flush()
    assert pickable_landing_pages(offer.id) == [shown]
    assert pickable_landing_pages(None) == []
