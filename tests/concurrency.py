"""Races, as the tests stage them: the same work in several threads at once, each with its own app
context and database session, all released together by a barrier."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

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


@contextmanager
def held_elsewhere(app, take_locks: Callable[[], object]) -> Iterator[None]:
    """Run `take_locks()` in another thread's transaction and keep its locks while the block runs; the
    test's own session may wait at most 2 s for a lock inside the block, so waiting on them fails it."""
    locked, done, failures = threading.Event(), threading.Event(), []

    def hold():
        try:
            with app.app_context():
                take_locks()
                locked.set()
                done.wait(10)
                db.session.rollback()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            failures.append(exc)
            locked.set()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10) and not failures, failures
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        yield
    finally:
        done.set()
        holder.join(10)
