"""A publisher's read-only conversions page over HTTP: roles, isolation, filters, totals, escaping."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.network.models import Publisher
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    EventFactory,
    OfferFactory,
    TrackingLinkFactory,
    UserFactory,
)

URL = "/my/conversions"
HX = {"HX-Request": "true"}
XSS = "<script>alert(1)</script>"


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def publisher(publisher_user):
    return publisher_user.publisher


@pytest.fixture
def world(app, publisher):
    casino, sports = OfferFactory(name="Northstar Casino", currency="EUR"), OfferFactory(name="Bluewave Sports", currency="USD")
    link = TrackingLinkFactory(publisher=publisher, offer=casino, name="Blog sidebar")
    sports_link = TrackingLinkFactory(publisher=publisher, offer=sports, name="Newsletter")
    click = ClickFactory(link=link, sub1="summer", sub2=XSS, sub5="tail")
    event = EventFactory(advertiser_id=casino.advertiser_id, type="ftd")
    rows = dict(
        approved=ConversionFactory(link=link, click_id=click.click_id, event_id=event.id, status=ConversionStatus.APPROVED, payout=Decimal("40.0001")),
        approved_two=ConversionFactory(link=link, status=ConversionStatus.APPROVED, payout=Decimal("9.9999")),
        rejected=ConversionFactory(link=link, status=ConversionStatus.REJECTED, rejection_reason="Duplicate <b>player</b>", payout=Decimal("25")),
        pending_usd=ConversionFactory(link=sports_link, currency="USD", payout=Decimal("12.50")),
        pending_eur=ConversionFactory(link=link, payout=Decimal("0.10")),
    )
    # Another publisher's conversion on the same offer: never shown, never counted.
    rows["foreign"] = ConversionFactory(link=TrackingLinkFactory(offer=casino, name="Their link"), payout=Decimal("1000"))
    db.session.commit()
    return dict(rows, casino=casino, sports=sports, click=click)


def shown(page: str, world: dict) -> set[str]:
    names = ("approved", "approved_two", "rejected", "pending_usd", "pending_eur", "foreign")
    return {name for name in names if f'id="conversion-{world[name].id}"' in page}


@pytest.mark.parametrize("role_client", ["advertiser_client", "admin_client"])
def test_other_roles_are_forbidden(request, role_client):
    assert request.getfixturevalue(role_client).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_publisher_sees_only_its_own_conversions(publisher_client, world):
    page = body(publisher_client.get(URL))
    assert shown(page, world) == {"approved", "approved_two", "rejected", "pending_usd", "pending_eur"}
    assert "Their link" not in page and "1,000" not in page


def test_two_publishers_are_isolated(app, world):
    other = UserFactory(is_publisher=True, publisher=db.session.get(Publisher, world["foreign"].publisher_id))
    page = body(signed_in_client(app, other).get(URL))
    assert shown(page, world) == {"foreign"}
    assert "1 conversion<" in page


def test_the_rows_show_date_offer_event_status_reason_payout_currency_link_and_sub_ids(publisher_client, world):
    page = body(publisher_client.get(URL))
    assert "Northstar Casino" in page and "Bluewave Sports" in page and "Blog sidebar" in page
    assert "<td>ftd</td>" in page and "40.0001" in page and "<td>USD</td>" in page
    assert "<code>summer</code>" in page and "<code>tail</code>" in page
    assert "Duplicate &lt;b&gt;player&lt;/b&gt;" in page


def test_attacker_controlled_sub_ids_are_escaped(publisher_client, world):
    page = body(publisher_client.get(URL))
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_is_read_only(publisher_client, world):
    page = body(publisher_client.get(URL))
    assert "<form method=\"post\"" not in page.split("<main")[1] and 'name="ids"' not in page
    assert publisher_client.post(URL).status_code == 405


def test_totals_per_status_and_currency_are_exact(publisher_client, world):
    page = body(publisher_client.get(URL, headers=HX))
    assert '<tr data-status="approved" data-currency="EUR"><td>Approved</td><td>EUR</td><td>2</td><td class="total">50.00</td></tr>' in page
    assert '<tr data-status="pending" data-currency="EUR"><td>Pending</td><td>EUR</td><td>1</td><td class="total">0.10</td></tr>' in page
    assert '<tr data-status="pending" data-currency="USD"><td>Pending</td><td>USD</td><td>1</td><td class="total">12.50</td></tr>' in page
    assert '<tr data-status="rejected" data-currency="EUR"><td>Rejected</td><td>EUR</td><td>1</td><td class="total">25.00</td></tr>' in page
    # pending, approved, rejected; currencies in alphabetical order within a status
    order = [page.index(f'data-status="{s}" data-currency="{c}"') for s, c in (("pending", "EUR"), ("pending", "USD"), ("approved", "EUR"), ("rejected", "EUR"))]
    assert order == sorted(order)


def test_totals_follow_the_filters(publisher_client, world):
    page = body(publisher_client.get(f"{URL}?status=pending&offer={world['sports'].id}", headers=HX))
    assert shown(page, world) == {"pending_usd"}
    assert 'data-currency="EUR"' not in page and 'data-currency="USD"' in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=approved", {"approved", "approved_two"}),
        ("status=rejected", {"rejected"}),
        ("offer={sports}", {"pending_usd"}),
        ("offer={casino}&status=pending", {"pending_eur"}),
    ],
)
def test_filters(publisher_client, world, query, expected):
    query = query.format(sports=world["sports"].id, casino=world["casino"].id)
    assert shown(body(publisher_client.get(f"{URL}?{query}", headers=HX)), world) == expected


def test_an_offer_the_publisher_has_no_conversions_on_is_not_a_filter(publisher_client, world):
    stranger = OfferFactory(name="Unrelated")
    db.session.commit()
    page = body(publisher_client.get(f"{URL}?offer={stranger.id}"))
    assert "Unrelated" not in page and len(shown(page, world)) == 5


def test_the_date_range_uses_the_publishers_time_zone(app, publisher_user, world):
    publisher_user.timezone = "America/New_York"  # UTC-5 in January
    link = TrackingLinkFactory(publisher=publisher_user.publisher, offer=world["casino"])
    # 2026-01-10 03:00 UTC is still 9 January in New York.
    evening = ConversionFactory(link=link, created_at=datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc))
    client = signed_in_client(app, publisher_user)
    assert f'id="conversion-{evening.id}"' in body(client.get(f"{URL}?day_from=2026-01-09&day_to=2026-01-09", headers=HX))
    assert f'id="conversion-{evening.id}"' not in body(client.get(f"{URL}?day_from=2026-01-10&day_to=2026-01-10", headers=HX))


def test_htmx_gets_the_table_and_totals_only(publisher_client, world):
    full, partial = publisher_client.get(URL), publisher_client.get(URL, headers=HX)
    assert "<html" in body(full) and "<html" not in body(partial)
    assert body(partial).lstrip().startswith('<div id="my-conversions">')
    assert "HX-Request" in partial.headers["Vary"]


def test_pages_keep_the_filters(publisher_client, world, publisher):
    link = TrackingLinkFactory(publisher=publisher, offer=world["casino"])
    start = utcnow() - timedelta(days=2)
    for n in range(51):
        ConversionFactory(link=link, status=ConversionStatus.APPROVED, created_at=start + timedelta(minutes=n))
    db.session.commit()
    page = body(publisher_client.get(f"{URL}?status=approved"))
    assert "53 conversions" in page and "page 1 of 2" in page and "page=2&amp;status=approved" in page
    assert "page 2 of 2" in body(publisher_client.get(f"{URL}?status=approved&page=2", headers=HX))


def test_the_navigation_links_the_page(publisher_client):
    assert f'href="{URL}"' in body(publisher_client.get(URL))
