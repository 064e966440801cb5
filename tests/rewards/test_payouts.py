"""Recording a payout: exactly the approved, unpaid conversions up to the cut-off, once, audited."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.conversions.models import Conversion, ConversionStatus
from portal.extensions import db
from portal.rewards.models import Payout
from portal.rewards.payouts import NothingPayable, cutoff_instant, payable, record_payout
from tests.concurrency import require_postgresql, run_together
from tests.rewards.conftest import approved


def made(publisher, payout, *when, currency="EUR", status=ConversionStatus.APPROVED):
    conversion = approved(publisher, payout, currency=currency, status=status)
    conversion.created_at = datetime(*when, tzinfo=UTC)
    return conversion


def test_cutoff_day_is_whole_in_the_admins_zone():
    assert cutoff_instant(date(2026, 11, 1), "Europe/Berlin") == datetime(2026, 11, 1, 23, 0, tzinfo=UTC)
    assert cutoff_instant(date(2026, 11, 1), "UTC") == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def test_payout_marks_exactly_the_payable_conversions(app, fan, other_fan, admin_user):
    publisher = fan.publisher
    paid_now = [made(publisher, "10.00", 2026, 10, 5), made(publisher, "0.3333", 2026, 11, 1, 22, 59)]
    left = {
        "after the cut-off": made(publisher, "1.00", 2026, 11, 1, 23, 0),  # Berlin: 2 Nov
        "pending": made(publisher, "2.00", 2026, 10, 5, status=ConversionStatus.PENDING),
        "rejected": made(publisher, "3.00", 2026, 10, 5, status=ConversionStatus.REJECTED),
        "other currency": made(publisher, "4.00", 2026, 10, 5, currency="USD"),
        "someone else's": made(other_fan.publisher, "5.00", 2026, 10, 5),
    }
    earlier = made(publisher, "6.00", 2026, 9, 1)
    earlier.paid_at = datetime(2026, 9, 30, tzinfo=UTC)
    db.session.commit()
    period_end = cutoff_instant(date(2026, 11, 1), "Europe/Berlin")

    preview = payable(publisher.id, "EUR", period_end)
    assert (preview.count, preview.amount) == (2, Decimal("10.3333"))
    payout = record_payout(publisher, "EUR", period_end, "  October  ", admin_user.id)
    db.session.commit()

    assert (payout.amount, payout.conversion_count, payout.note) == (Decimal("10.3333"), 2, "October")
    paid_ids = set(db.session.scalars(select(Conversion.id).where(Conversion.payout_id == payout.id)))
    assert paid_ids == {c.id for c in paid_now}
    for conversion in paid_now:
        db.session.refresh(conversion)
        assert conversion.paid_at is not None and conversion.status == ConversionStatus.APPROVED
    for reason, conversion in left.items():
        db.session.refresh(conversion)
        assert (conversion.paid_at, conversion.payout_id) == (None, None), reason
    db.session.refresh(earlier)
    assert earlier.paid_at == datetime(2026, 9, 30, tzinfo=UTC) and earlier.payout_id is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payout.create"))
    assert (entry.actor_id, entry.object_id, entry.changes["amount"]) == (admin_user.id, str(payout.id), [None, "10.3333"])


def test_nothing_payable_is_refused_and_nothing_is_kept(app, fan, admin_user):
    made(fan.publisher, "10.00", 2026, 10, 5)
    db.session.commit()
    period_end = cutoff_instant(date(2026, 11, 1), "UTC")
    record_payout(fan.publisher, "EUR", period_end, "", admin_user.id)
    db.session.commit()
    with pytest.raises(NothingPayable, match="no approved, unpaid EUR commission"):
        record_payout(fan.publisher, "EUR", period_end, "", admin_user.id)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payout.id))) == 1
    with pytest.raises(NothingPayable):
        record_payout(fan.publisher, "USD", period_end, "", admin_user.id)


def test_concurrent_payouts_pay_each_conversion_once(app, fan, admin_user):
    require_postgresql()
    conversions = [made(fan.publisher, f"{n}.01", 2026, 10, 1 + n) for n in range(1, 21)]
    db.session.commit()
    publisher_id, admin_id, attempts = fan.publisher_id, admin_user.id, 8
    period_end = cutoff_instant(date(2026, 11, 1), "UTC")

    def attempt(_):
        from portal.network.models import Publisher

        try:
            payout = record_payout(db.session.get(Publisher, publisher_id), "EUR", period_end, "", admin_id)
            db.session.commit()
            return payout.id, payout.amount, payout.conversion_count
        except NothingPayable:
            db.session.rollback()
            return None

    outcomes = run_together(app, attempt, range(attempts))
    paid = [o for o in outcomes if o is not None]
    total = sum(c.payout for c in conversions)
    assert sum(amount for _, amount, _ in paid) == total == Decimal("210.20")
    assert sum(count for _, _, count in paid) == 20
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payout.id))) == len(paid)
    assert db.session.scalar(select(func.sum(Payout.amount))) == total
    assert db.session.scalar(select(func.count(Conversion.id)).where(Conversion.paid_at.is_(None))) == 0
