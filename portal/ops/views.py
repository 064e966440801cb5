"""Liveness (`/healthz`) and readiness (`/readyz`) probes for load balancers and orchestrators; no sign-in."""
from __future__ import annotations

import logging

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.queues import redis_connection
from portal.signals import readiness_details

bp = Blueprint("ops", __name__)
log = logging.getLogger("tracklane.ops")


@bp.get("/healthz")
def healthz():
    """The process is up and answering; nothing else is checked."""
    return _no_store(jsonify(status="ok"))


# Checks the portal can serve without, in part: with Redis down, clicks and impressions are written straight to
# the database, so a load balancer must keep sending traffic (200, "degraded") while monitoring sees what is down.
DEGRADING = {"redis"}


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable and its schema at the head of migrations/ (else 503 "unavailable");
    Redis reachable too, else 200 "degraded". `checks` has each part's result, `failed` names those that failed."""
    checks = {"database": check_database(), "redis": check_redis(), "migrations": check_migrations()}
    failed = [name for name, check in checks.items() if not check["ok"]]
    status = "ok" if not failed else "degraded" if set(failed) <= DEGRADING else "unavailable"
    if failed:
        log.warning("%s: %s", status, ", ".join(f"{name} ({checks[name]['error']})" for name in failed))
    # Informational, not readiness checks: sections the packages above add (`report_rollups` from reports).
    details = dict(section for _, section in readiness_details.send()) if status != "unavailable" else {}
    body = jsonify(status=status, checks=checks, failed=failed, **details)
    return _no_store(body), 503 if status == "unavailable" else 200


def check_database() -> dict:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_redis() -> dict:
    try:
        redis_connection().ping()
    except (RedisError, OSError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_migrations() -> dict:
    """The revisions stamped in the database equal the heads of the Alembic chain shipped with the code."""
    expected = set(migration_heads())
    try:
        with db.engine.connect() as conn:
            # Read alembic_version directly: alembic's MigrationContext logs two INFO lines per probe.
            stamped = inspect(conn).has_table("alembic_version")
            current = set(conn.scalars(text("SELECT version_num FROM alembic_version"))) if stamped else set()
    except SQLAlchemyError as exc:
        return {"ok": False, "error": type(exc).__name__, "expected": sorted(expected)}
    result = {"ok": current == expected, "current": sorted(current), "expected": sorted(expected)}
    if not result["ok"]:
        result["error"] = "database schema is not at the migrations head; run `flask --app app db upgrade`"
    return result


def migration_heads() -> tuple[str, ...]:
    """Heads of the chain in migrations/; read once per process since the files do not change while it runs."""
    cached = current_app.extensions.get("tracklane.migration_heads")
    if cached is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        cached = tuple(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["tracklane.migration_heads"] = cached
    return cached


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
