"""Impressions whose `lid` / `aid` do not match their creative: counted apart, earning and reporting nothing."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from sqlalchemy import func, select

from portal.conversions.models import Conversion
from portal.extensions import db
from portal.network.models import PayoutType, RevenueType
from portal.queues import redis_connection
from portal.reports.query import ReportQuery, run
from portal.reports.rollups import refresh_rollups
from portal.tracking import jobs
from portal.tracking.buffer import IMPRESSION_HASH, impression_field
from portal.tracking.models import ImpressionCount, UnattributedImpressionCount
from portal.tracking.service import hour_epoch
from portal.types import utcnow
from tests.factories import CreativeFactory, OfferFactory, TrackingLinkFactory


def test_unattributed_impressions_of_a_cpm_creative_never_earn(app):
    offer = OfferFactory(payout_type=PayoutType.CPM, payout=D("2.50"), revenue_type=RevenueType.RPM, revenue=D("4.00"))
    creative = CreativeFactory(offer=offer)
    link = TrackingLinkFactory(offer=offer, creative=creative)
    db.session.commit()
    hour = hour_epoch(datetime(2026, 11, 1, 10, tzinfo=UTC))
    conn = redis_connection()
    conn.hincrby(IMPRESSION_HASH, impression_field(creative.id, 0, 0, hour), 5000)
    conn.hincrby(IMPRESSION_HASH, impression_field(creative.id, link.id, link.publisher_id, hour), 999)
    assert jobs.flush_impressions() == 5999
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 0
    assert db.session.scalar(select(UnattributedImpressionCount.count)) == 5000
    assert db.session.scalar(select(ImpressionCount.count)) == 999


def test_reports_count_only_attributed_impressions(client, banner_link):
    link, creative = banner_link
    good = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    stray = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id + 7}"
    for url in (good, good, stray, stray, stray):
        client.get(url)
    jobs.flush_impressions()
    refresh_rollups()
    db.session.expire_all()
    today = utcnow().date()
    query = ReportQuery(dimensions=["date"], metrics=["banner_view_count"], date_range="custom",
                        start_date=today - timedelta(days=1), end_date=today)  # fmt: skip
    assert run(query).totals[0].metrics["banner_view_count"] == 2
    assert db.session.scalar(select(UnattributedImpressionCount.count)) == 3
