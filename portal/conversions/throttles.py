"""Custom throttles: the exact share of a publisher's conversions that gets the throttle's status."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from portal.conversions import commission
from portal.conversions.models import ConversionStatus, ThrottleCount
from portal.extensions import db
from portal.network.models import CustomThrottle
from portal.sql import any_of, insert_statement


def load_throttles(publisher_ids: set[int], offer_ids: set[int]) -> dict[tuple[int, int], list[CustomThrottle]]:
    """The active throttles of these publishers on these offers, keyed by (publisher_id, offer_id)."""
    found: dict[tuple[int, int], list[CustomThrottle]] = defaultdict(list)
    if publisher_ids and offer_ids:
        for row in db.session.scalars(
            select(CustomThrottle).where(
                any_of(CustomThrottle.publisher_id, sorted(publisher_ids)),
                any_of(CustomThrottle.offer_id, sorted(offer_ids)),
                CustomThrottle.active.is_(True),
            )
        ):
            found[(row.publisher_id, row.offer_id)].append(row)
    return found


class Throttling:
    """The custom throttles of one batch of conversions.

    Each throttle's counter moves once per batch, by one atomic upsert (a row lock on PostgreSQL), in
    throttle id order: concurrent batches get disjoint numbers and never deadlock on each other."""

    def __init__(self, throttles: dict[tuple[int, int], list[CustomThrottle]]) -> None:
        self.throttles = throttles
        self.waiting: dict[int, list[tuple[dict, CustomThrottle, bool, str]]] = defaultdict(list)

    def by_sub_id(self) -> bool:
        """Whether any of these throttles applies to some sub IDs only."""
        return any(t.sub1 or t.sub2 or t.sub3 or t.sub4 or t.sub5 for ts in self.throttles.values() for t in ts)

    def settle(self, row: dict, offer_event_id: int | None, subs: tuple[str, ...], manual: bool, reason: str = "") -> None:
        """Give `row` its status now, or when `apply` has counted it against its throttle."""
        throttles = self.throttles.get((row["publisher_id"], row["offer_id"]))
        throttle = commission.pick_throttle(throttles, offer_event_id, subs) if throttles else None
        if throttle is None:
            row["status"], row["rejection_reason"] = decide_status(manual, None, reason)
        else:
            self.waiting[throttle.id].append((row, throttle, manual, reason))

    def apply(self) -> None:
        table = ThrottleCount.__table__
        for throttle_id in sorted(self.waiting):
            items = self.waiting[throttle_id]
            stmt = insert_statement(table).values(throttle_id=throttle_id, seen=len(items))
            stmt = stmt.on_conflict_do_update(index_elements=["throttle_id"], set_={"seen": table.c.seen + len(items)})
            first = db.session.scalar(stmt.returning(table.c.seen)) - len(items)
            for n, (row, throttle, manual, reason) in enumerate(items):
                hit = commission.throttled(first + n, throttle.percentage)
                row["status"], row["rejection_reason"] = decide_status(manual, throttle.throttle_status if hit else None, reason)
        self.waiting.clear()


def decide_status(manual: bool, throttle, reason: str = "") -> tuple[ConversionStatus, str]:
    """(status, reason) of a new conversion; a `reason` (such as mixed currencies) holds it for review."""
    status, throttle_reason = commission.initial_status(manual, throttle)
    if reason and status is ConversionStatus.APPROVED:
        status = ConversionStatus.PENDING  # needs a human look
    return status, throttle_reason or reason
