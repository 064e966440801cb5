"""A job for the worker tests; it lives in a module so a separate worker process can import it."""
from portal.queues import redis_connection


def mark_done(key: str) -> None:
    """Needs the app context the worker command provides."""
    redis_connection().set(key, "done")
