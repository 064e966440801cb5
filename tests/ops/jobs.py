"""Jobs for the worker tests; they live in a module so a separate worker process can import them."""
import time

from portal.queues import redis_connection


def mark_done(key: str) -> None:
    """Needs the app context the worker command provides."""
    redis_connection().set(key, "done")


def mark_done_slowly(key: str, seconds: float) -> None:
    """A job still running when a test takes Redis away."""
    time.sleep(seconds)
    redis_connection().set(key, "done")
