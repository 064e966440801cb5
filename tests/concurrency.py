"""Races, as the tests stage them: the same work in several threads at once, each with its own app
context and database session, all released together by a barrier."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import pytest

from portal.extensions import db


def require_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers: SQLite serialises every write, so only PostgreSQL shows the race")


def run_together(app, work: Callable, items: Iterable, timeout: float = 60) -> list:
    """Call `work(item)` for every item, each in a thread of its own, started at the same moment; return
    what the calls returned, in the order they finished. Any exception in a thread fails the test."""
    items = list(items)
    barrier = threading.Barrier(len(items))
    results, failures = [], []

    def run(item):
        try:
            with app.app_context():
                barrier.wait()
                results.append(work(item))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not failures, failures
    assert len(results) == len(items), "a thread did not finish in time"
    return results
