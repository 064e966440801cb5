import json
from datetime import UTC, datetime, timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from portal.extensions import db
from portal.queues import enqueue, get_queue, redis_connection
from portal.tracking import jobs
from portal.tracking.buffer import (
    CLICK_GROUP,
    CLICK_STREAM,
    IMPRESSION_BATCHES,
    IMPRESSION_HASH,
    claim_unique,
    pending_clicks,
    unique_key,
)
from portal.tracking.models import Click, ImpressionCount
from tests.tracking.conftest import browser


def click_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Click))


def test_clicks_wait_in_the_buffer_until_flushed(client, link):
    for n in range(7):
        browser(client, f"/api/v1/track/click/{link.public_id}?sub1=s{n}")
    assert pending_clicks() == 7 and click_count() == 0
    assert jobs.flush_clicks(batch_size=3) == 7
    assert pending_clicks() == 0 and click_count() == 7
    assert jobs.flush_clicks() == 0


def test_a_flush_that_dies_mid_batch_is_retried_without_duplicates(client, link, monkeypatch):
    for n in range(5):
        browser(client, f"/api/v1/track/click/{link.public_id}?sub1=s{n}")
    real_store = jobs.store_clicks

    def store_then_die(rows):
        real_store(rows)
        db.session.commit()  # the rows reach the database …
        raise SystemExit("worker killed")  # … but the worker dies before acknowledging the batch

    monkeypatch.setattr(jobs, "store_clicks", store_then_die)
    with pytest.raises(SystemExit):
        jobs.flush_clicks(batch_size=3)
    monkeypatch.setattr(jobs, "store_clicks", real_store)
    db.session.rollback()
    assert click_count() == 3
    # A later flush reclaims the unacknowledged batch and stores it again: no loss, no duplicates.
    assert jobs.flush_clicks(reclaim_after_ms=0) == 5
    assert click_count() == 5
    assert sorted(c.sub1 for c in db.session.scalars(select(Click))) == [f"s{n}" for n in range(5)]
    assert redis_connection().xpending(CLICK_STREAM, CLICK_GROUP)["pending"] == 0


def test_a_batch_decided_again_after_a_crash_keeps_its_unique_flags(client, link, monkeypatch):
    for n in range(3):
        browser(client, f"/api/v1/track/click/{link.public_id}?sub1=s{n}")

    def die(rows):
        raise SystemExit("worker killed before the batch reached the database")

    monkeypatch.setattr(jobs, "store_clicks", die)
    with pytest.raises(SystemExit):
        jobs.flush_clicks()  # the uniqueness slots are taken, the rows are not stored
    monkeypatch.undo()
    assert jobs.flush_clicks(reclaim_after_ms=0) == 3
    assert {c.sub1: c.is_unique for c in db.session.scalars(select(Click))} == {"s0": True, "s1": False, "s2": False}


def test_unique_slots_follow_arrival_order_skip_bots_and_outlive_a_late_flush(app):
    conn = redis_connection()
    now = datetime.now(UTC)

    def row(n: int, ip_hash: str, bot: bool = False, age: timedelta = timedelta(0)) -> dict:
        return {"click_id": f"c{n}", "link_id": 1, "ip_hash": ip_hash, "is_bot": bot, "created_at": (now - age).isoformat()}

    batch = [row(1, "a", bot=True), row(2, "a"), row(3, "a"), row(4, "b", age=timedelta(days=2))]
    assert claim_unique(conn, batch, now=now) == [False, True, False, True]
    assert claim_unique(conn, batch, now=now) == [False, True, False, True]  # the same batch again agrees
    assert 0 < conn.pttl(unique_key(1, "b")) <= 60_000  # a slot whose day is over lasts only for retries
    assert claim_unique(conn, [], now=now) == []


def test_recent_unacknowledged_batches_are_left_to_their_flusher(client, link):
    browser(client, f"/api/v1/track/click/{link.public_id}")
    conn = redis_connection()
    jobs._ensure_group(conn)
    conn.xreadgroup(CLICK_GROUP, "another-live-flusher", {CLICK_STREAM: ">"}, count=10)
    assert jobs.flush_clicks() == 0  # still within its reclaim window
    assert jobs.flush_clicks(reclaim_after_ms=0) == 1


def test_an_impression_batch_is_applied_once_even_if_the_flush_dies_before_cleanup(client, banner_link, monkeypatch):
    link, creative = banner_link
    url = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    for _ in range(4):
        client.get(url)
    conn = redis_connection()
    monkeypatch.setattr(conn, "delete", lambda *keys: (_ for _ in ()).throw(SystemExit("killed after commit")))
    with pytest.raises(SystemExit):
        jobs.flush_impressions()
    monkeypatch.undo()
    assert db.session.scalar(select(ImpressionCount.count)) == 4
    client.get(url)  # new traffic arrives meanwhile
    assert jobs.flush_impressions() == 1
    assert db.session.scalar(select(ImpressionCount.count)) == 5
    assert not conn.exists(IMPRESSION_HASH) and conn.scard(IMPRESSION_BATCHES) == 0


def test_flush_job_runs_on_a_real_worker(client, link, banner_link, app):
    banner, creative = banner_link
    for _ in range(3):
        browser(client, f"/api/v1/track/click/{link.public_id}")
    client.get(f"/api/v1/track/impression/{creative.public_id}?lid={banner.public_id}&aid={banner.publisher_id}")
    job = enqueue(jobs.flush_traffic)
    assert job.origin == "tracking"
    SimpleWorker([get_queue("tracking")], connection=redis_connection()).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == {"clicks": 3, "impressions": 1}
    assert click_count() == 3


def test_buffered_click_payload_holds_no_raw_ip(client, link):
    client.get(f"/api/v1/track/click/{link.public_id}", environ_base={"REMOTE_ADDR": "203.0.113.77"}, headers={"User-Agent": "Mozilla/5.0"})
    [(_, fields)] = redis_connection().xrange(CLICK_STREAM)
    assert "203.0.113.77" not in json.dumps({k.decode(): v.decode() for k, v in fields.items()})


def test_a_click_the_database_refuses_is_parked_and_does_not_block_the_others(client, link):
    from portal.tracking.buffer import CLICK_DEAD_LETTERS

    browser(client, f"/api/v1/track/click/{link.public_id}?sub1=before")
    conn = redis_connection()
    [(_, fields)] = conn.xrange(CLICK_STREAM)
    orphan = {**json.loads(fields[b"c"]), "click_id": "0190f0e0-0000-7000-8000-000000000001", "marketing_source_id": 987654}
    conn.xadd(CLICK_STREAM, {"c": json.dumps(orphan)})  # its marketing source no longer exists
    browser(client, f"/api/v1/track/click/{link.public_id}?sub1=after")

    assert jobs.flush_clicks() == 3
    assert sorted(c.sub1 for c in db.session.scalars(select(Click))) == ["after", "before"]
    [(_, parked)] = conn.xrange(CLICK_DEAD_LETTERS)
    assert json.loads(parked[b"c"])["marketing_source_id"] == 987654
    assert pending_clicks() == 0
