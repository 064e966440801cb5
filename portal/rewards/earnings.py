"""A publisher's commission by month and status, per currency, in the viewer's time zone."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import case, func, select

from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.timezones import zone

MONTHS = 12
STATUSES = ("pending", "approved", "paid", "rejected")  # "paid": approved and marked paid by the admin


@dataclass
class EarningsRow:
    label: str  # "2026-11", or "Earlier" / "All time"
    currency: str
    amounts: dict[str, Decimal] = field(default_factory=lambda: {s: Decimal("0") for s in STATUSES})


def _month_starts(today: date, count: int) -> list[date]:
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts  # newest first


def _status_bucket():
    return case(
        (Conversion.status == ConversionStatus.PENDING, "pending"),
        (Conversion.status == ConversionStatus.REJECTED, "rejected"),
        (Conversion.paid_at.is_not(None), "paid"),
        else_="approved",
    )


def monthly_earnings(
    publisher_id: int, timezone: str, now: datetime, months: int = MONTHS
) -> tuple[list[EarningsRow], list[EarningsRow]]:
    """(rows per month and currency for the last `months` months, newest first; totals per currency)."""
    tz = zone(timezone)
    starts = _month_starts(now.astimezone(tz).date(), months)
    # Month boundaries are computed here, in the viewer's zone, so the query is the same on every database.
    month = case(
        *[(Conversion.created_at >= datetime.combine(start, time.min, tz), start.strftime("%Y-%m")) for start in starts],
        else_="Earlier",
    )
    # Grouped through a subquery: PostgreSQL would not match a CASE repeated with its own parameters.
    rows = (
        select(month.label("month"), Conversion.currency, _status_bucket().label("bucket"), Conversion.payout)
        .where(Conversion.publisher_id == publisher_id)
        .subquery()
    )
    stmt = select(rows.c.month, rows.c.currency, rows.c.bucket, func.sum(rows.c.payout)).group_by(
        rows.c.month, rows.c.currency, rows.c.bucket
    )
    by_month: dict[tuple[str, str], EarningsRow] = {}
    totals: dict[str, EarningsRow] = defaultdict(lambda: None)
    for label, currency, status, amount in db.session.execute(stmt):
        amount = amount if isinstance(amount, Decimal) else Decimal(amount or 0)
        row = by_month.setdefault((label, currency), EarningsRow(label, currency))
        row.amounts[status] += amount
        if totals[currency] is None:
            totals[currency] = EarningsRow("All time", currency)
        totals[currency].amounts[status] += amount
    order = {start.strftime("%Y-%m"): i for i, start in enumerate(starts)} | {"Earlier": len(starts)}
    ordered = sorted(by_month.values(), key=lambda r: (order[r.label], r.currency))
    return ordered, [totals[c] for c in sorted(totals)]


def approved_peaks(rows: list[EarningsRow]) -> dict[str, Decimal]:
    """The highest approved (paid or not) monthly amount per currency: the full length of the chart's bars."""
    peaks: dict[str, Decimal] = {}
    for row in rows:
        earned = row.amounts["approved"] + row.amounts["paid"]
        peaks[row.currency] = max(peaks.get(row.currency, Decimal("0")), earned)
    return peaks
