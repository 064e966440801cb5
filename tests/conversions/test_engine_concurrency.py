"""Concurrent requests share the RevShare carry-over balance and throttle counters without losing updates."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.service import create_api_key
from portal.conversions.models import Conversion, ConversionStatus, RevShareBalance
from portal.events.models import Event, Player
from portal.extensions import db
from portal.network.models import CustomThrottle, PayoutType, ThrottleStatus
from portal.tracking.models import Click
from tests.concurrency import held_elsewhere, require_postgresql, run_together
from tests.conversions.test_engine import EVENTS_URL, click_on, cpa_offer, event, ngr, revshare_offer
from tests.factories import PublisherFactory

D = Decimal


@pytest.fixture(autouse=True)
def postgresql_only(app):
    require_postgresql()


def post_concurrently(app, secret, bodies) -> list[int]:
    return run_together(
        app, lambda body: app.test_client().post(EVENTS_URL, json=body, headers={"X-API-Key": secret}).status_code, bodies
    )


def test_concurrent_ngr_reports_carry_over_as_if_in_sequence(app, client):
    offer = revshare_offer("30")
    publisher = PublisherFactory()
    players = [f"p{n}" for n in range(8)]
    for player in players:  # each player came through its own click of the same publisher
        click_on(offer, publisher)
    secret = create_api_key("events", offer.advertiser_id)[1]
    db.session.commit()
    clicks = db.session.scalars(select(Click.click_id).order_by(Click.created_at)).all()
    registrations = {"events": [
        {"type": "registration", "player_id": p, "click_id": str(c)} for p, c in zip(players, clicks, strict=True)
    ]}
    assert client.post(EVENTS_URL, json=registrations, headers={"X-API-Key": secret}).status_code == 202
    assert client.post(EVENTS_URL, json=ngr("-100.00", player="p0"), headers={"X-API-Key": secret}).status_code == 202

    statuses = post_concurrently(app, secret, [ngr("20.00", player=p) for p in players])

    assert statuses == [202] * 8
    db.session.expire_all()
    paid = db.session.scalars(select(Conversion.payout).where(Conversion.payout_type == PayoutType.REVSHARE)).all()
    # In any order: -100 + 5 × 20 pays nothing, the last three reports pay on 20 each.
    assert sorted(paid) == [D("6.0000")] * 3
    assert db.session.scalar(select(RevShareBalance.carried)) == D("0")


def test_concurrent_conversions_are_throttled_exactly(app):
    offer = revshare_offer()
    publisher = PublisherFactory()
    db.session.add(CustomThrottle(publisher_id=publisher.id, offer_id=offer.id, percentage=50,
                                  throttle_status=ThrottleStatus.REJECTED))
    clicks = [click_on(offer, publisher) for _ in range(10)]
    secret = create_api_key("events", offer.advertiser_id)[1]
    db.session.commit()

    bodies = [event("ftd", player=f"t{n}", click=c, amount="10.00") for n, c in enumerate(clicks)]
    assert post_concurrently(app, secret, bodies) == [202] * 10

    db.session.expire_all()
    by_status = dict(db.session.execute(select(Conversion.status, func.count()).group_by(Conversion.status)).all())
    assert by_status == {ConversionStatus.APPROVED: 5, ConversionStatus.REJECTED: 5}


def test_concurrent_repeats_earn_once_and_every_row_names_a_stored_event_and_player(app):
    """Events and conversions keep their player and event ids without foreign keys (migration 0011): the
    ingest path itself must never write an id of a row that is not stored, even when requests race."""
    offer = cpa_offer()
    clicks = [click_on(offer) for _ in range(3)]
    secret = create_api_key("events", offer.advertiser_id)[1]
    db.session.commit()
    body = {"events": [
        *(event("registration", player=f"r{n}", click=c, idempotency_key=f"reg-{n}") for n, c in enumerate(clicks)),
        *(event("deposit", player=f"r{n}", amount="40.00", idempotency_key=f"dep-{n}") for n in range(3)),
    ]}
    assert sorted(post_concurrently(app, secret, [body] * 8)) == [200] * 7 + [202]

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Event)) == 6
    assert db.session.scalar(select(func.count()).select_from(Player)) == 3
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 6
    orphans = [
        select(Event.id).where(Event.player_id.is_not(None), Event.player_id.not_in(select(Player.id))),
        select(Conversion.id).where(Conversion.event_id.not_in(select(Event.id))),
        select(Conversion.id).where(Conversion.player_id.not_in(select(Player.id))),
    ]
    assert [db.session.scalars(query).all() for query in orphans] == [[], [], []]


def test_a_review_lock_does_not_hold_up_rows_that_refer_to_the_conversion(app):
    """A bulk review holds its conversions until it commits; a points award written meanwhile by another
    transaction only checks the conversion's key, and must not wait for the review. (History rows have
    no key to their conversion since migration 0014; points awards keep theirs.)"""
    from portal.conversions.listing import Scope, conversions_in_scope
    from portal.rewards.models import PointsAward
    from tests.factories import ConversionFactory, UserFactory

    conversion_id, user_id = ConversionFactory().id, UserFactory().id
    db.session.commit()
    with held_elsewhere(app, lambda: conversions_in_scope(Scope(), [conversion_id])):
        db.session.add(PointsAward(conversion_id=conversion_id, user_id=user_id, points=10))
        db.session.commit()  # fails if the key check waits for the review's lock
    assert db.session.scalar(select(func.count()).where(PointsAward.conversion_id == conversion_id)) == 1
