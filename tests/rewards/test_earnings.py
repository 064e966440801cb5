"""Earnings by month, status and currency, bucketed in the viewer's time zone, with exact sums."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.rewards.earnings import monthly_earnings
from tests.rewards.conftest import approved

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def test_months_are_the_viewers_and_sums_are_exact(app, fan):
    late_october_utc = approved(fan.publisher, "0.10")  # 23:30 UTC on 31 Oct is November in Berlin
    late_october_utc.created_at = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    for payout in ("0.10", "0.20"):
        approved(fan.publisher, payout).created_at = datetime(2026, 11, 2, tzinfo=UTC)
    old = approved(fan.publisher, "1.00", status=ConversionStatus.REJECTED)
    old.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    db.session.commit()

    berlin_rows, totals = monthly_earnings(fan.publisher_id, "Europe/Berlin", NOW)
    utc_rows, _ = monthly_earnings(fan.publisher_id, "UTC", NOW)

    assert [(r.label, r.amounts["approved"]) for r in berlin_rows] == [("2026-11", Decimal("0.4000")), ("Earlier", Decimal("0"))]
    assert [(r.label, r.amounts["approved"]) for r in utc_rows][:2] == [("2026-11", Decimal("0.3000")), ("2026-10", Decimal("0.1000"))]
    assert berlin_rows[-1].amounts["rejected"] == Decimal("1.0000")
    [eur] = totals
    assert (eur.currency, eur.amounts["approved"], eur.amounts["rejected"], eur.amounts["pending"]) == (
        "EUR", Decimal("0.4000"), Decimal("1.0000"), Decimal("0")
    )


def test_paid_commission_is_its_own_column(app, fan):
    paid = approved(fan.publisher, "9.99")
    paid.paid_at = NOW
    approved(fan.publisher, "0.01")
    db.session.commit()
    _, [eur] = monthly_earnings(fan.publisher_id, "UTC", NOW)
    assert (eur.amounts["paid"], eur.amounts["approved"]) == (Decimal("9.9900"), Decimal("0.0100"))
