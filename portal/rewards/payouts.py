"""Admin payouts: paying a publisher marks its approved, unpaid commission in one currency as paid.

The marking is one guarded UPDATE (`status = 'approved' AND paid_at IS NULL`): under concurrent payouts
PostgreSQL re-checks that condition on every row it waited for, so a conversion is paid at most once, and
a payout's amount is the sum of exactly the rows its own UPDATE marked (never a preview taken earlier)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, true, update

from portal.audit.service import record
from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.network.models import Publisher
from portal.paging import paginate
from portal.rewards.models import Payout
from portal.timezones import zone
from portal.types import utcnow

PER_PAGE = 25
MAX_NOTE = 500


class NothingPayable(ValueError):
    """The publisher has no approved, unpaid commission in that currency up to the cut-off."""


@dataclass(frozen=True)
class Payable:
    count: int
    amount: Decimal


def cutoff_instant(cut_off: date, timezone: str) -> datetime:
    """The end (exclusive) of the cut-off day in the admin's zone: the day itself is included."""
    return datetime.combine(cut_off + timedelta(days=1), time.min, zone(timezone))


def _payable_where(publisher_id: int, currency: str, period_end: datetime) -> tuple:
    return (
        Conversion.publisher_id == publisher_id,
        Conversion.currency == currency,
        Conversion.status == ConversionStatus.APPROVED,
        Conversion.paid_at.is_(None),
        Conversion.created_at < period_end,
    )


def payable(publisher_id: int, currency: str, period_end: datetime) -> Payable:
    """What a payout would pay right now (the preview); the payout itself recounts what it marks."""
    stmt = select(func.count(Conversion.id), func.sum(Conversion.payout)).where(
        *_payable_where(publisher_id, currency, period_end)
    )
    count, amount = db.session.execute(stmt).one()
    return Payable(count, Decimal(amount or 0))


def payable_currencies(publisher_id: int) -> list[str]:
    stmt = (
        select(Conversion.currency)
        .where(
            Conversion.publisher_id == publisher_id,
            Conversion.status == ConversionStatus.APPROVED,
            Conversion.paid_at.is_(None),
        )
        .distinct()
        .order_by(Conversion.currency)
    )
    return list(db.session.scalars(stmt))


def record_payout(
    publisher: Publisher, currency: str, period_end: datetime, note: str, actor_id: int | None
) -> Payout:
    """Mark every payable conversion paid and record the payout (flushed, not committed).

    Raises NothingPayable when the UPDATE marked nothing: the caller rolls back, so no empty payout is kept."""
    now = utcnow()
    payout = Payout(
        publisher_id=publisher.id, currency=currency, amount=Decimal("0"), conversion_count=0,
        period_end=period_end, note=note.strip(), created_by_id=actor_id, created_at=now,
    )  # fmt: skip
    db.session.add(payout)
    db.session.flush()
    # Lock the rows in id order first, the order bulk review locks them in, so the two never deadlock;
    # the guarded UPDATE below is still what decides (a row paid meanwhile no longer matches it).
    db.session.execute(
        select(Conversion.id).where(*_payable_where(publisher.id, currency, period_end)).order_by(Conversion.id).with_for_update(key_share=True)
    ).all()
    marked = (
        update(Conversion)
        .where(*_payable_where(publisher.id, currency, period_end))
        .values(paid_at=now, payout_id=payout.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(marked)
    count, amount = db.session.execute(
        select(func.count(Conversion.id), func.sum(Conversion.payout)).where(Conversion.payout_id == payout.id)
    ).one()
    if not count:
        raise NothingPayable(f"{publisher.name} has no approved, unpaid {currency} commission up to that date.")
    payout.amount, payout.conversion_count = Decimal(amount), count
    db.session.flush()
    record(actor_id, "payout.create", payout, {
        "publisher_id": (None, publisher.id), "currency": (None, currency), "amount": (None, payout.amount),
        "conversion_count": (None, count), "period_end": (None, period_end), "note": (None, payout.note),
    })  # fmt: skip
    # Conversions already loaded in this session still hold the old paid_at: reload them when read again.
    db.session.expire_all()
    return payout


def search_payouts(
    publisher_id: int | None = None, currency: str | None = None, page: int = 1, per_page: int = PER_PAGE, within=true()
) -> Pagination:
    """Payouts `within` the staff user's reach, newest first; `publisher_id` scopes them to one publisher (what a
    publisher sees)."""
    stmt = select(Payout).where(within).order_by(Payout.created_at.desc(), Payout.id.desc())
    if publisher_id is not None:
        stmt = stmt.where(Payout.publisher_id == publisher_id)
    if currency:
        stmt = stmt.where(Payout.currency == currency)
    return paginate(stmt, page, per_page)


def payout_conversions(payout: Payout, page: int = 1, per_page: int = 50) -> Pagination:
    stmt = select(Conversion).where(Conversion.payout_id == payout.id).order_by(Conversion.created_at, Conversion.id)
    return paginate(stmt, page, per_page)


def payout_currencies(within=true()) -> list[str]:
    return list(db.session.scalars(select(Payout.currency).where(within).distinct().order_by(Payout.currency)))
