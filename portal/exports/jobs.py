"""Export jobs: write a zipped CSV by streaming rows, report progress, stop when canceled; and the periodic
jobs that rescue exports whose worker died and delete files past their retention."""
from __future__ import annotations

import logging
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.exports.models import Export, ExportStatus
from portal.exports.service import export_folder, partial_path, purge_expired, retention
from portal.exports.sources import encode_rows, source_for
from portal.extensions import db
from portal.queues import background_job
from portal.types import utcnow

log = logging.getLogger(__name__)
STALLED_MESSAGE = "The worker running this export stopped before it finished. Retry it."
# Finished and failed RQ states: a job in one of them no longer works on its export.
GONE = ("finished", "failed", "stopped", "canceled")
ENQUEUE_GRACE = timedelta(minutes=1)


class Canceled(Exception):
    """The export was canceled, deleted or handed to a newer job while this one ran."""


# Retries stay with the person (the retry button): a crashed export is marked ERROR, never re-run blindly.
@background_job("exports", timeout=3600, retries=0)
def run_export(export_id: int, job_id: str) -> dict:
    """Write export `export_id` as a zipped CSV, unless another job (a retry) owns it now."""
    if not _claim(export_id, job_id):
        return {"export": export_id, "status": "skipped"}
    export = db.session.get(Export, export_id)
    if export is None:  # deleted in the instant after the claim
        return {"export": export_id, "status": "canceled"}
    user = db.session.get(User, export.requested_by_id)
    file_name = f"{export.kind.replace('_', '-')}-{export.id}-{utcnow():%Y%m%d-%H%M%S}.zip"
    final = export_folder() / file_name
    partial = partial_path(export_id)
    db.session.commit()  # no transaction stays open while the file is written
    try:
        rows = _write(export_id, job_id, export.kind, export.query.get("args", ""), user, partial, file_name[:-4] + ".csv")
    except Canceled:
        partial.unlink(missing_ok=True)
        return {"export": export_id, "status": "canceled"}
    except Exception as failure:  # the person sees a message; the log keeps the traceback
        db.session.rollback()
        partial.unlink(missing_ok=True)
        log.exception("export %s failed", export_id)
        _finish(export_id, job_id, status=ExportStatus.ERROR, error=_message(failure))
        return {"export": export_id, "status": "error"}
    partial.replace(final)
    finished = utcnow()
    if not _finish(
        export_id, job_id, status=ExportStatus.COMPLETED, progress=100, row_count=rows, file_name=file_name,
        finished_at=finished, expires_at=finished + retention(),
    ):
        final.unlink(missing_ok=True)  # canceled in the last instant
        return {"export": export_id, "status": "canceled"}
    return {"export": export_id, "status": "completed", "rows": rows}


def _claim(export_id: int, job_id: str) -> bool:
    """PENDING (or IN_PROGRESS again, when RQ re-delivers) -> IN_PROGRESS, only for the job that owns it."""
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(Export)
            .where(Export.id == export_id, Export.job_id == job_id, Export.status.in_((ExportStatus.PENDING, ExportStatus.IN_PROGRESS)))
            .values(status=ExportStatus.IN_PROGRESS, started_at=utcnow(), progress=0, row_count=0, error="")
        ).rowcount
    return claimed == 1


def _write(export_id: int, job_id: str, kind: str, query: str, user: User, path: Path, csv_name: str) -> int:
    source = source_for(kind, query, user)
    total = source.count()
    rows = 0
    # Level 1 deflate: CSV still shrinks several times, and compression stops being the bottleneck. zlib
    # releases the GIL, so one chunk is compressed in a thread while the next is read (two in memory at most).
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open(csv_name, "w", force_zip64=True) as out, ThreadPoolExecutor(1) as compressor:
        writing = compressor.submit(out.write, encode_rows([source.header])[1])
        for count, data in source.chunks(current_app.config["EXPORT_CHUNK_ROWS"]):
            writing.result()
            writing = compressor.submit(out.write, data)
            rows += count
            if not _report(export_id, job_id, rows, total):
                raise Canceled
        writing.result()
    return rows


def _report(export_id: int, job_id: str, rows: int, total: int) -> bool:
    """Progress in its own short transaction; False when the export is no longer this job's to write."""
    percent = min(99, rows * 100 // total) if total else 0
    with db.engine.begin() as conn:
        return conn.execute(
            update(Export)
            .where(Export.id == export_id, Export.job_id == job_id, Export.status == ExportStatus.IN_PROGRESS)
            .values(progress=percent, row_count=rows)
        ).rowcount == 1


def _finish(export_id: int, job_id: str, **values) -> bool:
    with db.engine.begin() as conn:
        return conn.execute(
            update(Export)
            .where(Export.id == export_id, Export.job_id == job_id, Export.status == ExportStatus.IN_PROGRESS)
            .values(**values)
        ).rowcount == 1


def _message(failure: Exception) -> str:
    text = str(failure).splitlines()[0][:300] if str(failure) else ""
    return f"The export failed: {type(failure).__name__}{': ' + text if text else ''}"


# ---------------------------------------------------------------- periodic


@background_job("default", timeout=120, retries=0)
def recover_stalled_exports(at: float | None = None) -> int:
    """Mark ERROR (retriable) every active export whose RQ job is gone: killed worker, lost job, crash.

    RQ's own cleanup first moves started jobs whose worker stopped heart-beating to the failed registry;
    `at` (a Unix time) lets a caller look from a later moment."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from portal.queues import get_queue, redis_connection

    queue = get_queue("exports")
    StartedJobRegistry(queue=queue).cleanup(timestamp=at)
    stalled = []
    active = select(Export).where(Export.status.in_((ExportStatus.PENDING, ExportStatus.IN_PROGRESS)))
    for export in db.session.scalars(active):
        try:
            status = Job.fetch(export.job_id, connection=redis_connection()).get_status() if export.job_id else None
        except NoSuchJobError:
            status = None
        if status is None and export.status == ExportStatus.PENDING and export.created_at > utcnow() - ENQUEUE_GRACE:
            continue  # its row may be committed a moment before its job reaches the queue
        if status is None or status in GONE:
            stalled.append((export.id, export.job_id))
    db.session.commit()
    count = 0
    for export_id, job_id in stalled:
        partial_path(export_id).unlink(missing_ok=True)
        with db.engine.begin() as conn:
            count += conn.execute(
                update(Export)
                .where(Export.id == export_id, Export.job_id == job_id, Export.status.in_((ExportStatus.PENDING, ExportStatus.IN_PROGRESS)))
                .values(status=ExportStatus.ERROR, error=STALLED_MESSAGE, finished_at=utcnow())
            ).rowcount
    if count:
        log.warning("marked %d stalled export(s) as failed", count)
    return count


@background_job("default", timeout=600, retries=0)
def purge_expired_exports() -> int:
    """Delete export files past EXPORT_RETENTION_DAYS."""
    count = purge_expired()
    db.session.commit()
    return count
