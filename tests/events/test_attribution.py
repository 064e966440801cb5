"""Lifetime attribution: the click behind a player's first attributed event credits all its events."""
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.events.models import Event, Player
from portal.events.service import ingest
from portal.extensions import db
from portal.queues import redis_connection
from portal.tracking import jobs
from portal.tracking.buffer import CLICK_DEAD_LETTERS, pending_clicks, push_click
from portal.tracking.models import Click
from portal.tracking.targets import clear_cache
from tests.events.conftest import deposit
from tests.factories import ClickFactory, OfferFactory, TrackingLinkFactory

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def events_of(player_id: str) -> list[Event]:
    player = db.session.scalars(select(Player).where(Player.external_id == player_id)).one()
    return list(db.session.scalars(select(Event).where(Event.player_id == player.id).order_by(Event.id)))


def player(external_id: str) -> Player:
    db.session.expire_all()
    return db.session.scalars(select(Player).where(Player.external_id == external_id)).one()


def test_a_click_attributes_the_player_and_later_events_follow_it(send, click):
    assert send({"type": "registration", "player_id": "p-1", "click_id": str(click.click_id)}).status_code == 202
    assert send(deposit("p-1", "25.00")).status_code == 202
    attributed = player("p-1")
    assert (attributed.click_id, attributed.link_id, attributed.publisher_id, attributed.offer_id) == (
        click.click_id, click.link_id, click.publisher_id, click.offer_id,
    )
    registration, later_deposit = events_of("p-1")
    assert registration.click_id == click.click_id
    assert later_deposit.click_id is None
    for event in (registration, later_deposit):
        assert (event.publisher_id, event.offer_id, event.link_id) == (click.publisher_id, click.offer_id, click.link_id)


def test_the_first_attribution_is_for_life(send, click, advertiser):
    rival_link = TrackingLinkFactory(offer=OfferFactory(advertiser=advertiser))
    rival_click = ClickFactory(link=rival_link)
    db.session.commit()
    send({"type": "registration", "player_id": "p-1", "click_id": str(click.click_id)})
    send(deposit("p-1", click_id=str(rival_click.click_id)))
    assert player("p-1").publisher_id == click.publisher_id
    _, second = events_of("p-1")
    assert second.click_id == rival_click.click_id  # kept as sent …
    assert second.publisher_id == click.publisher_id  # … but credited to the player's publisher


def test_an_unattributed_player_is_attributed_by_its_first_click(send, click):
    send({"type": "registration", "player_id": "p-1"})
    send(deposit("p-1", click_id=str(click.click_id)))
    send(deposit("p-1"))
    registration, with_click, after = events_of("p-1")
    assert registration.publisher_id is None  # events are not re-attributed after the fact
    assert with_click.publisher_id == after.publisher_id == click.publisher_id


def test_one_batch_attributes_its_later_events_from_an_earlier_click(send, click):
    send({"events": [{"type": "registration", "player_id": "p-1", "click_id": str(click.click_id)}, deposit("p-1")]})
    assert [e.publisher_id for e in events_of("p-1")] == [click.publisher_id] * 2


def test_an_unknown_click_id_is_stored_and_left_unattributed(send, click):
    unknown = uuid.uuid4()
    assert send({"type": "registration", "player_id": "p-1", "click_id": str(unknown)}).status_code == 202
    [event] = events_of("p-1")
    assert event.click_id == unknown and event.publisher_id is None and event.offer_id is None
    assert player("p-1").publisher_id is None


def test_a_click_on_another_advertisers_offer_never_attributes(send):
    foreign = ClickFactory()  # a link to an offer of some other advertiser
    db.session.commit()
    send({"type": "registration", "player_id": "p-1", "click_id": str(foreign.click_id)})
    [event] = events_of("p-1")
    assert event.click_id == foreign.click_id and event.publisher_id is None
    assert player("p-1").publisher_id is None and player("p-1").click_id is None


def test_a_blocked_click_never_attributes(send, advertiser):
    blocked = ClickFactory(link=TrackingLinkFactory(offer=OfferFactory(advertiser=advertiser)), is_blocked=True)
    db.session.commit()
    send({"type": "registration", "player_id": "p-1", "click_id": str(blocked.click_id)})
    assert events_of("p-1")[0].publisher_id is None
    assert player("p-1").publisher_id is None


def test_a_web_event_without_a_player_is_credited_to_its_own_click(send, click):
    send({"type": "pageview", "site_id": "w", "session_id": "s", "click_id": str(click.click_id)})
    event = db.session.scalars(select(Event)).one()
    assert event.player_id is None and event.publisher_id == click.publisher_id


def test_a_web_event_with_a_user_id_follows_that_player(send, click):
    send({"type": "registration", "player_id": "p-1", "click_id": str(click.click_id)})
    send({"type": "pageview", "site_id": "w", "session_id": "s", "user_id": "p-1"})
    assert [e.publisher_id for e in events_of("p-1")] == [click.publisher_id] * 2


@pytest.fixture
def buffered_click_id(client, advertiser):
    """A real click through the tracking endpoint: its row waits in the Redis buffer."""
    clear_cache()
    link = TrackingLinkFactory(offer=OfferFactory(advertiser=advertiser))
    db.session.commit()
    response = client.get(f"/api/v1/track/click/{link.public_id}", headers={"User-Agent": BROWSER_UA})
    [click_id] = parse_qs(urlsplit(response.headers["Location"]).query)["click_id"]
    yield click_id, link
    clear_cache()


def test_a_click_still_in_the_redis_buffer_is_flushed_and_found(send, buffered_click_id):
    click_id, link = buffered_click_id
    assert pending_clicks() == 1 and db.session.get(Click, uuid.UUID(click_id)) is None
    assert send({"type": "registration", "player_id": "p-1", "click_id": click_id}).status_code == 202
    assert pending_clicks() == 0
    [event] = events_of("p-1")
    assert (event.publisher_id, event.link_id, event.offer_id) == (link.publisher_id, link.id, link.offer_id)


def test_a_buffered_click_is_stored_in_the_events_transaction_and_only_kept_if_it_commits(advertiser, buffered_click_id):
    click_id, link = buffered_click_id
    ingest(advertiser.id, deposit(click_id=click_id))
    assert db.session.get(Click, uuid.UUID(click_id)).link_id == link.id  # stored with the event, uncommitted
    db.session.rollback()  # the request failed: nothing it wrote is kept, the click included …
    db.session.expire_all()
    assert db.session.get(Click, uuid.UUID(click_id)) is None
    assert pending_clicks() == 1  # … which still waits in the buffer
    assert jobs.flush_clicks(reclaim_after_ms=0) == 1  # for the scheduled flush
    assert db.session.get(Click, uuid.UUID(click_id)) is not None and pending_clicks() == 0


def test_a_buffered_click_the_database_refuses_leaves_the_event_unattributed_and_goes_to_dead_letters(app, send):
    refused = {"click_id": str(uuid.uuid4()), "link_id": 999_999, "publisher_id": 999_999, "offer_id": 999_999,
               "ip_hash": "h", "is_bot": False, "is_blocked": False, "created_at": "2026-11-10T09:00:00+00:00"}
    push_click(app, json.dumps(refused))
    assert send({"type": "registration", "player_id": "p-1", "click_id": refused["click_id"]}).status_code == 202
    [event] = events_of("p-1")
    assert event.publisher_id is None and event.click_id == uuid.UUID(refused["click_id"])
    assert jobs.flush_clicks(reclaim_after_ms=0) == 1 and redis_connection().xlen(CLICK_DEAD_LETTERS) == 1
