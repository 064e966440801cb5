"""Publisher → Offers: what a publisher may promote with its effective payout, landing pages, terms, the
link-builder shortcut, access requests for Requires_Approval offers, and isolation between publishers."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess, PayoutType, PublisherStatus, Visibility
from portal.network.plans import effective_plan
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.factories import (
    CustomPayoutFactory,
    LandingPageFactory,
    OfferEventFactory,
    OfferFactory,
    UserFactory,
)
from tests.network.conftest import HX, body


def offer_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-offer-id="(\d+)"', html)]


def card(html: str, offer_id: int) -> str:
    match = re.search(rf'<article id="offer-{offer_id}".*?</article>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def me(publisher_user):
    return publisher_user


def test_only_publishers_reach_the_offer_list(admin_client, advertiser_client, client):
    offer = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    db.session.commit()
    for other in (admin_client, advertiser_client):
        assert other.get("/offers").status_code == 403
        assert other.post(f"/offers/{offer.id}/request-access").status_code == 403
    assert client.get("/offers").status_code == 302


def test_the_list_shows_promotable_and_requestable_offers_only(publisher_client, me):
    public = OfferFactory(name="A Public")
    approved_private = OfferFactory(name="B Private approved", visibility=Visibility.PRIVATE)
    private = OfferFactory(name="C Private", visibility=Visibility.PRIVATE)
    askable = OfferFactory(name="D Needs approval", visibility=Visibility.REQUIRES_APPROVAL)
    OfferFactory(name="E Paused", active=False)
    OfferFactory(name="F Archived", archived_at=utcnow())
    OfferFactory(name="G Needs approval but archived", visibility=Visibility.REQUIRES_APPROVAL, archived_at=utcnow())
    db.session.add(OfferAccess(offer_id=approved_private.id, publisher_id=me.publisher_id, status=AccessStatus.APPROVED))
    other = UserFactory(is_publisher=True)
    db.session.add(OfferAccess(offer_id=private.id, publisher_id=other.publisher_id, status=AccessStatus.APPROVED))
    db.session.commit()
    html = body(publisher_client.get("/offers"))
    assert offer_ids(html) == [public.id, approved_private.id, askable.id]
    assert 'href="/links/new?offer=%d"' % public.id in card(html, public.id)
    assert "Request access" in card(html, askable.id) and "/links/new" not in card(html, askable.id)
    assert "Request access" not in card(html, approved_private.id)
    search = publisher_client.get("/offers?q=privATE", headers=HX)
    assert search.status_code == 200 and "<html" not in body(search) and offer_ids(body(search)) == [approved_private.id]


def test_effective_payout_custom_beats_default_and_event_beats_offer(publisher_client, me):
    offer = OfferFactory(name="Alpha", currency="USD", payout=Decimal("25"))
    ftd = OfferEventFactory(offer=offer, code="ftd", name="First deposit", payout=Decimal("50"))
    reg = OfferEventFactory(offer=offer, code="reg", name="Registration", payout=Decimal("2"))
    OfferEventFactory(offer=offer, code="old", name="Retired", active=False)
    CustomPayoutFactory(publisher_id=me.publisher_id, offer=offer, payout=Decimal("30"))
    CustomPayoutFactory(publisher_id=me.publisher_id, offer=offer, offer_event_id=ftd.id,
                        payout_type=PayoutType.CPS, payout=Decimal("0"), payout_percent=Decimal("35"))
    db.session.commit()
    assert effective_plan(me.publisher_id, offer).source == "custom_offer"
    assert effective_plan(me.publisher_id, offer, ftd).source == "custom_event"
    assert effective_plan(me.publisher_id, offer, reg).payout == Decimal("30.0000")
    html = card(body(publisher_client.get("/offers")), offer.id)
    offer_payout = re.search(r'data-payout="offer">(.*?)</p>', html, re.S).group(1)
    assert "30.00 USD" in offer_payout and "your rate" in offer_payout
    ftd_row = re.search(r'data-event-code="ftd">(.*?)</tr>', html, re.S).group(1)
    assert "CPS" in ftd_row and "35%" in ftd_row
    reg_row = re.search(r'data-event-code="reg">(.*?)</tr>', html, re.S).group(1)
    assert "30.00 USD" in reg_row  # the whole-offer custom payout beats the event's default
    assert 'data-event-code="old"' not in html
    assert "revenue" not in html.lower()  # the network's side of the plan is never shown


def test_default_plan_when_no_custom_payout(publisher_client, me):
    offer = OfferFactory(name="Plain", currency="EUR", payout=Decimal("25"))
    OfferEventFactory(offer=offer, code="ftd", payout=Decimal("50"))
    db.session.commit()
    html = card(body(publisher_client.get("/offers")), offer.id)
    assert "25.00 EUR" in html and "50.00 EUR" in html and "your rate" not in html


def test_a_publisher_never_sees_another_publishers_custom_payout(app, publisher_client, me):
    offer = OfferFactory(name="Shared", payout=Decimal("25"))
    other = UserFactory(is_publisher=True)
    CustomPayoutFactory(publisher_id=other.publisher_id, offer=offer, payout=Decimal("99.99"))
    db.session.commit()
    mine = card(body(publisher_client.get("/offers")), offer.id)
    assert "99.99" not in mine and "25.00" in mine
    theirs = card(body(signed_in_client(app, other).get("/offers")), offer.id)
    assert "99.99 EUR" in theirs


def test_landing_pages_and_terms(publisher_client, me):
    offer = OfferFactory(terms_and_conditions="No <script>brand bidding</script>", terms_and_conditions_enabled=True)
    LandingPageFactory(offer=offer, name="Welcome page", preview_url="https://casino.example/preview")
    LandingPageFactory(offer=offer, name="Secret page", hidden=True)
    LandingPageFactory(offer=offer, name="Old page", archived_at=utcnow())
    db.session.commit()
    html = card(body(publisher_client.get("/offers")), offer.id)
    assert "Welcome page" in html and "Secret page" not in html and "Old page" not in html
    assert "No &lt;script&gt;brand bidding&lt;/script&gt;" in html


def test_request_access_to_a_requires_approval_offer(publisher_client, me):
    offer = OfferFactory(name="Gated", visibility=Visibility.REQUIRES_APPROVAL)
    db.session.commit()
    response = publisher_client.post(f"/offers/{offer.id}/request-access", headers=HX)
    assert response.status_code == 200 and "Access to “Gated” is requested" in body(response)
    assert "Access requested" in card(body(response), offer.id)
    access = db.session.scalar(select(OfferAccess))
    assert (access.publisher_id, access.status) == (me.publisher_id, AccessStatus.PENDING)
    again = publisher_client.post(f"/offers/{offer.id}/request-access")
    assert again.status_code == 302
    assert db.session.query(OfferAccess).count() == 1
    access.status = AccessStatus.APPROVED
    db.session.commit()
    assert publisher_client.post(f"/offers/{offer.id}/request-access", headers=HX).status_code == 409
    assert "/links/new" in card(body(publisher_client.get("/offers")), offer.id)


def test_request_access_refuses_public_private_unknown_and_missing_csrf(publisher_client, me):
    public = OfferFactory()
    private = OfferFactory(visibility=Visibility.PRIVATE)
    gated = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    db.session.commit()
    assert publisher_client.post(f"/offers/{public.id}/request-access", headers=HX).status_code == 409
    assert publisher_client.post(f"/offers/{private.id}/request-access").status_code == 404
    assert publisher_client.post("/offers/999999/request-access").status_code == 404
    assert publisher_client.post(f"/offers/{gated.id}/request-access", csrf=False).status_code == 400
    assert db.session.query(OfferAccess).count() == 0


def test_a_rejected_publisher_may_ask_again(publisher_client, me):
    offer = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    db.session.add(OfferAccess(offer_id=offer.id, publisher_id=me.publisher_id, status=AccessStatus.REJECTED))
    db.session.commit()
    assert "declined" in card(body(publisher_client.get("/offers")), offer.id)
    assert publisher_client.post(f"/offers/{offer.id}/request-access", headers=HX).status_code == 200
    assert db.session.scalar(select(OfferAccess.status)) == AccessStatus.PENDING


def test_a_suspended_publisher_is_told_its_links_are_stopped(publisher_client, me):
    me.publisher.status = PublisherStatus.SUSPENDED
    db.session.commit()
    assert "links do not send traffic" in body(publisher_client.get("/offers"))


def test_the_create_link_shortcut_preselects_the_offer(publisher_client, me):
    offer = OfferFactory(name="Preselected")
    db.session.commit()
    builder = body(publisher_client.get(f"/links/new?offer={offer.id}"))
    assert re.search(rf'<option selected value="{offer.id}"|<option value="{offer.id}" selected', builder)
