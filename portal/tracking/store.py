"""Idempotent database writes for buffered traffic: a click id is stored once, impression batches once."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from portal.extensions import db
from portal.signals import hours_touched
from portal.sql import insert_statement
from portal.tracking.models import Click, FlushedBatch, ImpressionCount


def _click_row(row: dict) -> dict:
    return {
        **row,
        "click_id": uuid.UUID(row["click_id"]) if isinstance(row["click_id"], str) else row["click_id"],
        "created_at": datetime.fromisoformat(row["created_at"]) if isinstance(row["created_at"], str) else row["created_at"],
    }


def insert_clicks(rows: list[dict]) -> list[dict]:
    """Insert clicks, skipping ids already stored (a retried flush must not duplicate), and create the
    CPC conversions of the clicks inserted. Returns the rows that may be new: exactly the inserted ones
    when CPC plans are involved, else all of them (RETURNING costs 3× the insert, paid only when needed)."""
    if not rows:
        return []
    from portal.conversions.paid_traffic import convert_clicks, cpc_plans  # the conversions domain imports tracking

    rows = [_click_row(r) for r in rows]
    table = Click.__table__  # not the ORM entity: with RETURNING the ORM path sends one statement per row
    stmt = insert_statement(table).on_conflict_do_nothing(index_elements=["click_id"])
    plans = cpc_plans(rows)
    if plans:
        inserted = set(db.session.scalars(stmt.returning(table.c.click_id), rows))
        rows = [row for row in rows if row["click_id"] in inserted]
        convert_clicks(rows, plans)
    else:
        db.session.execute(stmt, rows)
    hours_touched.send(times=[row["created_at"] for row in rows])
    return rows


def add_impression_counts(counts: dict[tuple[int, int, int, int], int]) -> None:
    """Add `(creative_id, link_id, publisher_id, hour_epoch) -> n` to the hourly counters, and create the
    CPM conversions of every thousand completed."""
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
    from portal.conversions.paid_traffic import convert_impressions

    convert_impressions({link_id for _, link_id, _, _ in counts})


def mark_batch_flushed(batch_id: str) -> bool:
    """Record a batch as applied; False if it already was (so its counts are not added twice)."""
    stmt = insert_statement(FlushedBatch).values(id=batch_id, flushed_at=datetime.now(UTC))
    return db.session.scalar(stmt.on_conflict_do_nothing(index_elements=["id"]).returning(FlushedBatch.id)) is not None
