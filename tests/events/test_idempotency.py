"""Idempotency keys: unique per advertiser in the database; repeats answer the first result."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.events import service
from portal.events.models import Event
from portal.extensions import db
from portal.types import utcnow
from tests.concurrency import require_postgresql, run_together
from tests.events.conftest import EVENTS_URL, deposit


def events_with_key(key: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.idempotency_key == key))


def test_events_without_a_key_are_always_accepted(send):
    for _ in range(3):
        assert send(deposit()).status_code == 202
    assert db.session.scalar(select(func.count()).select_from(Event)) == 3


def test_the_same_body_in_another_key_order_or_amount_form_is_a_repeat(send):
    first = send(b'{"type":"deposit","player_id":"p","amount":10.5,"currency":"EUR","idempotency_key":"k"}')
    again = send(b'{"idempotency_key":"k","currency":"EUR","amount":"10.50","player_id":"p","type":"deposit"}')
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.get_json()["result"]["event_id"] == first.get_json()["result"]["event_id"]


def test_a_different_timestamp_under_the_same_key_is_a_conflict(send):
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    send(deposit(idempotency_key="k", timestamp=day.isoformat()))
    assert send(deposit(idempotency_key="k", timestamp=(day + timedelta(days=1)).isoformat())).status_code == 409


def test_the_database_refuses_a_second_event_with_a_key(app, advertiser):
    """The guarantee is the unique constraint, not only the service's look-up."""
    from sqlalchemy.exc import IntegrityError

    from tests.factories import EventFactory

    EventFactory(advertiser_id=advertiser.id, idempotency_key="k")
    with pytest.raises(IntegrityError):
        EventFactory(advertiser_id=advertiser.id, idempotency_key="k")
    db.session.rollback()


def test_two_advertisers_may_use_the_same_key(send, client):
    from portal.accounts.service import create_api_key
    from tests.factories import AdvertiserFactory

    other = AdvertiserFactory()
    _, other_secret = create_api_key("other", other.id)
    db.session.commit()
    assert send(deposit(idempotency_key="k")).status_code == 202
    assert send(deposit(idempotency_key="k"), key=other_secret).status_code == 202
    assert events_with_key("k") == 2


@pytest.mark.parametrize("lookup_misses", [False, True], ids=["plain", "every-lookup-raced"])
@pytest.mark.parametrize("form", ["single", "batch"])
def test_concurrent_repeats_of_one_key_store_exactly_one_event(app, api_key, form, lookup_misses, monkeypatch):
    require_postgresql()
    if lookup_misses:  # every request's first look-up misses, as if all raced past it: the database decides
        real_lookup, seen = service._stored_keys, threading.local()

        def racing_lookup(advertiser_id, keys):
            if not getattr(seen, "done", False):
                seen.done = True
                return {}
            return real_lookup(advertiser_id, keys)

        monkeypatch.setattr(service, "_stored_keys", racing_lookup)
    threads_count = 8
    body = deposit("racer", idempotency_key="same-key")
    if form == "batch":
        body = {"events": [body, deposit("racer-2")]}

    def post(_):
        response = app.test_client().post(EVENTS_URL, json=body, headers={"X-API-Key": api_key})
        return response.status_code, response.get_json()

    statuses = run_together(app, post, range(threads_count))
    expected = [202] * threads_count if form == "batch" else [200] * (threads_count - 1) + [202]
    assert sorted(code for code, _ in statuses) == expected
    assert events_with_key("same-key") == 1
    [event_id] = db.session.scalars(select(Event.id).where(Event.idempotency_key == "same-key")).all()
    if form == "single":
        assert {body["result"]["event_id"] for _, body in statuses} == {str(event_id)}
    else:
        assert {body["results"][0]["event_id"] for _, body in statuses} == {str(event_id)}
        assert sorted(body["results"][0]["status"] for _, body in statuses) == ["accepted"] + ["duplicate"] * (threads_count - 1)


def test_concurrent_batches_sharing_keys_in_opposite_orders_neither_deadlock_nor_duplicate(app, api_key):
    require_postgresql()
    keys = [f"k{n}" for n in range(20)]
    bodies = [{"events": [deposit(f"p{k}", idempotency_key=k) for k in order]} for order in (keys, keys[::-1])] * 3
    statuses = run_together(
        app, lambda body: app.test_client().post(EVENTS_URL, json=body, headers={"X-API-Key": api_key}).status_code, bodies
    )
    assert set(statuses) <= {200, 202}
    assert db.session.scalar(select(func.count()).select_from(Event)) == len(keys)
