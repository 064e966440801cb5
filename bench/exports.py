#!/usr/bin/env python3
"""Export throughput against `psql \\copy` of the same rows, measured in the same run.

Fills PostgreSQL with --rows click rows (COPY FROM STDIN), exports them all as an admin through the
export job on a real `flask worker --burst` process, and prints rows/s, the ratio of psql's time to the
export's (target >= 0.5), the worker's peak memory (target < 200 MB), and checks the row counts agree.

The export job's time runs from its claim to its finish: the row count (for progress), the COPY of the
cells the server formats (local time, 0/1 flags, neutralised text) and the deflated zip. psql runs twice:
`\\copy` of the export's SELECT as it is (raw values, the issue's yardstick) and of the very cells the
export writes (like for like, but for the zip); both write a plain CSV file. With --runs N the export and
the two psql copies alternate N times and the best of each is compared (the machine may be shared).

Usage: .venv/bin/python bench/exports.py [--rows 1000000] [--runs 3] [--keep]
--keep leaves the filled database in place and reuses it on the next --keep run with the same --rows.
Needs PostgreSQL with psql, and Redis (BENCH_ADMIN_DATABASE_URL / BENCH_REDIS_URL; defaults: the local CI
ones). It creates (and, without --keep, drops) its own database `tracklane_bench_exports`; Redis
database 14 unless BENCH_REDIS_URL says otherwise (it is flushed when the database is filled).
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ADMIN_URL, ROOT, bench_env, recreate_database  # noqa: E402

BENCH_DB = "tracklane_bench_exports"
START = datetime(2026, 1, 1, tzinfo=UTC)


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


def _statements(user_id: int) -> tuple[str, str]:
    """The export's SELECT (raw columns) and the SELECT of the cells the export job writes, as SQL text."""
    from sqlalchemy.dialects import postgresql

    from portal import create_app
    from portal.accounts.models import User
    from portal.exports.pgcsv import click_cells
    from portal.extensions import db
    from portal.logs.service import LOGS, LogFilter, scope_of
    from portal.timezones import zone

    app = create_app()
    with app.app_context():
        user = db.session.get(User, user_id)
        tz = zone(user.timezone)
        stmt = LOGS["clicks"].statement(LogFilter(), scope_of(user), tz)

        def sql(select) -> str:
            return str(select.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})).replace("\n", " ")

        return sql(stmt), sql(stmt.with_only_columns(*click_cells(tz)))


def psql_copy_seconds(env: dict, sql: str, out: Path) -> tuple[float, int]:
    """psql \\copy of `sql` to a plain CSV file with a header: (seconds, data rows)."""
    dsn = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    subprocess.run(["psql", dsn, "-q", "-c", f"\\copy ({sql}) to '{out}' with (format csv, header)"], check=True)
    took = time.perf_counter() - started
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    out.unlink()
    return took, lines - 1


def export_seconds(env: dict, user_id: int) -> dict:
    """Request the export, run one `flask worker --burst` process, and read the finished export."""
    from portal import create_app
    from portal.accounts.models import User
    from portal.exports.models import Export
    from portal.exports.service import artifact_path, dispatch, remove_artifact, request_export
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        export = request_export(db.session.get(User, user_id), "click_logs", "")
        db.session.commit()
        dispatch(export)
        export_id = export.id
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--log-level", "WARNING"], cwd=ROOT, env=env,
    )
    started = time.perf_counter()
    _, status, usage = os.wait4(worker.pid, 0)  # this worker's own peak RSS, not the largest child's so far
    wall = time.perf_counter() - started
    if status:
        raise SystemExit(f"the worker exited with status {status}")
    with app.app_context():
        export = db.session.get(Export, export_id)
        size = artifact_path(export).stat().st_size if export.file_name else 0
        job = (export.finished_at - export.started_at).total_seconds() if export.finished_at and export.started_at else None
        result = {
            "status": export.status.value, "error": export.error, "rows": export.row_count, "job": job, "wall": wall,
            "peak_mb": usage.ru_maxrss / 1024, "zip_mb": size / 1e6,
        }
        remove_artifact(export)
        db.session.delete(export)
        db.session.commit()
        return result


def existing_admin(database_url: str, rows: int) -> int | None:
    """The bench admin's id when the kept database already holds exactly `rows` clicks."""
    from sqlalchemy import create_engine, text

    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        present = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": BENCH_DB}).scalar()
    engine.dispose()
    if not present:
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            clicks = conn.execute(text("SELECT count(*) FROM clicks")).scalar()
            admin = conn.execute(text("SELECT id FROM users WHERE email = 'bench@tracklane.example'")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()
    return admin if clicks == rows else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1, help="export and psql runs, alternated (the best of each is compared)")
    parser.add_argument("--keep", action="store_true", help="keep the filled database, and reuse one a former --keep left")
    args = parser.parse_args()

    env = bench_env(BENCH_DB, 14)
    os.environ.update(env)
    user_id = existing_admin(env["DATABASE_URL"], args.rows) if args.keep else None
    if user_id is None:
        recreate_database(BENCH_DB)
    exports, plain, cells = [], [], []
    try:
        if user_id is None:
            user_id, fill_s = fill(args.rows)
            print(f"filled {args.rows:,} clicks with COPY in {fill_s:.1f}s")
        else:
            print(f"reusing the kept database {BENCH_DB} ({args.rows:,} clicks)")
        raw_sql, cells_sql = _statements(user_id)
        with tempfile.TemporaryDirectory() as folder:
            for run in range(args.runs):
                result = export_seconds(env, user_id)
                if result["status"] != "COMPLETED":
                    raise SystemExit(f"export ended {result['status']}: {result['error']}")
                exports.append(result)
                plain.append(psql_copy_seconds(env, raw_sql, Path(folder) / "raw.csv"))
                cells.append(psql_copy_seconds(env, cells_sql, Path(folder) / "cells.csv"))
                print(f"run {run + 1}: export job {result['job']:.2f}s (peak {result['peak_mb']:.0f} MB)  "
                      f"psql raw {plain[-1][0]:.2f}s  psql cells {cells[-1][0]:.2f}s")
    finally:
        if not args.keep:
            recreate_database(BENCH_DB, create=False)

    best = min(exports, key=lambda r: r["job"])
    job_s, rows = best["job"], best["rows"]
    raw_s, raw_rows = min(plain)
    cells_s, cells_rows = min(cells)
    print(f"export job    {rows:>10,} rows in {job_s:6.2f}s  {rows / job_s:>10,.0f} rows/s  "
          f"(count, then COPY of the formatted, neutralised cells into a deflated zip, {best['zip_mb']:.1f} MB; "
          f"worker process wall time {best['wall']:.1f}s)")
    print(f"psql \\copy    {raw_rows:>10,} rows in {raw_s:6.2f}s  {raw_rows / raw_s:>10,.0f} rows/s  "
          "(the same SELECT, raw column values: UTC timestamps with offset, t/f booleans, no neutralising; plain CSV file)")
    print(f"psql \\copy    {cells_rows:>10,} rows in {cells_s:6.2f}s  {cells_rows / cells_s:>10,.0f} rows/s  "
          "(the very cells the export writes: local time, 0/1 flags, neutralised text; plain CSV file, no zip)")
    print(f"psql raw time / export time    {raw_s / job_s:.2f}  (target >= 0.5)")
    print(f"psql cells time / export time  {cells_s / job_s:.2f}  (like for like but for the zip)")
    print(f"worker peak memory             {max(r['peak_mb'] for r in exports):.0f} MB  (target < 200 MB)")
    ok = all(r["rows"] == args.rows for r in exports) and raw_rows == cells_rows == args.rows
    print(f"row counts: export {rows:,}  psql {raw_rows:,} / {cells_rows:,}  {'OK' if ok else 'MISMATCH'}")
    if len(exports) > 1:
        print("all runs (s): export " + " ".join(f"{r['job']:.2f}" for r in exports)
              + " | psql raw " + " ".join(f"{s:.2f}" for s, _ in plain) + " | psql cells " + " ".join(f"{s:.2f}" for s, _ in cells))


if __name__ == "__main__":
    main()
