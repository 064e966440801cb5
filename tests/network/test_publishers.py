"""Admin → Publishers over HTTP: admins only, list (search, status filter, sort, pages, bulk), create, the
profile edited in place, archive / restore, the traffic summary, and what suspension does to links."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.conversions.models import ConversionStatus
from portal.dashboard.publisher_traffic import traffic_summary
from portal.extensions import db
from portal.network.models import Publisher, PublisherStatus
from portal.network.reach import DataReach
from portal.tracking.targets import clear_cache
from portal.types import utcnow
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    CustomPayoutFactory,
    CustomThrottleFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)
from tests.network.conftest import HX, body


def publisher_form(**values) -> dict:
    form = {"name": "Goal Rush Media", "status": "Active", "email": "team@goalrush.example", "website": "https://goalrush.example",
            "country": "de", "timezone": "Europe/Berlin", "postback_url": "https://goalrush.example/pb?click={click_id}"}
    form.update(values)
    return form


def ids_in(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-publisher-id="(\d+)"', html)]


def every_route():
    publisher = PublisherFactory()
    user = UserFactory(is_publisher=True, publisher=publisher)
    payout, throttle = CustomPayoutFactory(publisher=publisher), CustomThrottleFactory(publisher=publisher)
    db.session.commit()
    p = publisher.id
    gets = ["/admin/publishers", "/admin/publishers/new", f"/admin/publishers/{p}", f"/admin/publishers/{p}/edit",
            *[f"/admin/publishers/{p}/{s}" for s in ("profile", "users", "payouts", "throttles")],
            f"/admin/publishers/{p}/payouts/{payout.id}/edit", f"/admin/publishers/{p}/throttles/{throttle.id}/edit"]
    posts = ["/admin/publishers/new", "/admin/publishers/bulk", f"/admin/publishers/{p}/edit", f"/admin/publishers/{p}/archive",
             f"/admin/publishers/{p}/restore", f"/admin/publishers/{p}/users",
             *[f"/admin/publishers/{p}/users/{user.id}/{c}" for c in ("activate", "deactivate", "suspend", "link")],
             f"/admin/publishers/{p}/payouts", f"/admin/publishers/{p}/throttles",
             f"/admin/publishers/{p}/payouts/{payout.id}/edit", f"/admin/publishers/{p}/payouts/{payout.id}/delete",
             f"/admin/publishers/{p}/throttles/{throttle.id}/edit", f"/admin/publishers/{p}/throttles/{throttle.id}/delete"]
    return gets, posts


@pytest.mark.parametrize("role_client", ["publisher_client", "advertiser_client"])
def test_other_roles_get_403_on_every_publisher_admin_route(request, role_client):
    client = request.getfixturevalue(role_client)
    gets, posts = every_route()
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data={}).status_code == 403, url
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    gets, _ = every_route()
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_unknown_publisher_and_foreign_rows_are_404(admin_client):
    other = CustomPayoutFactory()
    mine = PublisherFactory()
    stranger = UserFactory(is_publisher=True)
    db.session.commit()
    assert admin_client.get("/admin/publishers/999999").status_code == 404
    assert admin_client.get("/admin/publishers/999999/edit").status_code == 404
    assert admin_client.post("/admin/publishers/999999/archive").status_code == 404
    assert admin_client.get(f"/admin/publishers/{mine.id}/payouts/{other.id}/edit").status_code == 404
    assert admin_client.post(f"/admin/publishers/{mine.id}/payouts/{other.id}/delete").status_code == 404
    assert admin_client.post(f"/admin/publishers/{mine.id}/users/{stranger.id}/suspend").status_code == 404


def test_list_searches_filters_sorts_and_pages(admin_client):
    alpha = PublisherFactory(name="Alpha Deals", email="hi@alpha.example")
    beta = PublisherFactory(name="Beta Bonus", email="", status=PublisherStatus.PENDING)
    gamma = PublisherFactory(name="Gamma Odds", email="", status=PublisherStatus.SUSPENDED)
    gone = PublisherFactory(name="Gone Media", email="", archived_at=utcnow())
    db.session.commit()
    assert ids_in(body(admin_client.get("/admin/publishers"))) == [alpha.id, beta.id, gamma.id]
    assert ids_in(body(admin_client.get("/admin/publishers?q=alpha.example"))) == [alpha.id]
    assert ids_in(body(admin_client.get(f"/admin/publishers?q={beta.id}"))) == [beta.id]
    assert ids_in(body(admin_client.get("/admin/publishers?status=Pending"))) == [beta.id]
    assert ids_in(body(admin_client.get("/admin/publishers?status=Suspended"))) == [gamma.id]
    assert ids_in(body(admin_client.get("/admin/publishers?status=archived"))) == [gone.id]
    assert ids_in(body(admin_client.get("/admin/publishers?status=all&sort=-name"))) == [gone.id, gamma.id, beta.id, alpha.id]
    partial = admin_client.get("/admin/publishers?q=%25", headers=HX)
    assert partial.status_code == 200 and "<html" not in body(partial) and ids_in(body(partial)) == []
    assert "HX-Request" in partial.headers["Vary"]


def test_list_pages(admin_client):
    for n in range(27):
        PublisherFactory(name=f"Pub {n:02d}")
    db.session.commit()
    first, second = body(admin_client.get("/admin/publishers")), body(admin_client.get("/admin/publishers?page=2"))
    assert len(ids_in(first)) == 25 and len(ids_in(second)) == 2 and "page 2 of 2" in second


def test_create_publisher_is_audited(admin_client, admin_user):
    response = admin_client.post("/admin/publishers/new", data=publisher_form())
    publisher = db.session.scalar(select(Publisher))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/publishers/{publisher.id}")
    assert (publisher.name, publisher.country, publisher.timezone, publisher.status) == (
        "Goal Rush Media", "DE", "Europe/Berlin", PublisherStatus.ACTIVE)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Publisher"))
    assert entry.action == "create" and entry.actor_id == admin_user.id and entry.changes["name"] == [None, "Goal Rush Media"]


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Give the publisher a name."),
    ("email", "not-an-email", "Enter an email address"),
    ("website", "goalrush.example", "Enter a full http:// or https:// address."),
    ("country", "Germany", "two-letter ISO 3166"),
    ("timezone", "Mars/Olympus", "Pick a time zone"),
    ("postback_url", "javascript:alert(1)", "Enter a full http:// or https:// address."),
    ("status", "Banned", "Pick one of: Active, Pending, Suspended."),
])
def test_create_refuses_bad_fields_inline_and_keeps_what_was_typed(admin_client, field, value, message):
    response = admin_client.post("/admin/publishers/new", data=publisher_form(**{field: value}))
    assert response.status_code == 400 and message in body(response)
    assert "Goal Rush Media" in body(response) or field == "name"
    assert db.session.scalar(select(func.count(Publisher.id))) == 0


def test_create_refuses_a_duplicate_name_and_a_missing_csrf_token(admin_client):
    PublisherFactory(name="Goal Rush Media")
    db.session.commit()
    response = admin_client.post("/admin/publishers/new", data=publisher_form(name="goal rush media"))
    assert response.status_code == 400 and "Another publisher has this name." in body(response)
    assert admin_client.post("/admin/publishers/new", data=publisher_form(name="Fresh"), csrf=False).status_code == 400
    assert db.session.scalar(select(func.count(Publisher.id))) == 1


def test_profile_is_edited_in_place(admin_client):
    publisher = PublisherFactory(name="Spin Scout")
    db.session.commit()
    form = admin_client.get(f"/admin/publishers/{publisher.id}/edit", headers=HX)
    assert form.status_code == 200 and body(form).strip().startswith('<section id="profile">') and 'value="Spin Scout"' in body(form)
    bad = admin_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(name="Spin Scout", timezone="Nowhere"), headers=HX)
    assert bad.status_code == 400 and "Pick a time zone" in body(bad) and 'value="Nowhere"' in body(bad)
    saved = admin_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(name="Spin Scout", status="Suspended"), headers=HX)
    assert saved.status_code == 200 and "is saved" in body(saved) and 'data-profile="status">Suspended' in body(saved)
    db.session.expire_all()
    assert publisher.status == PublisherStatus.SUSPENDED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes["status"] == ["Active", "Suspended"]
    # Without JavaScript: the page with the form, then a redirect back after saving.
    assert 'name="name"' in body(admin_client.get(f"/admin/publishers/{publisher.id}/edit"))
    plain = admin_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(name="Spin Scout 2"))
    assert plain.status_code == 302


def test_archive_and_restore(admin_client):
    publisher = PublisherFactory()
    db.session.commit()
    assert admin_client.post(f"/admin/publishers/{publisher.id}/archive").status_code == 302
    db.session.expire_all()
    assert publisher.archived_at is not None
    refused = admin_client.post(f"/admin/publishers/{publisher.id}/edit", data=publisher_form(), headers=HX)
    assert refused.status_code == 400 and "archived" in body(refused)
    assert admin_client.post(f"/admin/publishers/{publisher.id}/restore").status_code == 302
    db.session.expire_all()
    assert publisher.archived_at is None
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["archive", "restore"]


def test_bulk_suspend_activate_and_archive(admin_client):
    one, two, three = PublisherFactory(), PublisherFactory(), PublisherFactory()
    db.session.commit()
    response = admin_client.post("/admin/publishers/bulk", data={"action": "suspend", "ids": [one.id, two.id]}, headers=HX)
    assert response.status_code == 200 and "2 publishers changed." in body(response)
    db.session.expire_all()
    assert [p.status for p in (one, two, three)] == [PublisherStatus.SUSPENDED, PublisherStatus.SUSPENDED, PublisherStatus.ACTIVE]
    assert "1 publisher changed." in body(admin_client.post("/admin/publishers/bulk", data={"action": "activate", "ids": [one.id]}, headers=HX))
    admin_client.post("/admin/publishers/bulk", data={"action": "archive", "ids": [three.id]})
    db.session.expire_all()
    assert three.archived_at is not None and one.status == PublisherStatus.ACTIVE
    nothing = admin_client.post("/admin/publishers/bulk", data={"action": "suspend"}, headers=HX)
    assert nothing.status_code == 400 and "Select at least one row." in body(nothing)
    unknown = admin_client.post("/admin/publishers/bulk", data={"action": "explode", "ids": [one.id]}, headers=HX)
    assert unknown.status_code == 400


def test_summary_counts_the_last_30_days_per_currency(admin_client):
    publisher = PublisherFactory()
    link = TrackingLinkFactory(publisher=publisher)
    TrackingLinkFactory(publisher=publisher, archived_at=utcnow())
    ClickFactory(link=link)
    ClickFactory(link=link, is_unique=False)
    ClickFactory(link=link, is_bot=True)
    ClickFactory(link=link, created_at=utcnow() - timedelta(days=31))
    ClickFactory()  # another publisher's
    ConversionFactory(link=link, payout=Decimal("25.10"), currency="EUR")
    ConversionFactory(link=link, payout=Decimal("10.05"), currency="EUR", status=ConversionStatus.APPROVED)
    ConversionFactory(link=link, payout=Decimal("7"), currency="USD", status=ConversionStatus.REJECTED)
    old = ConversionFactory(link=link, payout=Decimal("99"), currency="EUR")
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    summary = traffic_summary(publisher.id, DataReach())
    assert (summary.clicks, summary.unique_clicks, summary.conversions, summary.links, summary.live_links) == (2, 1, 3, 2, 1)
    eur, usd = summary.by_currency
    assert (eur.currency, eur.conversions, eur.pending, eur.approved, eur.rejected) == ("EUR", 2, Decimal("25.1000"), Decimal("10.0500"), Decimal("0"))
    assert (usd.currency, usd.rejected) == ("USD", Decimal("7.0000"))
    page = body(admin_client.get(f"/admin/publishers/{publisher.id}"))
    assert 'data-summary="clicks">2<' in page and 'data-summary="links">1 live of 2' in page and "25.1000" in page


@pytest.mark.parametrize("status", [PublisherStatus.SUSPENDED, PublisherStatus.PENDING])
def test_links_of_a_publisher_that_is_not_active_stop(client, status):
    publisher = PublisherFactory(status=status)
    offer = OfferFactory(fallback_url="https://fallback.example/")
    link = TrackingLinkFactory(publisher=publisher, offer=offer)
    bare = TrackingLinkFactory(publisher=publisher, offer=OfferFactory(fallback_url=""))
    db.session.commit()
    clear_cache()
    response = client.get(f"/api/v1/track/click/{link.public_id}")
    assert response.status_code == 302 and response.headers["Location"] == "https://fallback.example/"
    assert client.get(f"/api/v1/track/click/{bare.public_id}").status_code == 404
    publisher.status = PublisherStatus.ACTIVE
    db.session.commit()
    clear_cache()
    live = client.get(f"/api/v1/track/click/{link.public_id}")
    assert live.status_code == 302 and "click_id=" in live.headers["Location"]
    publisher.archived_at = utcnow()
    db.session.commit()
    clear_cache()
    assert client.get(f"/api/v1/track/click/{link.public_id}").headers["Location"] == "https://fallback.example/"
