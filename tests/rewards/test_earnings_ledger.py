"""The earnings ledger: by local day, by offer and by status with exact sums, its filters, balances and chart."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.rewards.earnings import LedgerFilters, balances, chart_series, ledger
from tests.factories import OfferFactory
from tests.rewards.conftest import HX, approved, body

P, A, R = ConversionStatus.PENDING, ConversionStatus.APPROVED, ConversionStatus.REJECTED


def at(conversion, *when):
    conversion.created_at = datetime(*when, tzinfo=UTC)
    return conversion


@pytest.fixture
def book(app, fan, other_fan):
    """Conversions of `fan` around midnight of 1/2 Nov 2026 in Berlin (UTC+1), and someone else's."""
    slots, dice = OfferFactory(name="Slots"), OfferFactory(name="Dice")
    at(approved(fan.publisher, "10.00", offer=slots), 2026, 11, 1, 12, 0)
    at(approved(fan.publisher, "0.0100", offer=slots, status=P), 2026, 11, 1, 22, 59)  # Berlin: 1 Nov 23:59
    at(approved(fan.publisher, "2.50", offer=dice), 2026, 11, 1, 23, 30)  # Berlin: 2 Nov 00:30
    at(approved(fan.publisher, "4.00", offer=dice, status=R), 2026, 11, 2, 9, 0)
    paid = at(approved(fan.publisher, "1.25", offer=slots), 2026, 11, 2, 10, 0)
    paid.paid_at = datetime(2026, 11, 20, tzinfo=UTC)
    at(approved(fan.publisher, "3.00", currency="USD", offer=dice), 2026, 11, 2, 11, 0)
    at(approved(fan.publisher, "99.00", offer=slots), 2026, 11, 3, 0, 0)  # Berlin: 3 Nov, outside the range
    at(approved(other_fan.publisher, "777.00", offer=slots), 2026, 11, 1, 12, 0)
    db.session.commit()
    return slots, dice


def amounts(row):
    return tuple(row.amounts[s] for s in ("pending", "approved", "paid", "rejected"))


def test_days_are_the_viewers_and_sums_exact(book, fan):
    result = ledger(fan.publisher_id, LedgerFilters(date(2026, 11, 1), date(2026, 11, 2), "Europe/Berlin"))
    assert [(r.label, r.currency, amounts(r), r.count) for r in result.by_day] == [
        ("2026-11-02", "EUR", (Decimal("0"), Decimal("2.5000"), Decimal("1.2500"), Decimal("4.0000")), 3),
        ("2026-11-02", "USD", (Decimal("0"), Decimal("3.0000"), Decimal("0"), Decimal("0")), 1),
        ("2026-11-01", "EUR", (Decimal("0.0100"), Decimal("10.0000"), Decimal("0"), Decimal("0")), 2),
    ]
    in_utc = ledger(fan.publisher_id, LedgerFilters(date(2026, 11, 1), date(2026, 11, 2), "UTC"))
    by_day = {(r.label, r.currency): amounts(r) for r in in_utc.by_day}
    assert by_day[("2026-11-01", "EUR")] == (Decimal("0.0100"), Decimal("12.5000"), Decimal("0"), Decimal("0"))
    assert by_day[("2026-11-02", "EUR")] == (Decimal("0"), Decimal("0"), Decimal("1.2500"), Decimal("4.0000"))


def test_by_offer_and_totals_never_add_currencies(book, fan):
    result = ledger(fan.publisher_id, LedgerFilters(date(2026, 11, 1), date(2026, 11, 2), "Europe/Berlin"))
    assert [(r.label, r.currency, amounts(r)) for r in result.by_offer] == [
        ("Dice", "EUR", (Decimal("0"), Decimal("2.5000"), Decimal("0"), Decimal("4.0000"))),
        ("Dice", "USD", (Decimal("0"), Decimal("3.0000"), Decimal("0"), Decimal("0"))),
        ("Slots", "EUR", (Decimal("0.0100"), Decimal("10.0000"), Decimal("1.2500"), Decimal("0"))),
    ]
    assert [(r.currency, amounts(r)) for r in result.totals] == [
        ("EUR", (Decimal("0.0100"), Decimal("12.5000"), Decimal("1.2500"), Decimal("4.0000"))),
        ("USD", (Decimal("0"), Decimal("3.0000"), Decimal("0"), Decimal("0"))),
    ]
    assert chart_series(result) == {
        "EUR": [Decimal("10.0000"), Decimal("3.7500")],  # approved, paid or not
        "USD": [Decimal("0"), Decimal("3.0000")],
    }


def test_filters_by_offer_and_status(book, fan):
    slots, _ = book
    paid = ledger(fan.publisher_id, LedgerFilters(date(2026, 11, 1), date(2026, 11, 3), "Europe/Berlin", status="paid"))
    assert [(r.label, amounts(r)) for r in paid.totals] == [("Total", (Decimal("0"), Decimal("0"), Decimal("1.2500"), Decimal("0")))]
    on_slots = ledger(fan.publisher_id, LedgerFilters(date(2026, 11, 1), date(2026, 11, 3), "Europe/Berlin", offer_id=slots.id))
    assert [(r.label, r.amounts["approved"]) for r in on_slots.by_day] == [
        ("2026-11-03", Decimal("99.0000")), ("2026-11-02", Decimal("0")), ("2026-11-01", Decimal("10.0000")),
    ]
    assert {r.label for r in on_slots.by_offer} == {"Slots"}


def test_balances_per_currency(book, fan, other_fan):
    assert [(b.currency, b.pending, b.payable, b.paid) for b in balances(fan.publisher_id)] == [
        ("EUR", Decimal("0.0100"), Decimal("111.5000"), Decimal("1.2500")),
        ("USD", Decimal("0"), Decimal("3.0000"), Decimal("0")),
    ]
    assert [(b.currency, b.payable) for b in balances(other_fan.publisher_id)] == [("EUR", Decimal("777.0000"))]


RANGE = "/rewards?range=custom&start=2026-11-01&end=2026-11-02"


def cells(label, currency, *numbers) -> str:
    """A ledger row's first cells as rendered: label, currency, then right-aligned numbers."""
    return f"<td>{label}</td><td>{currency}</td>" + "".join(f'<td class="num">{n}</td>' for n in numbers)


def test_ledger_page_shows_days_offers_and_chart(book, fan, publisher_client):
    fan.timezone = "Europe/Berlin"
    db.session.commit()
    page = body(publisher_client.get(RANGE))
    assert cells("2026-11-02", "EUR", "0.00", "2.50", "1.25", "4.00", "3") in page
    assert cells("Slots", "EUR", "0.01", "10.00", "1.25") in page
    assert "<svg" in page and "2026-11-01: 10.00 EUR" in page
    assert "777" not in page  # another publisher's commission
    assert 'id="earnings-balances"' in page and "111.50" in page

    partial = publisher_client.get(RANGE + "&status=approved", headers=HX)
    assert partial.status_code == 200 and "HX-Request" in partial.headers["Vary"]
    text = body(partial)
    assert text.lstrip().startswith('<div id="earnings-ledger">') and "<html" not in text
    assert cells("Total", "EUR", "0.00", "12.50", "0.00") in text


def test_default_range_is_the_last_30_days(app, fan, publisher_client):
    approved(fan.publisher, "6.00")
    db.session.commit()
    page = body(publisher_client.get("/rewards"))
    assert cells("Total", "EUR", "0.00", "6.00") in page


@pytest.mark.parametrize("query", [
    "range=someday", "range=custom", "range=custom&start=2026-11-05&end=2026-11-01", "range=custom&start=2020-01-01&end=2026-01-01",
    "range=custom&start=nope&end=2026-11-01", "status=maybe", "offer_id=abc",
])  # fmt: skip
def test_invalid_filters_are_400_with_the_error_inline(app, fan, publisher_client, query):
    response = publisher_client.get("/rewards?" + query)
    assert response.status_code == 400
    assert "field-error" in body(response)


def test_another_publishers_offer_is_no_choice(book, fan, other_fan, publisher_client):
    foreign = OfferFactory(name="Elsewhere")
    approved(other_fan.publisher, "5.00", offer=foreign)
    db.session.commit()
    assert "Elsewhere" not in body(publisher_client.get("/rewards"))
    assert publisher_client.get(f"/rewards?offer_id={foreign.id}").status_code == 400
