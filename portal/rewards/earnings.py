"""A publisher's commission per currency and status (pending, approved, paid, rejected), in the viewer's
time zone: by month, and the ledger by day and by offer with its filters; balances per currency."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.network.models import Offer
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


# ---------------------------------------------------------------- the ledger: by day, by offer, balances


@dataclass(frozen=True)
class LedgerFilters:
    start: date
    end: date  # inclusive, like start: whole days in `timezone`
    timezone: str = "UTC"
    offer_id: int | None = None
    status: str | None = None  # one of STATUSES


@dataclass
class LedgerRow:
    key: object  # the day (date) or the offer id
    label: str
    currency: str
    amounts: dict[str, Decimal] = field(default_factory=lambda: {s: Decimal("0") for s in STATUSES})
    count: int = 0


@dataclass
class Ledger:
    by_day: list[LedgerRow]  # newest day first, then currency
    by_offer: list[LedgerRow]  # by offer name, then currency
    totals: list[LedgerRow]  # one per currency, over the filtered range
    days: list[date]  # every day of the range, oldest first (the chart's x axis)


def ledger(publisher_id: int, filters: LedgerFilters) -> Ledger:
    """The publisher's commission in the range, per local day and per offer, each per currency and status.

    Rows are summed here rather than grouped in SQL: a local day depends on the zone's rules (DST) at each
    instant, which neither database computes the same way; the range is bounded by the caller."""
    tz = zone(filters.timezone)
    bucket = _status_bucket().label("bucket")
    stmt = (
        select(Conversion.created_at, Conversion.offer_id, Conversion.currency, bucket, Conversion.payout)
        .where(
            Conversion.publisher_id == publisher_id,
            Conversion.created_at >= datetime.combine(filters.start, time.min, tz),
            Conversion.created_at < datetime.combine(filters.end + timedelta(days=1), time.min, tz),
        )
    )
    if filters.offer_id is not None:
        stmt = stmt.where(Conversion.offer_id == filters.offer_id)
    if filters.status is not None:
        stmt = stmt.where(_status_bucket() == filters.status)
    by_day: dict[tuple, LedgerRow] = {}
    by_offer: dict[tuple, LedgerRow] = {}
    totals: dict[str, LedgerRow] = {}
    for created_at, offer_id, currency, status, payout in db.session.execute(stmt):
        day = created_at.astimezone(tz).date()
        rows = (
            by_day.setdefault((day, currency), LedgerRow(day, day.isoformat(), currency)),
            by_offer.setdefault((offer_id, currency), LedgerRow(offer_id, "", currency)),
            totals.setdefault(currency, LedgerRow(None, "Total", currency)),
        )
        for row in rows:
            row.amounts[status] += payout
            row.count += 1
    names = dict(db.session.execute(select(Offer.id, Offer.name).where(Offer.id.in_({k[0] for k in by_offer}))).all())
    for row in by_offer.values():
        row.label = names.get(row.key, f"Offer {row.key}")
    days = [filters.start + timedelta(days=n) for n in range((filters.end - filters.start).days + 1)]
    return Ledger(
        sorted(by_day.values(), key=lambda r: (-r.key.toordinal(), r.currency)),
        sorted(by_offer.values(), key=lambda r: (r.label.lower(), r.key, r.currency)),
        [totals[c] for c in sorted(totals)],
        days,
    )


def chart_series(result: Ledger) -> dict[str, list[Decimal]]:
    """Approved commission (paid or not) per day, one line per currency: currencies are never added up."""
    series = {row.currency: [Decimal("0")] * len(result.days) for row in result.totals}
    index = {day: n for n, day in enumerate(result.days)}
    for row in result.by_day:
        series[row.currency][index[row.key]] += row.amounts["approved"] + row.amounts["paid"]
    return series


@dataclass
class Balance:
    currency: str
    pending: Decimal
    payable: Decimal  # approved, not paid yet
    paid: Decimal


def balances(publisher_id: int) -> list[Balance]:
    """All-time balances per currency; rejected commission is no balance."""
    stmt = (
        select(Conversion.currency, _status_bucket().label("bucket"), func.sum(Conversion.payout))
        .where(Conversion.publisher_id == publisher_id, Conversion.status != ConversionStatus.REJECTED)
        .group_by(Conversion.currency, "bucket")
    )
    found: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for currency, status, amount in db.session.execute(stmt):
        found[currency][status] += amount or Decimal("0")
    return [Balance(c, found[c]["pending"], found[c]["approved"], found[c]["paid"]) for c in sorted(found)]


def earning_offers(publisher_id: int):
    """The offers the publisher has commission on: the choices of the offer filter."""
    ids = select(Conversion.offer_id).where(Conversion.publisher_id == publisher_id).distinct()
    return list(db.session.scalars(select(Offer).where(Offer.id.in_(ids)).order_by(Offer.name, Offer.id)))
