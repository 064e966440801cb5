"""The custom-term verbs directly: exact Decimal terms, the whole-offer duplicate rule, sub ID filters,
audited changes, and how the plans module then resolves a publisher's payout."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network.models import PayoutType, RevenueType, ThrottleStatus
from portal.network.plans import effective_plan
from portal.network.publishers.custom_terms import (
    add_custom_payout,
    add_custom_throttle,
    delete_custom_throttle,
    term_labels,
    update_custom_payout,
)
from portal.types import utcnow
from portal.validation import Invalid
from tests.factories import OfferEventFactory, OfferFactory, PublisherFactory, UserFactory


@pytest.fixture
def world(app):
    admin = UserFactory()
    publisher, other = PublisherFactory(), PublisherFactory()
    offer = OfferFactory(payout=Decimal("25"))
    ftd = OfferEventFactory(offer=offer, code="ftd", payout=Decimal("50"))
    reg = OfferEventFactory(offer=offer, code="reg", payout=Decimal("5"))
    return admin, publisher, other, offer, ftd, reg


def terms(**values) -> dict:
    base = {"payout_type": "CPA", "payout": "30", "payout_percent": "", "revenue_type": "RPA", "revenue": "", "revenue_percent": ""}
    return {**base, **values}


def test_precedence_custom_event_then_custom_offer_then_event_then_offer(world):
    admin, publisher, other, offer, ftd, reg = world
    assert effective_plan(publisher.id, offer, ftd).payout == Decimal("50")
    add_custom_payout(admin.id, publisher, {"offer_id": offer.id, **terms(payout="30.125")})
    add_custom_payout(admin.id, publisher, {"offer_id": offer.id, "offer_event_id": ftd.id,
                                            **terms(payout_type="CPAxCPS", payout="60", payout_percent="12.5")})
    add_custom_payout(admin.id, other, {"offer_id": offer.id, **terms(payout="99")})
    plan_ftd = effective_plan(publisher.id, offer, ftd)
    assert (plan_ftd.source, plan_ftd.payout_type, plan_ftd.payout, plan_ftd.payout_percent) == (
        "custom_event", PayoutType.CPA_CPS, Decimal("60.0000"), Decimal("12.5000"))
    assert (effective_plan(publisher.id, offer, reg).source, effective_plan(publisher.id, offer, reg).payout) == ("custom_offer", Decimal("30.1250"))
    assert effective_plan(publisher.id, offer).payout == Decimal("30.1250")
    assert effective_plan(other.id, offer, ftd).payout == Decimal("99.0000")
    assert effective_plan(PublisherFactory().id, offer, ftd).source == "offer_event"


def test_values_a_plan_type_does_not_use_are_stored_as_zero(world):
    admin, publisher, _, offer, _, _ = world
    row = add_custom_payout(admin.id, publisher, {"offer_id": offer.id, **terms(
        payout_type="CPS", payout="12", payout_percent="40", revenue_type="RPS", revenue="3", revenue_percent="50")})
    assert (row.payout, row.payout_percent, row.revenue_type, row.revenue, row.revenue_percent) == (
        Decimal("0"), Decimal("40.0000"), RevenueType.RPS, Decimal("0"), Decimal("50.0000"))


def test_the_whole_offer_payout_is_unique_per_publisher_and_an_update_keeps_its_own_row(world):
    admin, publisher, other, offer, ftd, _ = world
    row = add_custom_payout(admin.id, publisher, {"offer_id": offer.id, **terms()})
    with pytest.raises(Invalid) as refused:
        add_custom_payout(admin.id, publisher, {"offer_id": offer.id, **terms(payout="31")})
    assert "offer_event_id" in refused.value.errors
    add_custom_payout(admin.id, other, {"offer_id": offer.id, **terms()})
    changes = update_custom_payout(admin.id, publisher, row, {"offer_id": offer.id, **terms(payout="35")})
    assert changes == {"payout": (Decimal("30.0000"), Decimal("35.0000"))}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert (entry.object_type, entry.changes) == ("CustomPayout", {"payout": ["30.0000", "35.0000"]})
    assert update_custom_payout(admin.id, publisher, row, {"offer_id": offer.id, **terms(payout="35")}) == {}


def test_an_archived_offer_is_refused_but_a_row_on_it_stays_editable(world):
    admin, publisher, _, offer, _, _ = world
    row = add_custom_payout(admin.id, publisher, {"offer_id": offer.id, **terms()})
    offer.archived_at = utcnow()
    with pytest.raises(Invalid):
        add_custom_throttle(admin.id, publisher, {"offer_id": offer.id, "percentage": "10", "throttle_status": "Rejected"})
    assert update_custom_payout(admin.id, publisher, row, {"offer_id": offer.id, **terms(payout="40")})


def test_throttle_blank_sub_ids_mean_any_value_and_delete_is_audited(world):
    admin, publisher, _, offer, ftd, _ = world
    throttle = add_custom_throttle(admin.id, publisher, {"offer_id": offer.id, "offer_event_id": ftd.id, "percentage": 0,
                                                         "throttle_status": ThrottleStatus.PENDING, "sub2": "  spring  ", "sub4": "   "})
    assert (throttle.percentage, throttle.sub1, throttle.sub2, throttle.sub4, throttle.active) == (0, None, "spring", None, True)
    labels = term_labels(publisher.id)
    assert labels["throttles"] == [throttle] and labels["offers_by_id"][offer.id] is offer and labels["events_by_id"][ftd.id] is ftd
    delete_custom_throttle(admin.id, publisher, throttle)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert entry.changes["percentage"] == [0, None] and entry.changes["sub2"] == ["spring", None]
    assert term_labels(publisher.id)["throttles"] == []
