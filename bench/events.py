#!/usr/bin/env python3
"""Events API throughput against a bare insert of the same events, measured in the same run.

Starts Tracklane under gunicorn on PostgreSQL + Redis with a populated network (offers with commission
plans, tens of thousands of clicks and players), posts batches of 100 events to POST /api/v1/events (new players
arriving through a click_id, later deposits and NGR reports following them by lifetime attribution, so
every request attributes and prices conversions), and prints events/s and the CPU each event cost the
server and PostgreSQL. It also inserts the same events with a bare `executemany` into the same table,
100 rows per transaction, and prints their rows/s and the ratio. A shared machine's speed drifts within
a run, and the API phase (bound by CPU) and the bare insert (one connection, bound by commit latency)
feel a slow stretch differently; so the batches go in rounds (--rounds), each round's batches inserted
bare just before and just after the API posts them, and the rates are taken over all rounds.
Last, it sends a fresh set of batches twice at the same time and checks that no event is lost or stored
twice, and that each earning event made exactly one conversion.

Usage: .venv/bin/python bench/events.py [--batches 200] [--rounds 4] [--concurrency 8] [--workers 4]
Needs PostgreSQL and Redis (BENCH_ADMIN_DATABASE_URL / BENCH_REDIS_URL). It drops and recreates its
database (--database, default tracklane_bench_events).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, cpu_seconds, free_port, recreate_database, start_gunicorn, stop  # noqa: E402

CLICKS = 50_000
PLAYERS = 20_000
BATCH = 100


def prepare(env: dict) -> tuple[str, list[str]]:
    """Migrate, build the network and its clicks; return an API key and the click ids events may name."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.service import create_api_key
    from portal.sql import insert_rows
    from portal.events.models import Player
    from portal.extensions import db
    from portal.links.models import TrackingLink
    from portal.network.models import Advertiser, Offer, OfferEvent, PayoutType, Publisher, RevenueType
    from portal.queues import redis_connection
    from portal.tracking.store import insert_clicks

    app = create_app()
    with app.app_context():
        upgrade()
        redis_connection().flushdb()
        advertiser = Advertiser(name="Bench Advertiser")
        db.session.add(advertiser)
        publishers = [Publisher(name=f"Bench Publisher {n}") for n in range(10)]
        db.session.add_all(publishers)
        links = []
        for n in range(4):
            offer = Offer(advertiser=advertiser, name=f"Bench Offer {n}", destination_url="https://brand.example/",
                          allow_duplicate_conversions=True)
            db.session.add_all([
                offer,
                OfferEvent(offer=offer, code="registration", name="Registration", payout_type=PayoutType.CPA,
                           payout=2),
                OfferEvent(offer=offer, code="ftd", name="FTD", payout_type=PayoutType.CPA, payout=35),
                OfferEvent(offer=offer, code="deposit", name="Deposit", payout_type=PayoutType.CPS, payout_percent=5,
                           revenue_type=RevenueType.RPS, revenue_percent=8, allow_multiple_events=True),
                OfferEvent(offer=offer, code="revenue", name="NGR", payout_type=PayoutType.REVSHARE,
                           payout_percent=30, allow_multiple_events=True),
            ])
            db.session.flush()
            links += [TrackingLink(public_id=f"bench-{n}-{p.id}", publisher_id=p.id, offer_id=offer.id) for p in publishers]
        db.session.add_all(links)
        db.session.flush()
        rng, now = random.Random(7), datetime.now(UTC)
        clicks = []
        for n in range(CLICKS):
            link = links[n % len(links)]
            clicks.append({"click_id": uuid.UUID(int=rng.getrandbits(128), version=4), "link_id": link.id,
                           "publisher_id": link.publisher_id, "offer_id": link.offer_id, "is_unique": True,
                           "created_at": now - timedelta(minutes=rng.randint(1, 30 * 24 * 60))})
        for start in range(0, CLICKS, 5000):
            insert_clicks(clicks[start:start + 5000])
        # Players who arrived earlier, each through one of those clicks: a network in use has them, and
        # the planner must see a players table of that size, not an empty one.
        players = [{"advertiser_id": advertiser.id, "external_id": f"earlier-player-{n}", "email": None, "phone": None,
                    "anon_id": None, "user_properties": {}, "click_id": c["click_id"], "link_id": c["link_id"],
                    "publisher_id": c["publisher_id"], "offer_id": c["offer_id"], "first_seen_at": c["created_at"],
                    "updated_at": c["created_at"]} for n, c in enumerate(clicks[:PLAYERS])]
        for start in range(0, PLAYERS, 5000):
            insert_rows(Player.__table__, players[start:start + 5000])
        _, secret = create_api_key("bench", advertiser.id)
        db.session.commit()
        return secret, [str(c["click_id"]) for c in clicks]


def analyze() -> None:
    """Table statistics, as autovacuum keeps them on a live database (the test server runs without it):
    without them the planner may pick a poor plan for the prepared statements of the events path."""
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def make_batches(click_ids: list[str], count: int, tag: str) -> list[list[dict]]:
    """Batches of 100: a quarter new players through a click, the rest deposits / NGR of earlier players."""
    rng = random.Random(tag)
    players: list[str] = []
    batches = []
    for b in range(count):
        batch = []
        for n in range(BATCH):
            key = f"{tag}-{b}-{n}"
            if not players or n % 4 == 0:
                player = f"{tag}-player-{len(players)}"
                players.append(player)
                batch.append({"type": "registration", "player_id": player, "click_id": rng.choice(click_ids),
                              "idempotency_key": key})
            elif n % 4 == 1:
                batch.append({"type": "ftd", "player_id": rng.choice(players), "amount": "50.00", "currency": "EUR",
                              "idempotency_key": key})
            elif n % 4 == 2:
                batch.append({"type": "deposit", "player_id": rng.choice(players),
                              "amount": f"{rng.randint(10, 500)}.{rng.randint(0, 99):02d}", "currency": "EUR",
                              "idempotency_key": key})
            else:
                batch.append({"type": "revenue", "player_id": rng.choice(players), "amount": f"{rng.randint(-80, 120)}.50",
                              "currency": "EUR", "period_start": "2026-01-01", "period_end": "2026-01-07",
                              "idempotency_key": key})
        batches.append(batch)
    return batches


def post_all(url: str, secret: str, batches: list[list[dict]], concurrency: int) -> tuple[float, list[dict]]:
    """POST every batch; return the seconds taken and the answers. The requests are encoded before the clock
    starts and the answers parsed after it stops, as the bare insert builds its rows before its clock:
    both time the work of the side measured, not the load generator's. Each request is written whole to
    a plain socket and its answer read to the end (gunicorn's sync workers close the connection): the
    load generator shares the machine's cores with the server, and urllib's request and response objects
    took about half as much CPU again (10 against 6.5 us per event, encoding included)."""
    address = urlsplit(url)
    requests = [_request(address, secret, json.dumps({"events": batch}).encode()) for batch in batches]

    def post(request: bytes) -> bytes:
        with socket.create_connection((address.hostname, address.port), timeout=60) as conn:
            conn.sendall(request)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(post, requests))
    took = time.perf_counter() - started
    return took, [_body(answer) for answer in answers]


def _request(address, secret: str, payload: bytes) -> bytes:
    head = (f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nX-API-Key: {secret}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n")
    return head.encode() + payload


def _body(answer: bytes) -> dict:
    """The JSON body of a raw HTTP answer; anything but a 2xx stops the run."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1] if head else b"(no answer)"
    if not status.startswith(b"2"):
        raise SystemExit(f"POST answered {status.decode()}: {body[:500]!r}")
    return json.loads(body)


def bare_insert(batches: list[list[dict]], tag: str) -> float:
    """The same events as rows of the events table (keys prefixed with `tag`), inserted with executemany,
    100 per transaction; returns the seconds taken."""
    import hashlib

    from sqlalchemy import create_engine, select

    from portal.events.models import Event
    from portal.network.models import Advertiser

    engine = create_engine(os.environ["DATABASE_URL"])
    now = datetime.now(UTC)
    with engine.connect() as conn:
        advertiser_id = conn.scalar(select(Advertiser.id))
        rows = [[{
            "id": uuid.uuid4(), "advertiser_id": advertiser_id, "idempotency_key": f"{tag}-{e['idempotency_key']}",
            "body_hash": hashlib.sha256(json.dumps(e, sort_keys=True).encode()).hexdigest(), "type": e["type"],
            "amount": e.get("amount"), "currency": e.get("currency"), "occurred_at": now, "received_at": now,
            "properties": {},
        } for e in batch] for batch in batches]
        started = time.perf_counter()
        for batch in rows:
            conn.execute(Event.__table__.insert(), batch)
            conn.commit()
        took = time.perf_counter() - started
    engine.dispose()
    return took


def check_twice(url: str, secret: str, click_ids: list[str], count: int, concurrency: int) -> str:
    """Send `count` fresh batches twice at the same time: every event stored once, every earning event paid once."""
    from sqlalchemy import create_engine, func, select

    from portal.conversions.models import Conversion
    from portal.events.models import Event

    batches = make_batches(click_ids, count, "twice")
    _, bodies = post_all(url, secret, [b for batch in batches for b in (batch, batch)], concurrency)
    keys = {e["idempotency_key"] for batch in batches for e in batch}
    statuses = [r["status"] for body in bodies for r in body["results"]]
    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(select(Event.idempotency_key, func.count()).where(Event.idempotency_key.like("twice-%"))
                              .group_by(Event.idempotency_key)).all()
        paid = conn.execute(select(Conversion.event_id, func.count()).join(Event, Event.id == Conversion.event_id)
                            .where(Event.idempotency_key.like("twice-%")).group_by(Conversion.event_id)).all()
    engine.dispose()
    lost = len(keys - {k for k, _ in stored})
    doubled = sum(1 for _, n in stored if n > 1) + sum(1 for _, n in paid if n > 1)
    ok = lost == 0 and doubled == 0 and statuses.count("accepted") == len(keys) == statuses.count("duplicate")
    return (f"sent {len(keys)} events twice concurrently: accepted {statuses.count('accepted')}, duplicates "
            f"{statuses.count('duplicate')}, lost {lost}, stored or paid twice {doubled}, conversions {len(paid)}  "
            f"{'OK' if ok else 'MISMATCH'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database", default="tracklane_bench_events")
    args = parser.parse_args()

    recreate_database(args.database)
    env = bench_env(args.database, 14, EVENTS_RATE_LIMIT="1000000 per minute")
    secret, click_ids = prepare(env)
    analyze()
    batches = make_batches(click_ids, args.batches, "bench")
    size = -(-args.batches // args.rounds)
    rounds = [batches[start:start + size] for start in range(0, args.batches, size)]
    port = free_port()
    server = start_gunicorn("app:app", port, args.workers, 1, env)
    url = f"http://127.0.0.1:{port}/api/v1/events"
    took, bare_took, gunicorn, postgres, client, bodies = 0.0, [], 0.0, 0.0, 0.0, []
    try:
        post_all(url, secret, make_batches(click_ids, 10, "warmup"), args.concurrency)
        analyze()
        for n, part in enumerate(rounds):
            bare_took.append(bare_insert(part, f"bare-{n}-before"))
            before, client_before = cpu_seconds(), time.process_time()
            part_took, part_bodies = post_all(url, secret, part, args.concurrency)
            after = cpu_seconds()
            client += time.process_time() - client_before
            gunicorn += after["gunicorn"] - before["gunicorn"]
            postgres += after["postgres"] - before["postgres"]
            took += part_took
            bodies += part_bodies
            bare_took.append(bare_insert(part, f"bare-{n}-after"))
        twice = check_twice(url, secret, click_ids, max(args.batches // 4, 10), args.concurrency)
    finally:
        stop(server)

    events = args.batches * BATCH
    accepted = sum(body["summary"]["accepted"] for body in bodies)
    api_rate, bare_rate = events / took, 2 * events / sum(bare_took)
    bare_rates = [len(rounds[n // 2]) * BATCH / seconds for n, seconds in enumerate(bare_took)]
    print(f"\n{args.workers} gunicorn workers, {args.concurrency} concurrent clients, {os.cpu_count()} cores, "
          f"{CLICKS} clicks and {PLAYERS} players in the database")
    print(f"POST /api/v1/events    {api_rate:>9.0f} events/s  ({events} events in {args.batches} batches, {accepted} accepted)")
    print(f"CPU per event          gunicorn {1e6 * gunicorn / events:.0f} us, PostgreSQL {1e6 * postgres / events:.0f} us, "
          f"this load generator {1e6 * client / events:.0f} us  (steadier than the rates on a shared machine)")
    print(f"bare executemany       {bare_rate:>9.0f} rows/s    (100 rows per transaction, one connection; before and after "
          f"each of {len(rounds)} API rounds: {min(bare_rates):.0f} to {max(bare_rates):.0f})")
    ratio = api_rate / bare_rate
    print(f"api / bare             {ratio:.3f}  (target >= 0.3: {'met' if ratio >= 0.3 else 'NOT MET'})")
    print(twice)


if __name__ == "__main__":
    main()
