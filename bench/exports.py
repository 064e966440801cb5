#!/usr/bin/env python3
"""Export throughput against `psql \\copy` of the same rows, measured in the same run.

Fills PostgreSQL with --rows click rows (COPY FROM STDIN), exports them all as an admin through the
export job on a real `flask worker --burst` process, and prints rows/s, the ratio of psql's time to the
export's (target >= 0.5), the worker's peak memory (target < 200 MB), and checks the row counts agree.

Usage: .venv/bin/python bench/exports.py [--rows 1000000]
Needs PostgreSQL with psql, and Redis (BENCH_ADMIN_DATABASE_URL / BENCH_REDIS_URL; defaults: the local CI
ones). It creates and drops its own database `tracklane_bench_exports` and uses Redis database 14.
"""
from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
BENCH_DB = "tracklane_bench_exports"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
START = datetime(2026, 1, 1, tzinfo=UTC)


def bench_env() -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB,
        REDIS_URL=REDIS_URL,
        TRACKLANE_INSTANCE_PATH=tempfile.mkdtemp(prefix="tracklane-bench-exports-"),
        SECRET_KEY="bench-secret-key-0123456789",
    )
    return env


def recreate_database(create: bool = True) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        if create:
            conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    engine.dispose()


def uuid7_at(ms: int) -> uuid.UUID:
    """A UUIDv7 for a given Unix millisecond, so click ids sort like their times (as the tracker's do)."""
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 64) & 0x0FFF) << 64 | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return uuid.UUID(int=value)


def fill(rows: int) -> tuple[int, int]:
    """Migrate, create an admin and two links, COPY `rows` clicks; return (admin user id, seconds taken)."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import Role, User
    from portal.extensions import db
    from portal.links.models import TrackingLink
    from portal.network.models import Advertiser, Offer, Publisher
    from portal.queues import redis_connection

    app = create_app()
    with app.app_context():
        upgrade()
        redis_connection().flushdb()
        admin = User(email="bench@tracklane.example", username="bench", role=Role.ADMIN)
        offer = Offer(advertiser=Advertiser(name="Bench Advertiser"), name="Bench Offer", destination_url="https://brand.example/")
        publisher = Publisher(name="Bench Publisher")
        db.session.add_all([admin, offer, publisher])
        db.session.flush()
        links = [TrackingLink(public_id=f"bench-link-{n}", name=f"Bench link {n}", publisher_id=publisher.id, offer_id=offer.id) for n in range(2)]
        db.session.add_all(links)
        db.session.commit()
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            columns = (
                "click_id, link_id, publisher_id, offer_id, sub1, sub2, sub3, sub4, sub5, country, user_agent, referrer,"
                " ip_hash, is_unique, is_bot, is_blocked, created_at"
            )
            base_ms = int(START.timestamp() * 1000)
            with cursor.copy(f"COPY clicks ({columns}) FROM STDIN") as copy:
                for start in range(0, rows, 50_000):
                    lines = []
                    for n in range(start, min(rows, start + 50_000)):
                        ms = base_ms + n * 10
                        stamp = datetime.fromtimestamp(ms / 1000, UTC).isoformat()
                        lines.append(
                            f"{uuid7_at(ms)}\t{links[n % 2].id}\t{publisher.id}\t{offer.id}\tsrc-{n % 500}\tcampaign-{n % 37}"
                            f"\t\t\t\t{'DE' if n % 3 else 'SE'}\tMozilla/5.0 bench\t\t{n:064x}\t{'t' if n % 4 else 'f'}\tf\tf\t{stamp}\n"
                        )
                    copy.write("".join(lines))
            raw.commit()
            cursor.execute("ANALYZE clicks")
            raw.commit()
        finally:
            raw.close()
        return admin.id, time.perf_counter() - started


def psql_copy_seconds(env: dict, user_id: int, out: Path) -> tuple[float, int]:
    """psql \\copy of exactly the rows the export writes (the same SELECT), to a plain CSV file."""
    from sqlalchemy.dialects import postgresql

    from portal import create_app
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.logs.service import LOGS, LogFilter, scope_of
    from portal.timezones import zone

    app = create_app()
    with app.app_context():
        user = db.session.get(User, user_id)
        stmt = LOGS["clicks"].statement(LogFilter(), scope_of(user), zone(user.timezone))
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})).replace("\n", " ")
    dsn = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    subprocess.run(["psql", dsn, "-q", "-c", f"\\copy ({sql}) to '{out}' with (format csv, header)"], check=True)
    took = time.perf_counter() - started
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return took, lines - 1


def export_seconds(env: dict, user_id: int) -> dict:
    """Request the export, run one `flask worker --burst` process, and read the finished export."""
    from portal import create_app
    from portal.accounts.models import User
    from portal.exports.models import Export
    from portal.exports.service import artifact_path, dispatch, request_export
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        export = request_export(db.session.get(User, user_id), "click_logs", "")
        db.session.commit()
        dispatch(export)
        export_id = export.id
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--log-level", "WARNING"],
        cwd=ROOT, env=env, check=True,
    )
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with app.app_context():
        export = db.session.get(Export, export_id)
        size = artifact_path(export).stat().st_size if export.file_name else 0
        job = (export.finished_at - export.started_at).total_seconds() if export.finished_at and export.started_at else None
        return {
            "status": export.status.value, "error": export.error, "rows": export.row_count, "job": job, "wall": wall,
            "peak_mb": max(peak_kb, before) / 1024, "zip_mb": size / 1e6,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    recreate_database()
    env = bench_env()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        user_id, fill_s = fill(args.rows)
        print(f"filled {args.rows:,} clicks with COPY in {fill_s:.1f}s")
        result = export_seconds(env, user_id)
        if result["status"] != "COMPLETED":
            raise SystemExit(f"export ended {result['status']}: {result['error']}")
        with tempfile.TemporaryDirectory() as folder:
            psql_s, psql_rows = psql_copy_seconds(env, user_id, Path(folder) / "clicks.csv")
    finally:
        recreate_database(create=False)

    job_s = result["job"]
    print(f"export job    {result['rows']:>10,} rows in {job_s:6.2f}s  {result['rows'] / job_s:>10,.0f} rows/s  "
          f"(zip {result['zip_mb']:.1f} MB; worker process wall time {result['wall']:.1f}s)")
    print(f"psql \\copy    {psql_rows:>10,} rows in {psql_s:6.2f}s  {psql_rows / psql_s:>10,.0f} rows/s  (plain CSV)")
    print(f"psql time / export time  {psql_s / job_s:.2f}  (target >= 0.5)")
    print(f"worker peak memory       {result['peak_mb']:.0f} MB  (target < 200 MB)")
    print(f"row counts: export {result['rows']:,}  psql {psql_rows:,}  {'OK' if result['rows'] == psql_rows == args.rows else 'MISMATCH'}")


if __name__ == "__main__":
    main()
