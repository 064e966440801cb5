"""The network's rules, tested on the domain layer: payout terms, URLs, currencies, enums, archive / restore,
bulk actions, offer events, landing pages and publisher access (with portal.network.offers.access following)."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import validation
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network import rules
from portal.network.advertisers.service import (
    archive_advertiser,
    bulk_update_advertisers,
    create_advertiser,
    restore_advertiser,
)
from portal.network.models import (
    AccessStatus,
    Offer,
    OfferAccess,
    PayoutType,
    RevenueType,
    Visibility,
)
from portal.network.offers.access import can_promote, pickable_landing_pages
from portal.network.offers.access_requests import approve_access, grant_access, reject_access, request_access
from portal.network.offers.events import add_offer_event, set_offer_event_active, update_offer_event
from portal.network.offers.landing_pages import (
    add_landing_page,
    archive_landing_page,
    restore_landing_page,
    set_landing_page_hidden,
)
from portal.network.offers.service import archive_offer, bulk_update_offers, create_offer, restore_offer, update_offer
from portal.validation import Invalid
from tests.factories import (
    AdvertiserFactory,
    OfferFactory,
    PublisherFactory,
    UserFactory,
)


@pytest.fixture
def admin(app):
    return UserFactory()


def offer_values(advertiser, **values) -> dict:
    base = {"advertiser_id": advertiser.id, "name": "Summer", "currency": "EUR", "visibility": "Public",
            "destination_url": "https://shop.example/", "payout_type": "CPA", "payout": "10", "revenue_type": "RPA"}
    return {**base, **values}


def errors_of(call) -> dict:
    with pytest.raises(Invalid) as raised:
        call()
    return raised.value.errors


def entries(action=None, object_type=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(stmt))


# ------------------------------------------------------------ enums exactly as seed 003


def test_enum_values_are_spelled_exactly_as_seed_003():
    assert [v.value for v in Visibility] == ["Public", "Private", "Requires_Approval"]
    assert [t.value for t in PayoutType] == ["CPA", "CPS", "CPAxCPS", "CPC", "CPM", "PRV"]
    assert [t.value for t in RevenueType] == ["RPA", "RPS", "RPAxRPS", "RPC", "RPM"]


@pytest.mark.parametrize("field, value", [("visibility", "public"), ("visibility", "Requires Approval"),
                                          ("payout_type", "cpa"), ("payout_type", "RevShare"), ("revenue_type", "RPAxRPA")])
def test_enum_values_in_another_spelling_are_refused(admin, field, value):
    advertiser = AdvertiserFactory()
    assert field in errors_of(lambda: create_offer(admin.id, offer_values(advertiser, **{field: value})))


@pytest.mark.parametrize("value", ["Public", "Private", "Requires_Approval"])
def test_every_visibility_is_accepted(admin, value):
    offer = create_offer(admin.id, offer_values(AdvertiserFactory(), visibility=value))
    assert offer.visibility.value == value


# ------------------------------------------------------------ payout terms


@pytest.mark.parametrize("values, field", [
    ({"payout_type": "CPA", "payout": ""}, "payout"),
    ({"payout_type": "CPC", "payout": None}, "payout"),
    ({"payout_type": "CPS", "payout_percent": ""}, "payout_percent"),
    ({"payout_type": "PRV", "payout_percent": ""}, "payout_percent"),
    ({"payout_type": "CPAxCPS", "payout": "5", "payout_percent": ""}, "payout_percent"),
    ({"payout_type": "CPAxCPS", "payout": "", "payout_percent": "20"}, "payout"),
])
def test_each_payout_type_needs_its_amounts(values, field):
    errors = {}
    rules.payout_terms(errors, {"revenue_type": "RPA", **values})
    assert field in errors and "needs" in errors[field]


@pytest.mark.parametrize("raw, message", [("-1", "negative"), ("1.23456", "4 decimal places"), ("abc", "number"),
                                          ("NaN", "number"), ("Infinity", "number"), ("1e12", "more than")])
def test_payout_must_be_a_non_negative_decimal_with_four_places_at_most(raw, message):
    errors = {}
    rules.payout_terms(errors, {"payout_type": "CPA", "payout": raw, "revenue_type": "RPA"})
    assert message in errors["payout"]


@pytest.mark.parametrize("raw", ["100.0001", "101", "-0.5"])
def test_percent_stays_between_0_and_100(raw):
    errors = {}
    rules.payout_terms(errors, {"payout_type": "CPS", "payout_percent": raw, "revenue_type": "RPS", "revenue_percent": raw})
    assert "payout_percent" in errors and "revenue_percent" in errors


def test_terms_keep_exact_decimals_and_zero_what_the_type_does_not_use():
    errors = {}
    terms = rules.payout_terms(errors, {"payout_type": "CPAxCPS", "payout": "12.3456", "payout_percent": "100",
                                        "revenue_type": "RPA", "revenue": "0", "revenue_percent": "30"})
    assert errors == {}
    assert terms["payout"] == Decimal("12.3456") and terms["payout_percent"] == Decimal("100")
    assert terms["revenue_percent"] == Decimal("0")
    cps = rules.payout_terms(errors, {"payout_type": "CPS", "payout": "99", "payout_percent": "25", "revenue_type": "RPA"})
    assert cps["payout"] == Decimal("0") and cps["payout_percent"] == Decimal("25")


def test_floats_are_refused_outright():
    with pytest.raises(TypeError):
        validation.decimal({}, "payout", 1.5)


def test_offer_stores_exact_money(admin):
    offer = create_offer(admin.id, offer_values(AdvertiserFactory(), payout="0.0001"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).payout == Decimal("0.0001")


# ------------------------------------------------------------ URLs, currency, other fields


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/x", "//evil.example", "shop.example",
                                 "http://", "https://exa mple.com", "data:text/html,hi"])
def test_urls_must_be_http_or_https(admin, url):
    advertiser = AdvertiserFactory()
    errors = errors_of(lambda: create_offer(admin.id, offer_values(advertiser, destination_url=url, fallback_url=url)))
    assert "destination_url" in errors and "fallback_url" in errors


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "E1R", ""])
def test_currency_is_three_capital_letters(admin, currency):
    advertiser = AdvertiserFactory()
    assert "currency" in errors_of(lambda: create_offer(admin.id, offer_values(advertiser, currency=currency)))


def test_all_errors_are_reported_at_once(admin):
    errors = errors_of(lambda: create_offer(admin.id, {"visibility": "x", "payout_type": "CPA", "revenue_type": "RPA"}))
    assert {"advertiser_id", "name", "currency", "visibility", "destination_url", "payout"} <= set(errors)


def test_enabled_forwarding_needs_its_url(admin):
    advertiser = AdvertiserFactory()
    errors = errors_of(lambda: create_offer(admin.id, offer_values(advertiser, impression_forwarding_enabled=True,
                                                                   parallel_tracking_enabled=True)))
    assert {"impression_forwarding_url", "parallel_tracking_url"} <= set(errors)


def test_advertiser_name_is_unique_regardless_of_case(admin):
    create_advertiser(admin.id, {"name": "Acme"})
    assert errors_of(lambda: create_advertiser(admin.id, {"name": "ACME"})) == {"name": "Another advertiser has this name."}


def test_advertiser_fields_from_seed_003_are_checked(admin):
    errors = errors_of(lambda: create_advertiser(admin.id, {"name": "X", "email": "nope", "country": "USA",
                                                            "website": "ftp://x.example", "manager_id": 999999}))
    assert set(errors) == {"email", "country", "website", "manager_id"}
    advertiser = create_advertiser(admin.id, {"name": "Acme Corp", "company_name": "Acme Corporation", "country": "us",
                                              "email": "john.smith@acmecorp.com", "manager_id": admin.id})
    assert advertiser.country == "US" and advertiser.manager_id == admin.id


# ------------------------------------------------------------ archive / restore / bulk


def test_archived_offer_cannot_be_promoted_and_restores(admin):
    offer = OfferFactory()
    publisher = PublisherFactory()
    assert can_promote(publisher.id, offer.id)
    assert archive_offer(admin.id, offer) is True and archive_offer(admin.id, offer) is False
    assert not can_promote(publisher.id, offer.id)
    assert "archived" in errors_of(lambda: update_offer(admin.id, offer, offer_values(offer.advertiser)))[""]
    assert restore_offer(admin.id, offer) is True
    assert can_promote(publisher.id, offer.id)


def test_archiving_an_advertiser_archives_its_offers_and_they_wait_for_it(admin):
    offer = OfferFactory()
    archive_advertiser(admin.id, offer.advertiser)
    assert offer.archived_at is not None
    assert "Restore the advertiser" in errors_of(lambda: restore_offer(admin.id, offer))[""]
    restore_advertiser(admin.id, offer.advertiser)
    assert restore_offer(admin.id, offer) and offer.archived_at is None


def test_bulk_actions_change_only_the_selected_rows(admin):
    a, b, c = OfferFactory(), OfferFactory(), OfferFactory()
    assert bulk_update_offers(admin.id, [str(a.id), str(b.id)], "pause") == 2
    assert (a.active, b.active, c.active) == (False, False, True)
    assert bulk_update_offers(admin.id, [a.id], "activate") == 1
    assert (a.active, b.active, c.active) == (True, False, True)
    assert bulk_update_offers(admin.id, [b.id, c.id], "archive") == 2
    assert a.archived_at is None and b.archived_at is not None and c.archived_at is not None
    assert bulk_update_offers(admin.id, [c.id], "restore") == 1
    assert b.archived_at is not None and c.archived_at is None
    # Archived rows keep their status; garbage ids are ignored.
    assert bulk_update_offers(admin.id, [b.id, "x"], "activate") == 0 and b.active is False


def test_bulk_needs_a_selection_and_a_known_action(admin):
    advertiser = AdvertiserFactory()
    assert "ids" in errors_of(lambda: bulk_update_advertisers(admin.id, [], "pause"))
    assert "action" in errors_of(lambda: bulk_update_advertisers(admin.id, [advertiser.id], "delete"))
    assert bulk_update_advertisers(admin.id, [advertiser.id], "pause") == 1 and advertiser.active is False


# ------------------------------------------------------------ offer events and landing pages


def event_values(**values) -> dict:
    return {"code": "reg", "name": "Registration", "payout_type": "CPA", "payout": "5", "revenue_type": "RPA", "revenue": "10", **values}


def test_event_code_is_unique_per_offer_only(admin):
    first, second = OfferFactory(), OfferFactory()
    add_offer_event(admin.id, first, event_values())
    assert "already has" in errors_of(lambda: add_offer_event(admin.id, first, event_values(code="REG")))["code"]
    assert add_offer_event(admin.id, second, event_values()).code == "reg"


def test_event_code_and_terms_are_checked(admin):
    offer = OfferFactory()
    errors = errors_of(lambda: add_offer_event(admin.id, offer, event_values(code="first deposit!", name="", payout_type="CPS")))
    assert set(errors) == {"code", "name", "payout_percent"}


def test_event_update_and_deactivation_are_audited(admin):
    event = add_offer_event(admin.id, OfferFactory(), event_values())
    changes = update_offer_event(admin.id, event, event_values(payout="7.5"))
    assert changes == {"payout": (Decimal("5.0000"), Decimal("7.5000"))}
    assert set_offer_event_active(admin.id, event, False) and event.active is False
    assert [e.action for e in entries(object_type="OfferEvent")] == ["create", "update", "deactivate"]
    assert entries("update", "OfferEvent")[0].changes == {"payout": ["5.0000", "7.5000"]}


def test_landing_pages_hide_and_archive_follow_into_the_link_builder(admin):
    offer = OfferFactory()
    page = add_landing_page(admin.id, offer, {"name": "Welcome", "url": "https://shop.example/w"})
    assert pickable_landing_pages(offer.id) == [page]
    set_landing_page_hidden(admin.id, page, True)
    assert pickable_landing_pages(offer.id) == []
    set_landing_page_hidden(admin.id, page, False)
    archive_landing_page(admin.id, page)
    assert pickable_landing_pages(offer.id) == []
    restore_landing_page(admin.id, page)
    assert pickable_landing_pages(offer.id) == [page]
    errors = errors_of(lambda: add_landing_page(admin.id, offer, {"name": "", "url": "javascript:x", "preview_url": "ftp://x"}))
    assert set(errors) == {"name", "url", "preview_url"}


# ------------------------------------------------------------ access requests


def test_approve_and_reject_decide_whether_the_publisher_may_promote(admin):
    offer = OfferFactory(visibility=Visibility.REQUIRES_APPROVAL)
    publisher = PublisherFactory()
    access = request_access(publisher.id, offer)
    assert access.status == AccessStatus.PENDING and not can_promote(publisher.id, offer.id)
    assert approve_access(admin.id, access) and can_promote(publisher.id, offer.id)
    assert reject_access(admin.id, access) and not can_promote(publisher.id, offer.id)
    assert [(e.action, e.changes) for e in entries(object_type="OfferAccess")] == [
        ("approve", {"status": ["Pending", "Approved"]}),
        ("reject", {"status": ["Approved", "Rejected"]}),
    ]


def test_grant_gives_access_without_a_request_and_approves_a_pending_one(admin):
    offer = OfferFactory(visibility=Visibility.PRIVATE)
    direct, waiting = PublisherFactory(), PublisherFactory()
    grant_access(admin.id, offer, direct.id)
    request_access(waiting.id, offer)
    grant_access(admin.id, offer, waiting.id)
    assert can_promote(direct.id, offer.id) and can_promote(waiting.id, offer.id)
    assert db.session.scalar(select(db.func.count(OfferAccess.id))) == 2
    assert "publisher_id" in errors_of(lambda: grant_access(admin.id, offer, None))


# ------------------------------------------------------------ audit


def test_create_and_update_record_before_and_after_with_json_safe_values(admin):
    offer = create_offer(admin.id, offer_values(AdvertiserFactory(), payout="12.5"))
    created = entries("create", "Offer")[0]
    assert created.actor_id == admin.id and created.object_id == str(offer.id)
    assert created.changes["payout"] == [None, "12.5000"] and created.changes["visibility"] == [None, "Public"]
    update_offer(admin.id, offer, offer_values(offer.advertiser, payout="13", visibility="Private"))
    updated = entries("update", "Offer")[0]
    assert updated.changes == {"payout": ["12.5000", "13.0000"], "visibility": ["Public", "Private"]}
    update_offer(admin.id, offer, offer_values(offer.advertiser, payout="13.0", visibility="Private"))
    assert len(entries("update", "Offer")) == 1, "an unchanged save writes no entry"
    archive_offer(admin.id, offer)
    archived = entries("archive", "Offer")[0]
    assert archived.changes["archived_at"][0] is None and archived.changes["archived_at"][1].startswith("20")
