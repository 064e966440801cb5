"""Export jobs on a real RQ worker against real Redis: contents, scope, errors, cancel, retention."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.csvsafe import safe_cell
from portal.exports import jobs, service
from portal.exports.models import Export, ExportStatus
from portal.exports.sources import ExportSource, encode_rows
from portal.extensions import db
from portal.queues import get_queue
from portal.types import utcnow
from tests.exports.conftest import csv_rows, work_exports

CLICK_HEADER = [
    "click_id", "time", "link_id", "link_name", "offer", "sub1", "sub2", "sub3", "sub4", "sub5",
    "country", "unique", "bot", "blocked",
]


def export_for(user, kind="click_logs", query="") -> Export:
    export = service.request_export(user, kind, query)
    db.session.commit()
    service.dispatch(export)
    return export


def finished(export: Export) -> Export:
    work_exports()
    return db.session.get(Export, export.id)


def test_a_click_export_writes_the_publishers_rows_newest_first_with_formulas_neutralised(traffic):
    export = finished(export_for(traffic.alice))
    assert export.status == ExportStatus.COMPLETED and export.progress == 100 and export.row_count == 2
    assert export.finished_at >= export.started_at and service.duration(export) is not None
    assert export.expires_at == export.finished_at + timedelta(days=7)
    rows = csv_rows(export)
    assert rows[0] == CLICK_HEADER
    link = safe_cell(traffic.link_a.public_id)  # a generated id may start with '-'
    assert rows[1][1:] == ["2026-03-11 12:00:00", link, "Alice link", "Offer A", "'@SUM(A1)", "", "'+1", "'-2", "'\tx", "", "0", "0", "0"]
    assert rows[2][1:] == [
        "2026-03-10 12:00:00", link, "Alice link", "Offer A", "'=HYPERLINK(\"http://evil.example\")",
        "<script>alert(1)</script>", "", "", "", "DE", "1", "0", "0",
    ]
    assert (service.export_folder() / export.file_name).exists()


def test_each_role_exports_only_its_scope(traffic):
    bob = finished(export_for(traffic.bob))
    assert [row[5] for row in csv_rows(bob)[1:]] == ["bob-only"]
    advertiser = finished(export_for(traffic.advertiser))
    assert {row[4] for row in csv_rows(advertiser)[1:]} == {"Offer A"} and advertiser.row_count == 2
    admin = finished(export_for(traffic.admin))
    assert admin.row_count == 3


def test_filters_are_days_in_the_users_time_zone(traffic):
    # 2026-03-11 in Tokyo runs from 2026-03-10 15:00 UTC: the click at 12:00 UTC on the 10th is outside.
    traffic.alice.timezone = "Asia/Tokyo"
    db.session.commit()
    export = finished(export_for(traffic.alice, query="start=2026-03-11&end=2026-03-11"))
    assert export.row_count == 1
    assert csv_rows(export)[1][1] == "2026-03-11 21:00:00"  # shown in Tokyo time too
    by_link = finished(export_for(traffic.admin, query=f"link={traffic.link_b.public_id}"))
    assert by_link.row_count == 1


def test_conversion_and_impression_exports_show_each_side_its_own_amounts(traffic):
    publisher = csv_rows(finished(export_for(traffic.alice, "conversion_logs")))
    assert publisher[0][-2:] == ["payout", "currency"] and len(publisher) == 2 and publisher[1][-2:] == ["25.00", "EUR"]
    advertiser = csv_rows(finished(export_for(traffic.advertiser, "conversion_logs")))
    assert advertiser[0][-2:] == ["revenue", "currency"] and len(advertiser) == 2
    admin = csv_rows(finished(export_for(traffic.admin, "conversion_logs")))
    assert admin[0][-3:] == ["payout", "revenue", "currency"] and len(admin) == 3
    impressions = csv_rows(finished(export_for(traffic.alice, "impression_logs")))
    assert impressions == [
        ["hour", "link_id", "link_name", "offer", "creative", "impressions"],
        ["2026-03-10 12:00", safe_cell(traffic.link_a.public_id), "Alice link", "Offer A", "Banner A", "7"],
    ]
    assert finished(export_for(traffic.bob, "impression_logs")).row_count == 0


def test_a_failing_export_ends_in_error_with_a_message_and_no_file(traffic, monkeypatch):
    def broken(kind, query, user):
        def chunks(size):
            yield encode_rows([("partial",)])
            raise RuntimeError("the database went away")

        return ExportSource(header=["x"], count=lambda: 10, chunks=chunks)

    monkeypatch.setattr(jobs, "source_for", broken)
    export = finished(export_for(traffic.alice))
    assert export.status == ExportStatus.ERROR
    assert export.error == "The export failed: RuntimeError: the database went away"
    assert export.file_name is None and list(service.export_folder().iterdir()) == []


def test_a_canceled_export_stops_between_batches_and_leaves_no_file(traffic, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_CHUNK_ROWS", 1)
    real = jobs.source_for

    def cancel_after_first_batch(kind, query, user):
        source = real(kind, query, user)

        def chunks(size):
            for number, chunk in enumerate(source.chunks(size)):
                if number == 1:  # the person presses Cancel while the job runs
                    with db.engine.begin() as conn:
                        conn.execute(update(Export).values(status=ExportStatus.CANCELED))
                yield chunk

        return ExportSource(source.header, source.count, chunks)

    monkeypatch.setattr(jobs, "source_for", cancel_after_first_batch)
    export = finished(export_for(traffic.alice))
    assert export.status == ExportStatus.CANCELED and export.file_name is None
    assert export.row_count == 1 and export.progress == 50
    assert list(service.export_folder().iterdir()) == []


def test_a_job_that_lost_its_export_to_a_retry_stands_down(traffic):
    export = export_for(traffic.alice)
    old_job = export.job_id
    export.status = ExportStatus.ERROR
    service.retry_export(export)
    db.session.commit()
    assert jobs.run_export(export.id, old_job) == {"export": export.id, "status": "skipped"}
    service.dispatch(export)
    assert finished(export).status == ExportStatus.COMPLETED


def test_a_lost_job_is_marked_failed_and_a_live_one_is_left_alone(traffic):
    waiting = export_for(traffic.alice)
    lost = export_for(traffic.bob)
    get_queue("exports").fetch_job(lost.job_id).delete()  # e.g. Redis lost it
    db.session.query(Export).filter_by(id=lost.id).update({"created_at": utcnow() - timedelta(minutes=5)})
    db.session.commit()
    assert jobs.recover_stalled_exports() == 1
    db.session.expire_all()
    assert db.session.get(Export, waiting.id).status == ExportStatus.PENDING
    lost = db.session.get(Export, lost.id)
    assert lost.status == ExportStatus.ERROR and lost.error == jobs.STALLED_MESSAGE


def test_files_past_their_retention_are_deleted_and_the_rows_kept(traffic):
    export = finished(export_for(traffic.alice))
    path = service.artifact_path(export)
    assert jobs.purge_expired_exports() == 0 and path.exists()
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.purge_expired_exports() == 1
    db.session.expire_all()
    export = db.session.get(Export, export.id)
    assert not path.exists() and export.file_name is None and export.status == ExportStatus.COMPLETED
    assert not service.downloadable(export)


def test_a_report_export_writes_the_owners_report_rows(traffic):
    from datetime import UTC, datetime

    from portal.reports.rollups import rebuild

    rebuild(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    db.session.commit()
    query = "dims_set=1&dim=campaign&metric=click_count&range=custom&start=2026-03-01&end=2026-03-31"
    assert csv_rows(finished(export_for(traffic.alice, "report", query))) == [["Campaign", "Clicks"], ["Offer A", "2"]]
    admin = csv_rows(finished(export_for(traffic.admin, "report", query)))
    assert ["Offer A", "2"] in admin and {row[0] for row in admin[1:]} == {"Offer A", "Offer B"}  # the network sees both


def test_the_scheduler_runs_the_export_housekeeping(app):
    periodic = app.extensions["periodic_jobs"]
    assert (jobs.recover_stalled_exports, 60) in periodic and (jobs.purge_expired_exports, 3600) in periodic
