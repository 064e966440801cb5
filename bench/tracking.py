#!/usr/bin/env python3
"""Tracking throughput against a baseline measured in the same run.

Starts Tracklane under gunicorn on PostgreSQL + Redis, and a bare Flask app (bench/bare_app.py) under the
same gunicorn settings; drives both with wrk; prints requests/s, p50/p99 and the ratios; then flushes the
click buffer and compares clicks sent with clicks stored.

Usage: .venv/bin/python bench/tracking.py [--seconds 10] [--rounds 3] [--connections 32] [--workers 4]
Needs wrk (apt-get install wrk), PostgreSQL and Redis (DATABASE_URL / REDIS_URL; defaults: the local CI ones).
It creates and drops its own database `tracklane_bench` and uses Redis database 15.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, free_port, recreate_database, start_gunicorn, stop  # noqa: E402

BENCH_DB = "tracklane_bench"


def prepare(env: dict) -> tuple[str, str, int]:
    """Migrate the bench database and create one link with a creative; return their ids."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.creatives.models import Creative
    from portal.extensions import db
    from portal.links.models import TrackingLink
    from portal.network.models import Advertiser, Offer, Publisher
    from portal.queues import redis_connection

    app = create_app()
    with app.app_context():
        upgrade()
        redis_connection().flushdb()
        advertiser = Advertiser(name="Bench Advertiser")
        offer = Offer(advertiser=advertiser, name="Bench Offer", destination_url="https://brand.example/join?utm_source=aff")
        publisher = Publisher(name="Bench Publisher")
        creative = Creative(public_id="bench-creative", offer=offer, name="b", file_name="x.png", content_type="image/png", width=1, height=1)
        db.session.add_all([advertiser, offer, publisher, creative])
        db.session.flush()
        link = TrackingLink(public_id="bench-link", publisher_id=publisher.id, offer_id=offer.id, creative_id=creative.id)
        db.session.add(link)
        db.session.commit()
        return link.public_id, creative.public_id, publisher.id


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def combined(runs: list[dict]) -> dict:
    """One figure over interleaved rounds: mean throughput, median p50, worst p99, all requests."""
    return {
        "rps": sum(r["rps"] for r in runs) / len(runs),
        "requests": sum(r["requests"] for r in runs),
        "p50": sorted(r["p50"] for r in runs)[len(runs) // 2],
        "p99": max(r["p99"] for r in runs),
        "rounds": [round(r["rps"]) for r in runs],
        "round_p99s": [round(r["p99"], 1) for r in runs],
    }


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def line(name: str, r: dict) -> str:
    return f"{name:<22} {r['rps']:>9.0f} req/s   p50 {r['p50']:>6.2f} ms   p99 {r['p99']:>6.2f} ms   ({r['requests']} requests; rounds {r['rounds']} req/s, p99 {r['round_p99s']} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all four endpoints")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    recreate_database(BENCH_DB)
    env = bench_env(BENCH_DB, 15)
    link_id, creative_id, publisher_id = prepare(env)
    app_port, bare_port = free_port(), free_port()
    tracklane = start_gunicorn("app:app", app_port, args.workers, args.threads, env)
    bare = start_gunicorn("bench.bare_app:app", bare_port, args.workers, args.threads, env)
    try:
        run = lambda url: wrk(url, args.seconds, args.connections)  # noqa: E731
        base = f"http://127.0.0.1:{app_port}/api/v1/track"
        run(f"{base}/click/{link_id}?sub1=warmup")  # warm caches and connections; these clicks count too
        exact = send_exact(f"{base}/click/{link_id}?sub1=exact", count=2000)
        urls = {
            "bare 302": f"http://127.0.0.1:{bare_port}/r",
            "click": f"{base}/click/{link_id}?sub1=bench&sub2=wrk",
            "bare gif": f"http://127.0.0.1:{bare_port}/p",
            "impression": f"{base}/impression/{creative_id}?lid={link_id}&aid={publisher_id}",
        }
        # Interleaved rounds: each endpoint and its baseline see the same share of whatever else the
        # machine is doing, instead of one of them getting a quiet minute and the other a busy one.
        rounds = [{name: run(url) for name, url in urls.items()} for _ in range(args.rounds)]
        results = {name: combined([r[name] for r in rounds]) for name in urls}
    finally:
        stop(tracklane)
        stop(bare)

    print(
        f"\n{args.workers} gunicorn workers x {args.threads} threads, wrk 2 threads, {args.connections} connections,"
        f" {args.rounds} interleaved rounds of {args.seconds}s each, {os.cpu_count()} cores"
    )
    for name, result in results.items():
        print(line(name, result))
    click_ratio = results["click"]["rps"] / results["bare 302"]["rps"]
    pixel_ratio = results["impression"]["rps"] / results["bare gif"]["rps"]
    print(f"click / bare 302       {click_ratio:.3f}  (target >= 0.75: {verdict(click_ratio >= 0.75)})")
    print(f"impression / bare gif  {pixel_ratio:.3f}  (target >= 0.80: {verdict(pixel_ratio >= 0.80)})")
    print(f"click p99              {results['click']['p99']:.2f} ms in the worst round"
          f" (target < 25 ms: {verdict(results['click']['p99'] < 25)})")

    # wrk counts completed responses only; requests in flight when it stops still reach the server,
    # so the exact check is a separately counted burst with its own sub1.
    stored = flush_and_count()
    print(f"clicks answered to wrk {results['click']['requests']}, stored in total {stored['all']}")
    burst = "OK" if stored["exact"] == exact else "MISMATCH"
    print(f"exact burst: clicks sent {exact}  stored {stored['exact']}  {burst}")


def send_exact(url: str, count: int, threads: int = 8) -> int:
    """Send exactly `count` clicks over keep-alive connections; return how many got their 302."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"

    def worker(n: int) -> int:
        conn, ok = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), 0
        for _ in range(n):
            conn.request("GET", path, headers={"User-Agent": "Mozilla/5.0 bench"})
            response = conn.getresponse()
            response.read()
            ok += response.status == 302
        conn.close()
        return ok

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(worker, [count // threads] * threads))


def flush_and_count() -> dict:
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.tracking.jobs import flush_clicks, flush_impressions
    from portal.tracking.models import Click, ImpressionCount

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        while flush_clicks(batch_size=5000):
            pass
        flush_impressions()
        took = time.perf_counter() - started
        stored = db.session.scalar(select(func.count()).select_from(Click))
        exact = db.session.scalar(select(func.count()).select_from(Click).where(Click.sub1 == "exact"))
        impressions = db.session.scalar(select(func.coalesce(func.sum(ImpressionCount.count), 0)))
    print(f"flush: {stored} clicks in {took:.1f}s ({stored / took if took else 0:.0f} rows/s), {impressions} impressions")
    return {"all": stored, "exact": exact}

if __name__ == "__main__":
    main()
