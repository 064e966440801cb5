"""End to end on a real worker: traffic flushed from Redis and events posted to the API reach the report."""
from __future__ import annotations

from datetime import timedelta

from rq import SimpleWorker

from portal.accounts.models import Role
from portal.extensions import db
from portal.queues import enqueue, get_queue, redis_connection
from portal.reports.query import ReportQuery, run
from portal.reports.rollups import refresh_rollups
from portal.tracking import jobs
from portal.types import utcnow
from tests.factories import CreativeFactory, OfferFactory, TrackingLinkFactory, UserFactory

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"}


def test_flushed_clicks_and_impressions_reach_the_report_through_the_refresh_job(client, app):
    offer = OfferFactory()
    creative = CreativeFactory(offer=offer)
    link = TrackingLinkFactory(offer=offer, creative=creative)
    user = UserFactory(role=Role.PUBLISHER, publisher_id=link.publisher_id)
    db.session.commit()
    for sub in ("a", "a", "b"):
        client.get(f"/api/v1/track/click/{link.public_id}?sub1={sub}", headers=BROWSER)
    client.get(f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}", headers=BROWSER)
    enqueue(jobs.flush_traffic)
    SimpleWorker([get_queue("tracking")], connection=redis_connection()).work(burst=True)
    job = enqueue(refresh_rollups)
    assert job.origin == "default"
    SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result()
    db.session.expire_all()
    today = utcnow().date()
    query = ReportQuery(dimensions=["sub1"], metrics=["click_count", "banner_view_count"], date_range="custom",
                        start_date=today - timedelta(days=1), end_date=today,
                        publisher_id=user.publisher_id)  # fmt: skip
    result = run(query)
    assert {r.keys["sub1"]: r.metrics["click_count"] for r in result.rows} == {"": 0, "a": 2, "b": 1}
    assert result.totals[0].metrics["banner_view_count"] == 1
