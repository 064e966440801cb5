"""The commission engine end to end: events posted to /api/v1/events become conversions."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.service import create_api_key
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus, RevShareBalance
from portal.events.models import Event
from portal.extensions import db
from portal.network.models import CustomPayout, CustomThrottle, PayoutType, RevenueType, ThrottleStatus
from portal.subids.models import BlockedSubId
from tests.factories import (
    AdvertiserFactory,
    ClickFactory,
    OfferEventFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
)

D = Decimal
EVENTS_URL = "/api/v1/events"


@pytest.fixture
def offer(app):
    return cpa_offer()


def cpa_offer():
    """An EUR offer of its own advertiser with registration (CPA 2), ftd (CPA 50) and deposit (CPS 5 %)."""
    offer = OfferFactory(currency="EUR")
    OfferEventFactory(offer=offer, code="registration", name="Registration", payout=D("2.00"),
                      revenue_type=RevenueType.RPA, revenue=D("3.00"))
    OfferEventFactory(offer=offer, code="ftd", payout=D("50.00"), revenue=D("80.00"))
    OfferEventFactory(offer=offer, code="deposit", name="Deposit", payout_type=PayoutType.CPS,
                      payout_percent=D("5"), revenue_type=RevenueType.RPS, revenue_percent=D("8"),
                      allow_multiple_events=True)
    return offer


@pytest.fixture
def post(client):
    """post(offer, body): POST an event body with a live key of the offer's advertiser."""
    secrets: dict[int, str] = {}

    def send(offer, body):
        if offer.advertiser_id not in secrets:
            secrets[offer.advertiser_id] = create_api_key("events", offer.advertiser_id)[1]
        db.session.commit()
        response = client.post(EVENTS_URL, json=body, headers={"X-API-Key": secrets[offer.advertiser_id]})
        assert response.status_code in (200, 202), response.get_json()
        return response

    return send


def click_on(offer, publisher=None, **subs):
    link = TrackingLinkFactory(offer=offer, **({"publisher": publisher} if publisher else {}))
    return ClickFactory(link=link, **subs)


def event(kind, player="p-1", click=None, amount=None, currency="EUR", **extra):
    body = {"type": kind, "player_id": player, **extra}
    if click is not None:
        body["click_id"] = str(click.click_id)
    if amount is not None:
        body.update(amount=amount, currency=currency)
    return body


def conversions() -> list[Conversion]:
    db.session.expire_all()
    return list(db.session.scalars(select(Conversion).order_by(Conversion.created_at, Conversion.id)))


def test_click_player_and_later_deposits_earn_for_the_same_publisher(offer, post):
    click = click_on(offer, sub1="blog")
    post(offer, event("registration", click=click))
    post(offer, {"events": [event("ftd", amount="100.00"), event("deposit", amount="33.33")]})

    rows = conversions()
    assert [(c.payout_type, c.payout, c.revenue) for c in rows] == [
        (PayoutType.CPA, D("2.0000"), D("3.0000")),
        (PayoutType.CPA, D("50.0000"), D("80.0000")),
        (PayoutType.CPS, D("1.6665"), D("2.6664")),  # 5 % and 8 % of 33.33
    ]
    player_id = db.session.scalar(select(Event.player_id).limit(1))
    for row in rows:
        assert (row.publisher_id, row.offer_id, row.link_id) == (click.publisher_id, offer.id, click.link_id)
        assert row.click_id == click.click_id and row.player_id == player_id
        assert row.status == ConversionStatus.APPROVED and row.currency == "EUR"
        assert db.session.get(Event, row.event_id).type in ("registration", "ftd", "deposit")
        history = db.session.scalars(select(ConversionChange).where(ConversionChange.conversion_id == row.id)).all()
        assert [(h.from_status, h.to_status, h.to_payout) for h in history] == [(None, "approved", row.payout)]


def test_events_without_a_matching_active_offer_event_or_attribution_earn_nothing(offer, post):
    click = click_on(offer)
    offer.events[0].active = False  # registration
    post(offer, {"events": [
        event("registration", click=click),
        event("withdrawal", amount="10.00"),  # no offer event with that code
        event("custom", name="level_up"),
        event("deposit", player="stranger", amount="10.00"),  # never attributed
        {"type": "pageview", "site_id": "s", "session_id": "x", "url": "https://a.example/",
         "click_id": str(click.click_id)},
    ]})
    assert conversions() == []


def test_a_custom_event_earns_under_the_offer_event_named_like_it(offer, post):
    OfferEventFactory(offer=offer, code="vip_upgrade", name="VIP", payout=D("12.34"))
    post(offer, event("custom", click=click_on(offer), name="vip_upgrade"))
    assert [(c.payout, c.offer_event_id) for c in conversions()] == [(D("12.3400"), offer.events[-1].id)]


def test_a_repeated_event_earns_once(offer, post):
    click = click_on(offer)
    body = event("ftd", click=click, amount="10.00", idempotency_key="k-1")
    post(offer, body)
    assert post(offer, body).status_code == 200
    assert len(conversions()) == 1


def test_custom_payouts_override_per_publisher_most_specific_first(offer, post):
    ftd = next(e for e in offer.events if e.code == "ftd")
    mine, other = click_on(offer), click_on(offer)
    db.session.add_all([
        CustomPayout(publisher_id=mine.publisher_id, offer_id=offer.id, offer_event_id=ftd.id,
                     payout_type=PayoutType.CPA_CPS, payout=D("60.00"), payout_percent=D("2.5")),
        CustomPayout(publisher_id=mine.publisher_id, offer_id=offer.id, offer_event_id=None,
                     payout_type=PayoutType.CPA, payout=D("7.77")),
    ])
    post(offer, {"events": [
        event("ftd", player="a", click=mine, amount="200.00"),
        event("registration", player="a"),
        event("ftd", player="b", click=other, amount="200.00"),
    ]})
    assert [(c.publisher_id, c.payout_type, c.payout) for c in conversions()] == [
        (mine.publisher_id, PayoutType.CPA_CPS, D("65.0000")),
        (mine.publisher_id, PayoutType.CPA, D("7.7700")),  # the offer-wide custom payout beats the offer event
        (other.publisher_id, PayoutType.CPA, D("50.0000")),
    ]


def test_a_second_ftd_of_a_player_is_a_rejected_duplicate(offer, post):
    post(offer, event("ftd", click=click_on(offer), amount="10.00"))
    post(offer, event("ftd", amount="20.00"))
    post(offer, {"events": [event("deposit", amount="10.00"), event("deposit", amount="10.00")]})
    assert [(c.status, c.rejection_reason, c.payout) for c in conversions()] == [
        (ConversionStatus.APPROVED, "", D("50.0000")),
        (ConversionStatus.REJECTED, "duplicate", D("50.0000")),
        (ConversionStatus.APPROVED, "", D("0.5000")),
        (ConversionStatus.REJECTED, "duplicate", D("0.5000")),  # the offer disallows duplicates
    ]
    for row in conversions():  # the first history row is the conversion as created, reason included
        [first] = db.session.scalars(select(ConversionChange).where(ConversionChange.conversion_id == row.id)).all()
        assert (first.changed_by_id, first.changed_at, first.from_status, first.from_payout) == (None, row.created_at, None, None)
        assert (first.to_status, first.to_payout, first.reason) == (row.status.value, row.payout, row.rejection_reason)


def test_repeats_earn_when_offer_and_offer_event_allow_them(offer, post):
    offer.allow_duplicate_conversions = True
    post(offer, {"events": [event("deposit", click=click_on(offer), amount="10.00"),
                            event("deposit", amount="20.00")]})
    post(offer, {"events": [event("ftd", amount="10.00"), event("ftd", amount="10.00")]})
    assert [(c.status, c.rejection_reason) for c in conversions()] == [
        (ConversionStatus.APPROVED, ""), (ConversionStatus.APPROVED, ""),
        (ConversionStatus.APPROVED, ""), (ConversionStatus.REJECTED, "duplicate"),  # ftd allows one
    ]


def test_manual_approval_of_the_offer_or_the_offer_event_makes_conversions_pending(offer, post):
    next(e for e in offer.events if e.code == "registration").manually_approve_events = True
    post(offer, {"events": [event("registration", click=click_on(offer)), event("ftd", amount="5.00")]})
    assert [c.status for c in conversions()] == [ConversionStatus.PENDING, ConversionStatus.APPROVED]
    offer.manually_approve_conversions = True
    post(offer, event("deposit", amount="5.00"))
    assert conversions()[-1].status == ConversionStatus.PENDING


def test_a_throttle_rejects_exactly_its_percentage_in_order(offer, post):
    publisher = PublisherFactory()
    db.session.add(CustomThrottle(publisher_id=publisher.id, offer_id=offer.id, percentage=25,
                                  throttle_status=ThrottleStatus.REJECTED))
    clicks = [click_on(offer, publisher) for _ in range(8)]
    post(offer, {"events": [event("registration", player=f"p{n}", click=c) for n, c in enumerate(clicks)]})
    assert [c.status.value for c in conversions()] == ["approved", "approved", "approved", "rejected"] * 2
    assert {c.rejection_reason for c in conversions() if c.status == ConversionStatus.REJECTED} == {"throttled"}


def test_a_pending_throttle_on_one_event_and_sub_id_leaves_the_rest_alone(offer, post):
    publisher = PublisherFactory()
    ftd = next(e for e in offer.events if e.code == "ftd")
    db.session.add(CustomThrottle(publisher_id=publisher.id, offer_id=offer.id, offer_event_id=ftd.id,
                                  percentage=100, throttle_status=ThrottleStatus.PENDING, sub1="forum"))
    forum, blog = click_on(offer, publisher, sub1="forum"), click_on(offer, publisher, sub1="blog")
    post(offer, {"events": [
        event("registration", player="f", click=forum), event("ftd", player="f", amount="10.00"),
        event("ftd", player="b", click=blog, amount="10.00"),
    ]})
    assert [(c.status.value, c.rejection_reason) for c in conversions()] == [
        ("approved", ""), ("pending", "throttled"), ("approved", ""),
    ]


def revshare_offer(percent="30"):
    offer = OfferFactory(currency="EUR", allow_duplicate_conversions=True)
    OfferEventFactory(offer=offer, code="ftd", payout=D("100.00"))
    OfferEventFactory(offer=offer, code="revenue", name="NGR", payout_type=PayoutType.REVSHARE,
                      payout_percent=D(percent), revenue_type=RevenueType.RPS, revenue_percent=D("10"),
                      allow_multiple_events=True)
    return offer


def ngr(amount, player="p-1", **extra):
    return event("revenue", player=player, amount=amount, period_start="2026-01-01", period_end="2026-01-07", **extra)


def test_cpa_plus_revshare_hybrid_carries_negative_ngr_over(app, post):
    offer = revshare_offer()
    click = click_on(offer)
    post(offer, event("ftd", click=click, amount="50.00"))
    for amount in ["-100.00", "40.00", "70.00", "25.50"]:
        post(offer, ngr(amount))
    rows = conversions()
    assert [(c.payout_type, c.payout, c.revenue) for c in rows] == [
        (PayoutType.CPA, D("100.0000"), D("0.0000")),
        (PayoutType.REVSHARE, D("3.0000"), D("1.0000")),  # 30 % / 10 % of (-100 + 40 + 70)
        (PayoutType.REVSHARE, D("7.6500"), D("2.5500")),
    ]
    balance = db.session.scalar(select(RevShareBalance))
    assert (balance.publisher_id, balance.offer_id, balance.currency, balance.carried) == (
        click.publisher_id, offer.id, "EUR", D("0.0000"))


def test_carry_over_is_kept_per_publisher_and_currency(app, post):
    offer = revshare_offer("50")
    a, b = click_on(offer), click_on(offer)
    post(offer, {"events": [
        event("registration", player="a", click=a), event("registration", player="b", click=b),
        ngr("-10.00", player="a"), ngr("30.00", player="b"), ngr("-5.00", player="a", currency="USD"),
        ngr("12.00", player="a"),
    ]})
    assert [(c.publisher_id, c.payout, c.currency) for c in conversions()] == [
        (b.publisher_id, D("15.0000"), "EUR"), (a.publisher_id, D("1.0000"), "EUR"),
    ]
    carried = {(r.publisher_id, r.currency): r.carried for r in db.session.scalars(select(RevShareBalance))}
    assert carried == {(a.publisher_id, "EUR"): D("0"), (b.publisher_id, "EUR"): D("0"),
                       (a.publisher_id, "USD"): D("-5.0000")}


def test_a_chargeback_claws_back_the_deposit_share(offer, post):
    post(offer, {"events": [event("deposit", click=click_on(offer), amount="100.00"),
                            event("chargeback", amount="40.00")]})
    assert [(c.payout, c.revenue, c.payout_type) for c in conversions()] == [
        (D("5.0000"), D("8.0000"), PayoutType.CPS), (D("-2.0000"), D("-3.2000"), PayoutType.CPS),
    ]


def test_amount_currency_is_the_events_and_a_mixed_hybrid_waits_for_review(offer, post):
    OfferEventFactory(offer=offer, code="big_win", name="Hybrid", payout_type=PayoutType.CPA_CPS,
                      payout=D("10.00"), payout_percent=D("10"))
    post(offer, {"events": [
        event("deposit", click=click_on(offer), amount="100.00", currency="USD"),
        event("registration"),
        event("custom", name="big_win", amount="100.00", currency="USD"),
    ]})
    assert [(c.currency, c.payout, c.status.value, c.rejection_reason) for c in conversions()] == [
        ("USD", D("5.0000"), "approved", ""), ("EUR", D("2.0000"), "approved", ""),
        ("USD", D("20.0000"), "pending", "event currency differs from the offer's: fixed part taken at face value"),
    ]


def test_traffic_of_a_sub_id_blocked_later_stops_earning(offer, post):
    click = click_on(offer, sub2="leaks")
    post(offer, event("registration", click=click))
    db.session.add(BlockedSubId(publisher_id=click.publisher_id, offer_id=offer.id, sub_id="leaks"))
    post(offer, event("ftd", amount="10.00"))
    assert len(conversions()) == 1


def test_an_event_cannot_earn_on_another_advertisers_offer(offer, post):
    click = click_on(offer)
    intruder = OfferFactory(advertiser=AdvertiserFactory())
    OfferEventFactory(offer=intruder, code="ftd", payout=D("99.00"))
    post(intruder, event("ftd", click=click, amount="10.00"))  # the other advertiser's key, our click
    assert conversions() == []
    stored = db.session.scalar(select(Event))
    assert (stored.publisher_id, stored.offer_id) == (None, None)


def test_ngr_beyond_the_accepted_amounts_is_a_400_naming_it_and_carries_nothing(app, client, post):
    offer = revshare_offer()
    post(offer, event("registration", click=click_on(offer)))
    secret = create_api_key("probe", offer.advertiser_id)[1]
    db.session.commit()
    # The probe's body: the two losses together overflowed the carried balance and the batch answered 500.
    body = {"events": [ngr("-99999999999999.9999"), ngr("-99999999999999.9999")]}
    response = client.post(EVENTS_URL, json=body, headers={"X-API-Key": secret})
    assert response.status_code == 400
    assert [r["error"] for r in response.get_json()["results"]] == [
        f"events[{n}].amount: must be less than 10,000,000,000 in absolute value" for n in range(2)]
    assert db.session.scalar(select(RevShareBalance)) is None
    assert db.session.scalar(select(Event).where(Event.type == "revenue")) is None


def test_a_deficit_carried_to_the_balance_columns_limit_stops_there(app, post, caplog):
    offer = revshare_offer()
    click = click_on(offer)
    post(offer, event("registration", click=click))
    # A deficit near what the column holds, as ten thousand of the largest losses would leave it.
    db.session.add(RevShareBalance(publisher_id=click.publisher_id, offer_id=offer.id, currency="EUR",
                                   carried=D("-99999999990000.0000")))
    db.session.commit()
    post(offer, ngr("-9999999999.9999"))
    db.session.expire_all()
    assert db.session.scalar(select(RevShareBalance.carried)) == D("-99999999999999.9999")
    assert any(r.levelname == "ERROR" and "revshare balance at its limit" in r.getMessage() for r in caplog.records)
    post(offer, ngr("10.00"))  # still in deficit: pays nothing, earns back from the limit
    db.session.expire_all()
    assert db.session.scalar(select(RevShareBalance.carried)) == D("-99999999999989.9999")
    assert conversions() == []
