"""Flush buffered clicks and impressions from Redis into the database, in batches, idempotently."""
from __future__ import annotations

import json
import logging
import os
import socket
import uuid

from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.queues import background_job, redis_connection
from portal.signals import clicks_stored, impressions_counted
from portal.sql import unless_refused
from portal.tracking.buffer import (
    CLICK_DEAD_LETTERS,
    CLICK_GROUP,
    CLICK_STREAM,
    IMPRESSION_BATCHES,
    IMPRESSION_HASH,
    claim_unique,
)
from portal.tracking.store import (
    add_impression_counts,
    add_unattributed_impressions,
    insert_clicks,
    mark_batch_flushed,
)

log = logging.getLogger("tracklane.tracking")
RECLAIM_AFTER_MS = 60_000  # a batch unacknowledged this long belonged to a flusher that died

# Move the live counters aside under a batch name, atomically, and remember the batch.
_SEAL_IMPRESSIONS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('RENAME', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
return ARGV[1]
"""


def _consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _ensure_group(conn) -> None:
    try:
        conn.xgroup_create(CLICK_STREAM, CLICK_GROUP, id="0", mkstream=True)
    except Exception as exc:  # BUSYGROUP: it exists already
        if "BUSYGROUP" not in str(exc):
            raise


def store_clicks(rows: list[dict]) -> None:
    """The flush's write, before its commit: insert the clicks, then announce the ones new (CPC earns on
    them) so that whatever follows lands in the same transaction."""
    clicks_stored.send(rows=insert_clicks(rows))


def store_impressions(counts: dict[tuple[int, int, int, int], int]) -> None:
    """Add impression counts, then announce the attributed ones (CPM earns on them), before the caller's
    commit. Counts under link 0 (`service.record_impression`: no link and publisher matched) go to the
    creative's unattributed counter, which no report or commission reads."""
    attributed = {key: n for key, n in counts.items() if key[1]}
    add_unattributed_impressions({(key[0], key[3]): n for key, n in counts.items() if not key[1]})
    if attributed:
        add_impression_counts(attributed)
        impressions_counted.send(counts=attributed)


def _decided_rows(conn, entries) -> tuple[list[dict], list]:
    """The buffered clicks of these stream entries, each with its unique flag decided, and the entry ids."""
    rows = [json.loads(fields[b"c"]) for _, fields in entries]
    for row, unique in zip(rows, claim_unique(conn, rows)):
        row["is_unique"] = unique
    return rows, [entry_id for entry_id, _ in entries]


def _store_click_batch(conn, entries) -> int:
    rows, ids = _decided_rows(conn, entries)
    try:
        store_clicks(rows)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _store_one_by_one(conn, rows)
    # Only after the commit: a crash before this line leaves the entries pending, to be reclaimed.
    conn.xack(CLICK_STREAM, CLICK_GROUP, *ids)
    conn.xdel(CLICK_STREAM, *ids)
    return len(ids)


def _store_one_by_one(conn, rows: list[dict]) -> None:
    """A row the database refuses (say its marketing source was deleted while it sat in the buffer) must
    not block the stream: store the others, and park the refused one in a dead-letter stream."""
    for row in rows:
        try:
            store_clicks([row])
            db.session.commit()
        except IntegrityError as refused:
            db.session.rollback()
            conn.xadd(CLICK_DEAD_LETTERS, {"c": json.dumps(row), "error": str(refused.orig)[:500]})
            log.error("click %s refused by the database, kept in %s: %s", row["click_id"], CLICK_DEAD_LETTERS, refused.orig)


def flush_clicks(batch_size: int = 2000, max_batches: int = 100, reclaim_after_ms: int = RECLAIM_AFTER_MS) -> int:
    """Move buffered clicks into the database; returns how many were flushed."""
    conn = redis_connection()
    _ensure_group(conn)
    consumer, flushed = _consumer(), 0
    start = "0-0"
    while True:  # first, batches a dead flusher left unacknowledged
        reply = conn.xautoclaim(CLICK_STREAM, CLICK_GROUP, consumer, reclaim_after_ms, start, count=batch_size)
        start, entries = reply[0], reply[1]  # Redis 7 adds a third item (deleted ids); 6.2 does not
        if entries:
            flushed += _store_click_batch(conn, [e for e in entries if e[1]])
        if start in (b"0-0", "0-0") or not entries:
            break
    for _ in range(max_batches):
        reply = conn.xreadgroup(CLICK_GROUP, consumer, {CLICK_STREAM: ">"}, count=batch_size)
        if not reply or not reply[0][1]:
            break
        flushed += _store_click_batch(conn, reply[0][1])
    return flushed


def store_buffered_clicks(batch_size: int = 2000, max_batches: int = 100) -> int:
    """The click flush as a step of the caller's transaction, which commits it: store the new buffered
    clicks, and what follows them, without committing. Their entries are acknowledged when the caller
    commits; if it rolls back, or the database refuses a batch, they stay pending for the scheduled flush
    to reclaim (storing is idempotent). Returns how many clicks were stored."""
    conn = redis_connection()
    _ensure_group(conn)
    consumer, stored = _consumer(), []
    for _ in range(max_batches):
        reply = conn.xreadgroup(CLICK_GROUP, consumer, {CLICK_STREAM: ">"}, count=batch_size)
        if not reply or not reply[0][1]:
            break
        rows, ids = _decided_rows(conn, reply[0][1])
        try:
            with unless_refused():
                store_clicks(rows)
        except IntegrityError:
            continue  # the scheduled flush stores its other clicks and parks the refused one
        stored += ids
    if stored:
        session = db.session()
        session.info.setdefault(_ACK_ON_COMMIT, []).append((session.get_transaction(), conn, stored))
    return len(stored)


_ACK_ON_COMMIT = "tracklane.click_entries_to_ack"  # session.info: [(root transaction, redis, entry ids)]


@event.listens_for(Session, "after_commit")
def _acknowledge_committed_clicks(session) -> None:
    if session.in_nested_transaction() or _ACK_ON_COMMIT not in session.info:
        return
    root = session.get_transaction()
    for transaction, conn, ids in session.info.pop(_ACK_ON_COMMIT):
        if transaction is root:
            conn.xack(CLICK_STREAM, CLICK_GROUP, *ids)
            conn.xdel(CLICK_STREAM, *ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_clicks(session, transaction) -> None:
    """Rolled back or closed without a commit: the entries stay pending, for the scheduled flush."""
    if transaction.parent is None:
        session.info.pop(_ACK_ON_COMMIT, None)


def flush_impressions() -> int:
    """Add buffered impression counters to the hourly table; returns how many impressions were added."""
    conn = redis_connection()
    conn.eval(_SEAL_IMPRESSIONS, 2, IMPRESSION_HASH, IMPRESSION_BATCHES, f"{IMPRESSION_HASH}:batch:{uuid.uuid4().hex}")
    added = 0
    for raw_key in conn.smembers(IMPRESSION_BATCHES):
        key = raw_key.decode()
        counts = {}
        for field, value in conn.hgetall(key).items():
            creative_id, link_id, publisher_id, hour = (int(part) for part in field.decode().split(":"))
            counts[(creative_id, link_id, publisher_id, hour)] = int(value)
        if mark_batch_flushed(key.rsplit(":", 1)[-1]):
            store_impressions(counts)
            added += sum(counts.values())
        db.session.commit()
        conn.delete(key)
        conn.srem(IMPRESSION_BATCHES, key)
    return added


@background_job(queue="tracking", timeout=120, retries=3)
def flush_traffic() -> dict:
    """The scheduled job: flush clicks and impressions."""
    result = {"clicks": flush_clicks(), "impressions": flush_impressions()}
    current_app.logger.info("flushed %(clicks)s clicks and %(impressions)s impressions", result)
    return result
