"""The portal outlives its parts: `run-portal` starts a killed worker or embedded Redis again and never stops the
web for it, the worker and scheduler ride out a Redis outage, and no buffered click is lost.

These start real processes. On the PostgreSQL configuration each test gets a database of its own beside
DATABASE_URL's, and a Redis server of its own instead of REDIS_URL's shared one, which a test must not kill."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry
from sqlalchemy import create_engine, make_url, text

from portal.config import PROJECT_ROOT
from portal.tracking.buffer import CLICK_STREAM
from tests.ops.jobs import mark_done, mark_done_slowly
from tests.ops.processes import (
    FLASK,
    Portal,
    RedisServer,
    alive,
    embedded_redis_pid,
    embedded_redis_url,
    free_port,
    temporary_database,
    wait_for,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads and signals the process tree (Linux)"),
]
ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


@pytest.fixture
def redis_server(tmp_path):
    """With REDIS_URL configured, a Redis of the test's own to kill; embedded, None (run-portal's own is killed)."""
    if not os.environ.get("REDIS_URL"):
        yield None
        return
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def portal(tmp_path, redis_server):
    """A seeded portal, not started yet, on its own database and port."""
    with temporary_database(tmp_path) as database_url:
        portal = Portal(tmp_path, database_url, redis_server.url if redis_server else None)
        portal.seed()
        try:
            yield portal
        finally:
            portal.kill()


def _readyz(portal: Portal) -> tuple[int, dict]:
    response = portal.get("/readyz")
    return response.status, json.loads(response.body)


def test_the_portal_outlives_a_killed_worker_and_redis_and_loses_no_click(portal, redis_server):
    portal.start()
    link = portal.live_link()
    clicks = {portal.click(link) for _ in range(5)}
    web, scheduler = portal.child("web"), portal.child("scheduler")

    # kill -9 the worker: every click is still answered, and a new worker takes its place.
    killed_worker = portal.child("worker")
    os.kill(killed_worker, signal.SIGKILL)

    def new_worker():
        clicks.add(portal.click(link))
        pid = portal.child("worker")
        return pid if pid not in (None, killed_worker) else None

    worker = wait_for("a new worker process", new_worker, 30)
    assert portal.child("web") == web, portal.output()

    # Take Redis away while clicks sit in its buffer.
    redis_url = redis_server.url if redis_server else embedded_redis_url(portal.instance)
    buffer = Redis.from_url(redis_url)

    def clicks_buffered() -> bool:
        clicks.add(portal.click(link))
        return buffer.xlen(CLICK_STREAM) > 0

    wait_for("a click waiting in the Redis buffer", clicks_buffered, 10, 0)
    if redis_server:
        redis_server.kill()
    else:
        killed_redis = embedded_redis_pid(portal.instance)
        os.kill(killed_redis, signal.SIGKILL)
        wait_for("the embedded Redis to die", lambda: not alive(killed_redis), 5, 0.05)

    # Meanwhile the web answers every click (straight to the database) and says it is degraded, not down.
    for _ in range(10):
        clicks.add(portal.click(link))
        status, body = _readyz(portal)
        assert status == 200 and body["status"] in ("degraded", "ok"), body
    if redis_server:
        assert body["status"] == "degraded" and body["failed"] == ["redis"], body
        time.sleep(2)  # an outage long enough for the worker and scheduler to notice
        redis_server.start()
    else:
        wait_for("run-portal to start the embedded Redis again", lambda: _embedded_redis_back(portal, killed_redis), 20)
    wait_for("/readyz ok again", lambda: _readyz(portal)[1]["status"] == "ok", 20)
    clicks |= {portal.click(link) for _ in range(5)}

    # The worker and scheduler rode the outage out and flush everything: what was buffered, what came later.
    wait_for("every click in the database", lambda: portal.stored_click_ids(clicks) == clicks, 45, 0.5)
    assert (portal.child("web"), portal.child("worker"), portal.child("scheduler")) == (web, worker, scheduler)
    assert portal.stop() == 0, portal.output()


def _embedded_redis_back(portal: Portal, killed: int) -> bool:
    try:
        pid = embedded_redis_pid(portal.instance)
    except (OSError, ValueError):
        return False
    return pid != killed and alive(pid)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_stat_activity is PostgreSQL's; set DATABASE_URL")
def test_run_portal_holds_no_database_connection_while_it_supervises(portal):
    portal.start()
    name = make_url(portal.database_url).database
    engine = create_engine(portal.database_url)

    def parent_holds_nothing() -> bool:
        with engine.connect() as conn:
            sessions = conn.execute(
                text("SELECT client_port, state FROM pg_stat_activity"
                     " WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            ).all()
        parent_ports = {c.laddr.port for c in psutil.Process(portal.process.pid).net_connections(kind="inet")}
        # No session left open in a transaction by anyone, and none at all from the parent.
        return not [s for s in sessions if s.state.startswith("idle in transaction") or s.client_port in parent_ports]

    try:
        wait_for("run-portal to let go of its database connection", parent_holds_nothing, 10)
    finally:
        engine.dispose()
    assert portal.stop() == 0, portal.output()


def test_worker_and_scheduler_ride_out_a_redis_outage(tmp_path):
    """As separate processes on a Redis of the test's own, taken away mid-job: both wait for it and resume."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(
        REDIS_URL=server.url, TRACKLANE_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",  # the periodic jobs may fail; they are not the subject
    )
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "scheduler")}
    processes = {
        name: subprocess.Popen([*FLASK, name], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for name, log in logs.items()
    }

    def output() -> str:
        return "\n".join(f"--- {name}\n{(tmp_path / f'{name}.log').read_text()}" for name in processes)

    def running() -> dict:
        return {name: process.poll() for name, process in processes.items()}

    try:
        redis = Redis.from_url(server.url)
        wait_for("the worker and the scheduler to start", lambda: Worker.count(connection=redis) and
                 redis.zcard("rq:cron_schedulers"), 30)
        Queue("default", connection=redis).enqueue(mark_done_slowly, "ops-test:slow", 3)
        wait_for("the slow job to start", lambda: StartedJobRegistry("default", connection=redis).count, 30)
        server.kill()  # mid-job
        time.sleep(3)
        assert running() == {"worker": None, "scheduler": None}, output()
        server.start()
        back = time.time()
        Queue("default", connection=redis).enqueue(mark_done, "ops-test:after")
        wait_for("a job queued after the outage to run", lambda: redis.get("ops-test:after") == b"done", 40)
        wait_for("the scheduler's heartbeat", lambda: max(
            (score for _, score in redis.zrange("rq:cron_schedulers", 0, -1, withscores=True)), default=0) > back, 30)
        assert running() == {"worker": None, "scheduler": None}, output()
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        assert [process.wait(timeout=30) for process in processes.values()] == [0, 0], output()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        for log in logs.values():
            log.close()
        server.kill()


def test_worker_and_scheduler_stop_at_once_while_redis_is_down(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", TRACKLANE_INSTANCE_PATH=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", PYTHONUNBUFFERED="1",
    )
    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "scheduler")}
    processes = {}
    for name, path in logs.items():
        with open(path, "w") as log:
            processes[name] = subprocess.Popen(
                [*FLASK, name], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
    try:
        wait_for("both to wait for Redis", lambda: all("starting again" in p.read_text() for p in logs.values()), 30)
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        assert [process.wait(timeout=5) for process in processes.values()] == [0, 0]
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
