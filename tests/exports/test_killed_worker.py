"""A worker process killed with SIGKILL in the middle of an export: the export becomes retriable, and a
retry writes the whole file."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from uuid_utils.compat import uuid7

from portal.config import PROJECT_ROOT
from portal.exports import jobs, service
from portal.exports.models import Export, ExportStatus
from portal.extensions import db
from portal.queues import redis_connection, redis_url_for
from portal.tracking.models import Click
from tests.exports.conftest import csv_rows, work_exports

ROWS = 3000


def start_worker(app) -> subprocess.Popen:
    """`flask worker` as its own process group on the test's database and Redis, one row per progress
    report so the export runs for a while."""
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"] or redis_url_for(redis_connection()),
        EXPORT_CHUNK_ROWS="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--log-level", "WARNING"],
        cwd=PROJECT_ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def wait_until(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = condition()
        db.session.commit()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_an_export_whose_worker_was_killed_is_marked_failed_and_retries_to_completion(app, traffic, client):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.execute(
        insert(Click),
        [
            dict(click_id=uuid7(), link_id=traffic.link_a.id, publisher_id=traffic.alice.publisher_id,
                 offer_id=traffic.link_a.offer_id, created_at=start + timedelta(seconds=n), sub1=f"s{n}")
            for n in range(ROWS)
        ],
    )
    export = service.request_export(traffic.alice, "click_logs", "")
    db.session.commit()
    service.dispatch(export)

    worker = start_worker(app)
    try:
        wait_until(lambda: db.session.get(Export, export.id).row_count >= 20)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse, mid-export
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    db.session.expire_all()
    stuck = db.session.get(Export, export.id)
    assert stuck.status == ExportStatus.IN_PROGRESS and 0 < stuck.row_count < ROWS + 2
    assert not list(service.export_folder().glob("*.zip"))  # only the unfinished .part file

    # Within the dead worker's last heartbeat the job still looks alive; once it lapses, RQ's cleanup
    # fails the job and the export turns into a retriable error.
    assert jobs.recover_stalled_exports() == 0
    assert jobs.recover_stalled_exports(at=time.time() + 300) == 1
    db.session.expire_all()
    failed = db.session.get(Export, export.id)
    assert failed.status == ExportStatus.ERROR and failed.error == jobs.STALLED_MESSAGE

    from tests.conftest import signed_in_client

    response = signed_in_client(app, traffic.alice).post(f"/exports/{export.id}/retry")
    assert response.status_code == 303
    work_exports()
    done = db.session.get(Export, export.id)
    assert done.status == ExportStatus.COMPLETED and done.row_count == ROWS + 2
    rows = csv_rows(done)
    assert len(rows) == ROWS + 3 and {row[5] for row in rows[1:]} >= {"s0", f"s{ROWS - 1}", "'@SUM(A1)"}
    assert not list(service.export_folder().glob("*.part"))
