#!/usr/bin/env python3
"""Report speed against a baseline measured in the same run.

Fills PostgreSQL with 5 million clicks and 500 thousand events over 30 days (COPY), builds the report
rollups, then times the day × campaign report for the 30 days through the app (`portal.reports.query.run`)
and the same numbers computed by a plain GROUP BY over the raw tables; checks that both agree exactly
and prints the ratio (target: the app's report at most 10 % of the raw GROUP BY time).

Usage: .venv/bin/python bench/reports.py [--clicks 5000000] [--events 500000] [--runs 3]
Needs PostgreSQL and Redis (BENCH_ADMIN_DATABASE_URL / BENCH_REDIS_URL; defaults: the local CI ones).
It drops and recreates its own database `tracklane_bench_reports` (left for inspection) and uses Redis database 14.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, recreate_database  # noqa: E402

BENCH_DB = "tracklane_bench_reports"
DAYS, OFFERS, PUBLISHERS, LINKS = 30, 12, 40, 400
EVENT_TYPES = ("registration", "ftd", "deposit", "revenue")
CHUNK = 200_000


def make_app():
    os.environ.update(bench_env(BENCH_DB, 14))
    from portal import create_app

    return create_app()


def seed_network(db) -> list[tuple[int, int, int]]:
    """Offers, publishers and links; returns (link_id, publisher_id, offer_id) per link."""
    from portal.links.models import TrackingLink
    from portal.network.models import Advertiser, Offer, Publisher

    advertisers = [Advertiser(name=f"Bench advertiser {i}") for i in range(3)]
    offers = [Offer(advertiser=advertisers[i % 3], name=f"Campaign {i:02d}", destination_url="https://brand.example/", currency="EUR") for i in range(OFFERS)]
    publishers = [Publisher(name=f"Bench publisher {i}") for i in range(PUBLISHERS)]
    db.session.add_all(advertisers + offers + publishers)
    db.session.flush()
    links = [TrackingLink(public_id=f"bench-{i}", publisher_id=publishers[i % PUBLISHERS].id, offer_id=offers[i % OFFERS].id) for i in range(LINKS)]
    db.session.add_all(links)
    db.session.commit()
    return [(link.id, link.publisher_id, link.offer_id) for link in links]


def copy_rows(conn, statement: str, lines) -> None:
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for number, line in enumerate(lines, 1):
            buffer.write(line)
            if number % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def secondary_indexes(db) -> list:
    from portal.events.models import Event
    from portal.tracking.models import Click

    return [index for table in (Click.__table__, Event.__table__) for index in table.indexes]


def load_raw(db, links, clicks: int, events: int, start: datetime) -> None:
    """COPY the raw rows; the secondary indexes are dropped first and built once at the end (faster)."""
    rng = random.Random(7)
    span = DAYS * 86400
    indexes = secondary_indexes(db)
    for index in indexes:
        index.drop(db.engine)
    raw = db.engine.raw_connection()
    conn = raw.driver_connection

    def click_lines():
        for i in range(clicks):
            link_id, publisher_id, offer_id = links[rng.randrange(LINKS)]
            at = start + timedelta(seconds=rng.randrange(span))
            unique = "t" if rng.random() < 0.7 else "f"
            yield (f"{i:032x}\t{link_id}\t{publisher_id}\t{offer_id}\t\\N\t\\N\ts{rng.randrange(50)}\t\t\t\t\t"
                   f"{'DE' if i % 3 else 'FI'}\t\t\t\t{unique}\tf\tf\t{at.isoformat()}\n")  # fmt: skip

    copy_rows(conn, "COPY clicks (click_id, link_id, publisher_id, offer_id, creative_id, marketing_source_id, sub1, sub2, sub3, sub4, sub5, country, user_agent, referrer, ip_hash, is_unique, is_bot, is_blocked, created_at) FROM STDIN", click_lines())

    def event_lines():
        for i in range(events):
            link_id, publisher_id, offer_id = links[rng.randrange(LINKS)]
            at = start + timedelta(seconds=rng.randrange(span))
            kind = EVENT_TYPES[i % 4]
            amount = "\\N" if kind == "registration" else f"{rng.randrange(-5000, 50000) if kind == 'revenue' else rng.randrange(1, 50000)}.{rng.randrange(100):02d}"
            yield (f"{i:032x}\t{1 + offer_id % 3}\t\\N\tbench\t{kind}\t\\N\t\\N\t{publisher_id}\t{offer_id}\t{link_id}\t"
                   f"{amount}\tEUR\t{at.isoformat()}\t{at.isoformat()}\t{{}}\n")  # fmt: skip

    copy_rows(conn, "COPY events (id, advertiser_id, idempotency_key, body_hash, type, player_id, click_id, publisher_id, offer_id, link_id, amount, currency, occurred_at, received_at, properties) FROM STDIN", event_lines())
    conn.commit()
    raw.close()
    for index in indexes:
        index.create(db.engine)
    with db.engine.connect() as c:
        c.exec_driver_sql("ANALYZE clicks")
        c.exec_driver_sql("ANALYZE events")


RAW_SQL = """
WITH c AS (
  SELECT (created_at AT TIME ZONE 'UTC')::date AS day, offer_id, count(*) AS clicks,
         count(*) FILTER (WHERE is_unique) AS uniques
  FROM clicks WHERE created_at >= %(start)s AND created_at < %(end)s AND NOT is_bot GROUP BY 1, 2
), e AS (
  SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, offer_id,
         count(*) FILTER (WHERE type = 'registration') AS registrations,
         count(*) FILTER (WHERE type = 'ftd') AS ftds,
         coalesce(sum(amount) FILTER (WHERE type IN ('ftd', 'deposit')), 0) AS deposits,
         coalesce(sum(amount) FILTER (WHERE type = 'revenue'), 0) AS ngr
  FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND publisher_id IS NOT NULL GROUP BY 1, 2
)
SELECT coalesce(c.day, e.day), o.name, coalesce(c.clicks, 0), coalesce(c.uniques, 0), coalesce(e.registrations, 0),
       coalesce(e.ftds, 0), coalesce(e.deposits, 0), coalesce(e.ngr, 0)
FROM c FULL JOIN e ON c.day = e.day AND c.offer_id = e.offer_id
JOIN offers o ON o.id = coalesce(c.offer_id, e.offer_id)
"""
METRICS = ["click_count", "unique_click_count", "registration_count", "ftd_count", "deposit_amount", "ngr"]


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=5_000_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    recreate_database(BENCH_DB)
    app = make_app()
    from flask_migrate import upgrade

    from portal.extensions import db
    from portal.reports.query import ReportQuery, run
    from portal.reports.rollups import rebuild

    first = date.today() - timedelta(days=DAYS)
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = start + timedelta(days=DAYS)
    with app.app_context():
        upgrade()
        links = seed_network(db)
        began = time.perf_counter()
        load_raw(db, links, args.clicks, args.events, start)
        print(f"loaded {args.clicks:,} clicks and {args.events:,} events with COPY in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        hours = rebuild(start, end)
        print(f"built the rollups of {hours} hours in {time.perf_counter() - began:.1f} s (background work, not timed below)")

        query = ReportQuery(dimensions=["date", "campaign"], metrics=METRICS, date_range="custom",
                            start_date=first, end_date=first + timedelta(days=DAYS - 1))  # fmt: skip
        app_time, report = best_of(args.runs, lambda: run(query, paginate=False))
        raw_conn = db.engine.raw_connection()

        def raw_group_by():
            with raw_conn.cursor() as cursor:
                cursor.execute(RAW_SQL, {"start": start, "end": end})
                return cursor.fetchall()

        raw_time, raw_rows = best_of(args.runs, raw_group_by)
        raw_conn.close()

    from_app = {(r.keys["date"], r.keys["campaign"]): tuple(r.metrics[m] for m in METRICS) for r in report.rows}
    from_raw = {(day.isoformat(), name): (clicks, uniques, regs, ftds, Decimal(deps), Decimal(ngr))
                for day, name, clicks, uniques, regs, ftds, deps, ngr in raw_rows}  # fmt: skip
    identical = from_app == from_raw
    ratio = app_time / raw_time
    print(f"day × campaign, {DAYS} days: {len(from_app)} rows")
    print(f"  through the app (rollups): {app_time * 1000:8.1f} ms")
    print(f"  raw GROUP BY:              {raw_time * 1000:8.1f} ms")
    print(f"  ratio app / raw:           {ratio:8.3f}  (target ≤ 0.10)  {'OK' if ratio <= 0.10 else 'MISSED'}")
    print(f"  identical numbers:         {identical}")
    if not identical:
        missing = set(from_app) ^ set(from_raw)
        differing = [k for k in set(from_app) & set(from_raw) if from_app[k] != from_raw[k]]
        print(f"  keys on one side only: {len(missing)}, differing rows: {len(differing)}; e.g. {differing[:1]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
