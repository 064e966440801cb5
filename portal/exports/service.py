"""Download-center verbs: request, cancel, retry, delete, sign a download, purge expired files.

Every verb flushes and never commits; the view (or job) commits. Files live under instance/exports/.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from portal.accounts.models import User
from portal.exports.models import Export, ExportStatus
from portal.exports.sources import KINDS, ExportInvalid, source_for
from portal.extensions import db
from portal.types import utcnow

log = logging.getLogger(__name__)
ACTIVE = (ExportStatus.PENDING, ExportStatus.IN_PROGRESS)
MAX_QUERY_CHARS = 4000
LIST_LIMIT = 100


class ExportConflict(RuntimeError):
    """The export is not in a state that allows this action (409)."""


class LinkExpired(RuntimeError):
    """A download link whose signature is valid but too old (410)."""


def export_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def artifact_path(export: Export) -> Path | None:
    return export_folder() / export.file_name if export.file_name else None


def partial_path(export_id: int) -> Path:
    """Where a job writes before the finished file is renamed into place; a retry overwrites it."""
    return export_folder() / f"export-{export_id}.part"


def request_export(user: User, kind: str, query: str) -> Export:
    """A new PENDING export with its job id; the caller commits, then calls `dispatch`."""
    if kind not in KINDS:
        raise ExportInvalid("Unknown export kind.")
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY_CHARS:
        raise ExportInvalid("The filters are too long.")
    source_for(kind, query, user)  # validates the query; the job builds it again
    export = Export(requested_by_id=user.id, kind=kind, query={"args": query}, job_id=uuid.uuid4().hex)
    db.session.add(export)
    db.session.flush()
    return export


def dispatch(export: Export) -> None:
    """Put the export's job on the exports queue (after the row is committed, so the worker finds it)."""
    from portal.exports.jobs import run_export
    from portal.queues import enqueue

    enqueue(run_export, export.id, export.job_id, job_id=export.job_id)


def exports_of(user: User) -> list[Export]:
    stmt = select(Export).where(Export.requested_by_id == user.id).order_by(Export.created_at.desc(), Export.id.desc())
    return list(db.session.scalars(stmt.limit(LIST_LIMIT)))


def any_active(exports: list[Export]) -> bool:
    return any(export.status in ACTIVE for export in exports)


def cancel_export(export: Export) -> None:
    if export.status not in ACTIVE:
        raise ExportConflict("Only a waiting or running export can be canceled.")
    export.status = ExportStatus.CANCELED
    export.finished_at = utcnow()
    _cancel_job(export.job_id)  # a running job notices the status between batches and stops
    db.session.flush()


def retry_export(export: Export) -> None:
    """Start a failed or canceled export again under a new job id (the old job, if alive, then stands down)."""
    if export.status not in (ExportStatus.ERROR, ExportStatus.CANCELED):
        raise ExportConflict("Only a failed or canceled export can be retried.")
    export.status = ExportStatus.PENDING
    export.job_id = uuid.uuid4().hex
    export.progress = export.row_count = 0
    export.error = ""
    export.started_at = export.finished_at = export.expires_at = None
    db.session.flush()


def delete_export(export: Export) -> None:
    if export.status in ACTIVE:
        _cancel_job(export.job_id)
    remove_artifact(export)
    db.session.delete(export)
    db.session.flush()


def remove_artifact(export: Export) -> None:
    path = artifact_path(export)
    if path:
        path.unlink(missing_ok=True)
    if export.id:
        partial_path(export.id).unlink(missing_ok=True)
    export.file_name = None


def _cancel_job(job_id: str | None) -> None:
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.job import Job

    from portal.queues import redis_connection

    if not job_id:
        return
    try:
        job = Job.fetch(job_id, connection=redis_connection())
        if job.get_status() in ("queued", "scheduled", "deferred"):
            job.cancel()
    except (NoSuchJobError, InvalidJobOperation):
        pass


def is_expired(export: Export, now: datetime | None = None) -> bool:
    return export.expires_at is not None and export.expires_at <= (now or utcnow())


def downloadable(export: Export) -> bool:
    return export.status == ExportStatus.COMPLETED and bool(export.file_name) and not is_expired(export)


def duration(export: Export) -> timedelta | None:
    if export.started_at and export.finished_at and export.status == ExportStatus.COMPLETED:
        return export.finished_at - export.started_at
    return None


# ---------------------------------------------------------------- signed download links


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="tracklane-export-download")


def sign_download(export: Export) -> str:
    return _signer().dumps({"e": export.id, "u": export.requested_by_id})


def check_download(token: str, export_id: int, user: User) -> bool:
    """True when the token was signed for this export and this user; LinkExpired when it is too old."""
    max_age = current_app.config["EXPORT_LINK_MINUTES"] * 60
    try:
        data = _signer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired("This download link has expired; open the download center for a fresh one.") from None
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("e") == export_id and data.get("u") == user.id


# ---------------------------------------------------------------- retention


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of exports past their retention; the rows stay, marked by a missing file."""
    now = now or utcnow()
    stmt = select(Export).where(Export.expires_at <= now, Export.file_name.is_not(None))
    count = 0
    for export in db.session.scalars(stmt):
        remove_artifact(export)
        count += 1
    db.session.flush()
    return count


def retention() -> timedelta:
    return timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])
