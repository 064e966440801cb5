"""Idempotent database writes for buffered traffic: a click id is stored once, impression batches once."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from portal.extensions import db
from portal.signals import hours_touched
from portal.sql import insert_rows, insert_statement
from portal.tracking.models import Click, FlushedBatch, ImpressionCount, UnattributedImpressionCount

_CLICK_DEFAULTS = {c.name: c.default.arg if c.default is not None else None for c in Click.__table__.c}


def _click_row(row: dict) -> dict:
    """A full row (every column: one INSERT takes rows of the same keys), with its id and time as stored."""
    return {
        **_CLICK_DEFAULTS,
        **row,
        "click_id": uuid.UUID(row["click_id"]) if isinstance(row["click_id"], str) else row["click_id"],
        "created_at": datetime.fromisoformat(row["created_at"]) if isinstance(row["created_at"], str) else row["created_at"],
    }


def insert_clicks(rows: list[dict]) -> list[dict]:
    """Insert clicks, skipping ids already stored (a retried flush must not duplicate); returns exactly
    the rows inserted. One statement (`insert_rows`: on PostgreSQL with RETURNING it costs less than the
    row-by-row executemany did without)."""
    if not rows:
        return []
    rows = [_click_row(r) for r in rows]
    table = Click.__table__
    inserted = {click_id for (click_id,) in insert_rows(table, rows, ["click_id"], [table.c.click_id])}
    rows = [row for row in rows if row["click_id"] in inserted]
    hours_touched.send(times=[row["created_at"] for row in rows])
    return rows


def add_impression_counts(counts: dict[tuple[int, int, int, int], int]) -> None:
    """Add `(creative_id, link_id, publisher_id, hour_epoch) -> n` to the hourly counters."""
    if not counts:
        return
    stmt = insert_statement(ImpressionCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["creative_id", "link_id", "hour"],
        set_={"count": ImpressionCount.count + stmt.excluded.count},
    )
    db.session.execute(
        stmt,
        [
            {
                "creative_id": creative_id,
                "link_id": link_id,
                "publisher_id": publisher_id,
                "hour": datetime.fromtimestamp(hour, UTC),
                "count": n,
            }
            for (creative_id, link_id, publisher_id, hour), n in counts.items()
        ],
    )
    hours_touched.send(times=[datetime.fromtimestamp(hour, UTC) for (_, _, _, hour) in counts])


def add_unattributed_impressions(counts: dict[tuple[int, int], int]) -> None:
    """Add `(creative_id, hour_epoch) -> n` to the creatives' unattributed hourly counters."""
    if not counts:
        return
    stmt = insert_statement(UnattributedImpressionCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["creative_id", "hour"],
        set_={"count": UnattributedImpressionCount.count + stmt.excluded.count},
    )
    db.session.execute(
        stmt,
        [
            {"creative_id": creative_id, "hour": datetime.fromtimestamp(hour, UTC), "count": n}
            for (creative_id, hour), n in counts.items()
        ],
    )


def mark_batch_flushed(batch_id: str) -> bool:
    """Record a batch as applied; False if it already was (so its counts are not added twice)."""
    stmt = insert_statement(FlushedBatch).values(id=batch_id, flushed_at=datetime.now(UTC))
    return db.session.scalar(stmt.on_conflict_do_nothing(index_elements=["id"]).returning(FlushedBatch.id)) is not None
