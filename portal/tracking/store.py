"""Idempotent database writes for buffered traffic: a click id is stored once, impression batches once."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.tracking.models import Click, FlushedBatch, ImpressionCount


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _click_row(row: dict) -> dict:
    return {
        **row,
        "click_id": uuid.UUID(row["click_id"]) if isinstance(row["click_id"], str) else row["click_id"],
        "created_at": datetime.fromisoformat(row["created_at"]) if isinstance(row["created_at"], str) else row["created_at"],
    }


def insert_clicks(rows: list[dict]) -> None:
    """Insert clicks, skipping ids already stored (a retried flush must not duplicate)."""
    if rows:
        db.session.execute(_insert(Click).on_conflict_do_nothing(index_elements=["click_id"]), [_click_row(r) for r in rows])


def add_impression_counts(counts: dict[tuple[int, int, int, int], int]) -> None:
    """Add `(creative_id, link_id, publisher_id, hour_epoch) -> n` to the hourly counters."""
    if not counts:
        return
    stmt = _insert(ImpressionCount)
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


def mark_batch_flushed(batch_id: str) -> bool:
    """Record a batch as applied; False if it already was (so its counts are not added twice)."""
    stmt = _insert(FlushedBatch).values(id=batch_id, flushed_at=datetime.now(UTC))
    return db.session.scalar(stmt.on_conflict_do_nothing(index_elements=["id"]).returning(FlushedBatch.id)) is not None
