"""CPC conversions at the click flush and CPM conversions at the impression flush, idempotent on retries."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from redis import Redis
from sqlalchemy import select

from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.extensions import db
from portal.network.models import CustomPayout, CustomThrottle, PayoutType, RevenueType, ThrottleStatus
from portal.queues import redis_connection
from portal.subids.models import BlockedSubId
from portal.tracking import jobs
from portal.tracking.buffer import IMPRESSION_HASH, impression_field
from portal.tracking.service import hour_epoch
from portal.tracking.targets import clear_cache
from tests.factories import CreativeFactory, OfferFactory, PublisherFactory, TrackingLinkFactory

D = Decimal
HUMAN = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.fixture(autouse=True)
def fresh_tracking_cache(app):
    clear_cache()
    yield
    clear_cache()


def visit(client, link, ip, agent=HUMAN, **subs):
    query = "&".join(f"{k}={v}" for k, v in subs.items())
    response = client.get(f"/api/v1/track/click/{link.public_id}?{query}",
                          headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 302


def conversions() -> list[Conversion]:
    db.session.expire_all()
    return list(db.session.scalars(select(Conversion).order_by(Conversion.id)))


@pytest.fixture
def cpc_link(app):
    offer = OfferFactory(payout_type=PayoutType.CPC, payout=D("0.12"), revenue_type=RevenueType.RPC,
                         revenue=D("0.20"), currency="USD")
    link = TrackingLinkFactory(offer=offer)
    db.session.commit()
    return link


def test_unique_human_unblocked_clicks_earn_once_each(client, cpc_link):
    db.session.add(BlockedSubId(publisher_id=cpc_link.publisher_id, offer_id=cpc_link.offer_id, sub_id="leak"))
    db.session.commit()
    visit(client, cpc_link, "10.0.0.1")
    visit(client, cpc_link, "10.0.0.1")  # not unique
    visit(client, cpc_link, "10.0.0.2", agent="python-requests/2.32.3")  # a bot
    visit(client, cpc_link, "10.0.0.3", sub1="leak")  # blocked: redirected to the fallback, never earns
    visit(client, cpc_link, "10.0.0.4", sub1="blog")
    jobs.flush_clicks()

    rows = conversions()
    assert [(c.payout_type, c.payout, c.revenue, c.currency, c.status) for c in rows] == [
        (PayoutType.CPC, D("0.1200"), D("0.2000"), "USD", ConversionStatus.APPROVED)
    ] * 2
    assert all(c.event_id is None and c.click_id and c.link_id == cpc_link.id for c in rows)
    assert db.session.scalar(select(ConversionChange.to_status).where(ConversionChange.conversion_id == rows[0].id)) == "approved"
    assert jobs.flush_clicks() == 0 and len(conversions()) == 2


def test_a_flush_retried_after_a_crash_pays_each_click_once(client, cpc_link, monkeypatch):
    for n in range(5):
        visit(client, cpc_link, f"10.0.1.{n}")
    real_store = jobs.store_clicks

    def store_then_die(rows):
        real_store(rows)
        db.session.commit()
        raise SystemExit("worker killed before acknowledging")

    monkeypatch.setattr(jobs, "store_clicks", store_then_die)
    with pytest.raises(SystemExit):
        jobs.flush_clicks(batch_size=3)
    monkeypatch.setattr(jobs, "store_clicks", real_store)
    db.session.rollback()
    assert len(conversions()) == 3
    assert jobs.flush_clicks(reclaim_after_ms=0) == 5
    assert len(conversions()) == 5
    assert len({c.click_id for c in conversions()}) == 5


def test_cpc_follows_custom_payouts_manual_approval_and_throttles(client, cpc_link):
    other = TrackingLinkFactory(offer=cpc_link.offer)
    cpa_publisher = TrackingLinkFactory(offer=cpc_link.offer)
    db.session.add_all([
        CustomPayout(publisher_id=other.publisher_id, offer_id=cpc_link.offer_id, payout_type=PayoutType.CPC,
                     payout=D("0.30")),
        CustomPayout(publisher_id=cpa_publisher.publisher_id, offer_id=cpc_link.offer_id, payout_type=PayoutType.CPA,
                     payout=D("5")),
        CustomThrottle(publisher_id=other.publisher_id, offer_id=cpc_link.offer_id, percentage=50,
                       throttle_status=ThrottleStatus.PENDING),
    ])
    cpc_link.offer.manually_approve_conversions = True
    db.session.commit()
    for n in range(4):
        visit(client, other, f"10.0.2.{n}")
    visit(client, cpa_publisher, "10.0.3.1")  # its plan is CPA: clicks earn nothing
    jobs.flush_clicks()
    assert [(c.payout, c.status.value, c.rejection_reason) for c in conversions()] == [
        (D("0.3000"), "pending", ""), (D("0.3000"), "pending", "throttled"),
    ] * 2


@pytest.fixture
def cpm_banner(app):
    offer = OfferFactory(payout_type=PayoutType.CPM, payout=D("2.50"), revenue_type=RevenueType.RPM,
                         revenue=D("4.00"))
    creative = CreativeFactory(offer=offer)
    link = TrackingLinkFactory(offer=offer, creative=creative)
    db.session.commit()
    return link, creative


def buffer_impressions(link, creative, n, hour=datetime(2026, 11, 1, 10, tzinfo=UTC)):
    field = impression_field(creative.id, link.id, link.publisher_id, hour_epoch(hour))
    redis_connection().hincrby(IMPRESSION_HASH, field, n)


def test_cpm_pays_per_full_thousand_across_flushes_links_and_hours(cpm_banner):
    link, creative = cpm_banner
    second = TrackingLinkFactory(offer=link.offer, publisher=link.publisher, creative=creative)
    db.session.commit()
    buffer_impressions(link, creative, 999)
    jobs.flush_impressions()
    assert conversions() == []
    buffer_impressions(link, creative, 1)
    buffer_impressions(second, creative, 1500, hour=datetime(2026, 11, 1, 11, tzinfo=UTC))
    jobs.flush_impressions()
    rows = conversions()
    assert [(c.payout_type, c.payout, c.revenue, c.publisher_id) for c in rows] == [
        (PayoutType.CPM, D("2.5000"), D("4.0000"), link.publisher_id)
    ] * 2
    assert jobs.flush_impressions() == 0 and len(conversions()) == 2


def test_cpm_counts_per_publisher(cpm_banner):
    link, creative = cpm_banner
    other = TrackingLinkFactory(offer=link.offer, publisher=PublisherFactory(), creative=creative)
    db.session.commit()
    buffer_impressions(link, creative, 600)
    buffer_impressions(other, creative, 600)
    jobs.flush_impressions()
    assert conversions() == []


def test_an_impression_flush_retried_after_a_crash_pays_nothing_twice(cpm_banner, monkeypatch):
    link, creative = cpm_banner
    buffer_impressions(link, creative, 3200)
    conn = redis_connection()
    monkeypatch.setattr(conn, "delete", lambda *keys: (_ for _ in ()).throw(SystemExit("killed after commit")))
    with pytest.raises(SystemExit):
        jobs.flush_impressions()
    monkeypatch.undo()
    db.session.rollback()
    assert len(conversions()) == 3
    jobs.flush_impressions()  # the sealed batch is found again and skipped
    assert len(conversions()) == 3
    assert sorted(c.rejection_reason for c in conversions()) == ["", "", ""]


def test_a_click_written_straight_to_the_database_while_redis_is_down_earns_cpc_once(app, client, cpc_link, monkeypatch):
    monkeypatch.setitem(app.extensions, "tracklane.tracking_redis", Redis.from_url("redis://127.0.0.1:1/0"))
    visit(client, cpc_link, "10.0.4.1")
    visit(client, cpc_link, "10.0.4.1")  # not unique
    monkeypatch.undo()
    assert [(c.payout_type, c.payout, c.link_id) for c in conversions()] == [(PayoutType.CPC, D("0.1200"), cpc_link.id)]
