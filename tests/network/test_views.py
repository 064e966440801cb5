"""Network admin pages over HTTP: admins only, forms with inline errors, lists (search, filters, sorting,
pages, HTMX partials), bulk actions, and the offer page's in-place sections."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.network.models import (
    AccessStatus,
    Advertiser,
    LandingPage,
    Offer,
    OfferAccess,
    OfferEvent,
    Visibility,
)
from portal.network.offers.access import can_promote
from tests.factories import AdvertiserFactory, OfferFactory, PublisherFactory
from tests.network.conftest import HX, body, offer_form


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def ids_in(html: str, kind: str) -> list[int]:
    return [int(i) for i in re.findall(rf'data-{kind}-id="(\d+)"', html)]


# ------------------------------------------------------------ who may reach what


def every_route(offer):
    event, page = offer.events[0], offer.landing_pages[0]
    access = OfferAccess(offer_id=offer.id, publisher_id=PublisherFactory().id)
    db.session.add(access)
    db.session.commit()
    o, a = offer.id, offer.advertiser_id
    gets = ["/admin/advertisers", "/admin/advertisers/new", f"/admin/advertisers/{a}/edit", "/admin/offers",
            "/admin/offers/new", f"/admin/offers/{o}", f"/admin/offers/{o}/edit", f"/admin/offers/{o}/events",
            f"/admin/offers/{o}/events/{event.id}/edit", f"/admin/offers/{o}/pages/{page.id}/edit", "/admin/audit"]
    posts = ["/admin/advertisers/new", f"/admin/advertisers/{a}/edit", f"/admin/advertisers/{a}/archive",
             f"/admin/advertisers/{a}/restore", "/admin/advertisers/bulk", "/admin/offers/new", f"/admin/offers/{o}/edit",
             f"/admin/offers/{o}/archive", f"/admin/offers/{o}/restore", "/admin/offers/bulk", f"/admin/offers/{o}/events",
             f"/admin/offers/{o}/events/{event.id}/edit", f"/admin/offers/{o}/events/{event.id}/deactivate",
             f"/admin/offers/{o}/events/{event.id}/activate", f"/admin/offers/{o}/pages",
             f"/admin/offers/{o}/pages/{page.id}/edit", *[f"/admin/offers/{o}/pages/{page.id}/{c}" for c in ("hide", "show", "archive", "restore")],
             f"/admin/offers/{o}/access", f"/admin/offers/{o}/access/{access.id}/approve", f"/admin/offers/{o}/access/{access.id}/reject"]
    return gets, posts


@pytest.mark.parametrize("role_client", ["publisher_client", "advertiser_client"])
def test_other_roles_get_403_on_every_admin_route(request, role_client, offer):
    client = request.getfixturevalue(role_client)
    gets, posts = every_route(offer)
    for url in gets:
        assert client.get(url).status_code == 403, url
        assert client.get(url, headers=HX).status_code == 403, url
    for url in posts:
        assert client.post(url, data={"ids": [str(offer.id)], "action": "archive", "name": "Hijacked",
                                      "publisher_id": "1"}).status_code == 403, url
    db.session.expire_all()
    assert offer.archived_at is None and offer.name == "Alpha Casino"
    assert count(AuditEntry) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/offers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_ids_are_404(admin_client, offer):
    other = OfferFactory()
    db.session.commit()
    assert admin_client.get("/admin/offers/999999").status_code == 404
    assert admin_client.get(f"/admin/offers/{other.id}/events/{offer.events[0].id}/edit").status_code == 404
    assert admin_client.post(f"/admin/offers/{other.id}/pages/{offer.landing_pages[0].id}/archive").status_code == 404


# ------------------------------------------------------------ advertiser form


def test_advertiser_is_created_with_seed_fields_and_audited(admin_client, admin_user):
    response = admin_client.post("/admin/advertisers/new", data={
        "name": "Acme Corp", "active": "y", "company_name": "Acme Corporation", "first_name": "John", "last_name": "Smith",
        "email": "john.smith@acmecorp.com", "phone": "+1-555-0200", "messenger": "john_smith", "address": "456 Market St",
        "country": "US", "website": "https://acme.example", "default_currency": "USD", "manager_id": str(admin_user.id),
        "description": "E-commerce advertiser"})
    assert response.status_code == 302
    advertiser = db.session.scalar(select(Advertiser))
    assert (advertiser.company_name, advertiser.messenger, advertiser.manager_id) == ("Acme Corporation", "john_smith", admin_user.id)
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.object_type, entry.actor_id) == ("create", "Advertiser", admin_user.id)


def test_advertiser_form_errors_are_inline_keep_what_was_typed_and_store_nothing(admin_client):
    response = admin_client.post("/admin/advertisers/new", data={"name": "", "email": "not-an-email",
                                                                 "website": "javascript:alert(1)", "country": "USA"})
    html = body(response)
    assert response.status_code == 400
    assert "Give the advertiser a name." in html and "Enter an email address" in html
    assert "http:// or https://" in html and "two-letter" in html
    assert 'value="not-an-email"' in html and 'value="USA"' in html
    assert count(Advertiser) == 0 and count(AuditEntry) == 0


def test_advertiser_form_without_csrf_stores_nothing(admin_client):
    response = admin_client.post("/admin/advertisers/new", data={"name": "Acme"}, csrf=False)
    assert response.status_code == 400 and count(Advertiser) == 0


def test_advertiser_archive_and_restore_over_http(admin_client, offer):
    advertiser = offer.advertiser
    assert admin_client.post(f"/admin/advertisers/{advertiser.id}/archive").status_code == 302
    db.session.expire_all()
    assert advertiser.archived_at is not None and offer.archived_at is not None
    admin_client.post(f"/admin/advertisers/{advertiser.id}/restore")
    db.session.expire_all()
    assert advertiser.archived_at is None and offer.archived_at is not None
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == ["archive", "archive", "restore"]


# ------------------------------------------------------------ offer form


def test_offer_is_created_and_its_page_shows_the_plan(admin_client, advertiser):
    response = admin_client.post("/admin/offers/new", data=offer_form(advertiser, visibility="Requires_Approval",
                                                                      payout_type="CPAxCPS", payout="12.5", payout_percent="20",
                                                                      allow_duplicate_conversions="y", manually_approve_conversions="y"))
    offer = db.session.scalar(select(Offer))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/offers/{offer.id}")
    assert offer.visibility == Visibility.REQUIRES_APPROVAL and offer.payout == Decimal("12.5") and offer.payout_percent == Decimal("20")
    assert offer.allow_duplicate_conversions and offer.manually_approve_conversions and offer.currency == "USD"
    html = body(admin_client.get(f"/admin/offers/{offer.id}"))
    assert "CPAxCPS" in html and "12.50" in html and "20%" in html and "Requires_Approval" in html


@pytest.mark.parametrize("values, field_id, message", [
    ({"payout_type": "CPA", "payout": ""}, "payout", "A CPA payout needs an amount."),
    ({"payout_type": "CPS", "payout_percent": ""}, "payout_percent", "A CPS payout needs a percentage."),
    ({"payout_type": "PRV", "payout_percent": "120"}, "payout_percent", "more than 100"),
    ({"payout": "1.00001"}, "payout", "at most 4 decimal places"),
    ({"payout": "-3"}, "payout", "cannot be negative"),
    ({"currency": "usd"}, "currency", "three-letter"),
    ({"visibility": "Hidden"}, "visibility", "Public, Private, Requires_Approval"),
    ({"destination_url": "ftp://x.example"}, "destination_url", "http:// or https://"),
    ({"fallback_url": "javascript:alert(1)"}, "fallback_url", "http:// or https://"),
    ({"name": ""}, "name", "Give the offer a name."),
    ({"advertiser_id": ""}, "advertiser_id", "Pick an advertiser"),
])
def test_offer_form_errors_are_inline_and_nothing_is_stored(admin_client, advertiser, values, field_id, message):
    response = admin_client.post("/admin/offers/new", data=offer_form(advertiser, **values))
    html = body(response)
    assert response.status_code == 400
    error = re.search(rf'<small class="field-error" id="{field_id}-error">([^<]*)</small>', html)
    assert error and message in error.group(1), html
    assert 'value="Summer Campaign 2025"' in html or field_id == "name"
    assert count(Offer) == 0 and count(AuditEntry) == 0


def test_offer_edit_keeps_typed_values_on_error_and_audits_a_good_save(admin_client, offer):
    response = admin_client.post(f"/admin/offers/{offer.id}/edit", data=offer_form(offer.advertiser, name="Renamed", payout="abc"))
    assert response.status_code == 400 and 'value="Renamed"' in body(response) and 'value="abc"' in body(response)
    db.session.expire_all()
    assert offer.name == "Alpha Casino"
    admin_client.post(f"/admin/offers/{offer.id}/edit", data=offer_form(offer.advertiser, name="Renamed", payout="30",
                                                                      terms_and_conditions="No brand bidding."))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes["name"] == ["Alpha Casino", "Renamed"] and entry.changes["payout"] == ["25.0000", "30.0000"]
    assert entry.changes["terms_and_conditions"] == ["", "No brand bidding."]


def test_script_in_an_offer_name_is_escaped_everywhere(admin_client, advertiser):
    admin_client.post("/admin/offers/new", data=offer_form(advertiser, name="<script>alert(1)</script>"))
    offer = db.session.scalar(select(Offer))
    for url in ("/admin/offers", f"/admin/offers/{offer.id}", f"/admin/offers/{offer.id}/edit", "/admin/audit"):
        html = body(admin_client.get(url))
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


# ------------------------------------------------------------ lists


@pytest.fixture
def many_offers(advertiser):
    other = AdvertiserFactory(name="Zeta Brands")
    offers = [OfferFactory(advertiser=advertiser if n % 2 else other, name=f"Offer {n:02d}", payout=Decimal(n)) for n in range(30)]
    offers[3].visibility = Visibility.PRIVATE
    offers[5].active = False
    db.session.commit()
    return offers


def test_offer_list_pages_sorts_and_keeps_state_in_links(admin_client, many_offers):
    html = body(admin_client.get("/admin/offers"))
    names = re.findall(r'<a href="/admin/offers/\d+">([^<]+)</a>', html)
    assert names[:2] == ["Offer 00", "Offer 01"] and len(names) == 25 and "page 1 of 2" in html
    html = body(admin_client.get("/admin/offers?sort=-payout&page=2"))
    names = re.findall(r'<a href="/admin/offers/\d+">([^<]+)</a>', html)
    assert names == ["Offer 04", "Offer 03", "Offer 02", "Offer 01", "Offer 00"]
    assert "sort=-payout" in html and 'aria-sort="descending"' in html
    assert 'href="/admin/offers?page=1&amp;sort=-payout"' in html


def test_offer_list_ignores_sorts_outside_the_whitelist(admin_client, many_offers):
    response = admin_client.get("/admin/offers?sort=destination_url")
    names = re.findall(r'<a href="/admin/offers/\d+">([^<]+)</a>', body(response))
    assert response.status_code == 200 and names[0] == "Offer 00"


def test_offer_list_searches_and_filters(admin_client, many_offers):
    html = body(admin_client.get("/admin/offers?q=offer 1"))
    assert sorted(re.findall(r'>(Offer \d+)</a>', html)) == [f"Offer {n}" for n in range(10, 20)]
    zeta = many_offers[0].advertiser_id
    html = body(admin_client.get(f"/admin/offers?advertiser={zeta}"))
    assert "15 offers" in html
    html = body(admin_client.get("/admin/offers?visibility=Private"))
    assert re.findall(r'>(Offer \d+)</a>', html) == ["Offer 03"]
    html = body(admin_client.get("/admin/offers?status=paused"))
    assert re.findall(r'>(Offer \d+)</a>', html) == ["Offer 05"]


def test_htmx_gets_only_the_table_and_a_plain_request_the_page(admin_client, many_offers):
    full = admin_client.get("/admin/offers?q=offer")
    partial = admin_client.get("/admin/offers?q=offer", headers=HX)
    assert "<html" in body(full) and "<html" not in body(partial)
    assert body(partial).lstrip().startswith('<div id="offers-table">')
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in partial.headers["Vary"]
    history = admin_client.get("/admin/offers", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in body(history)


def test_advertiser_list_searches_sorts_and_filters(admin_client):
    for name, company, country in (("Acme", "Acme Corporation", "US"), ("Bolt", "Bolt Ltd", "GB"), ("Crane", "Acme Subsidiary", "DE")):
        AdvertiserFactory(name=name, company_name=company, country=country)
    AdvertiserFactory(name="Dusty", archived_at=db.func.now())
    db.session.commit()
    html = body(admin_client.get("/admin/advertisers?q=acme"))
    assert re.findall(r'/edit">([^<]+)</a>', html) == ["Acme", "Crane"]
    html = body(admin_client.get("/admin/advertisers?sort=-country"))
    assert re.findall(r'/edit">([^<]+)</a>', html) == ["Acme", "Bolt", "Crane"]
    html = body(admin_client.get("/admin/advertisers?status=archived", headers=HX))
    assert re.findall(r'/edit">([^<]+)</a>', html) == ["Dusty"] and "<html" not in html


# ------------------------------------------------------------ bulk actions


def test_bulk_pause_changes_only_the_selected_offers_and_redraws_the_table(admin_client, many_offers):
    chosen = [many_offers[1].id, many_offers[2].id]
    response = admin_client.post("/admin/offers/bulk", headers=HX, data={
        "ids": [str(i) for i in chosen], "action": "pause", "status": "active", "sort": "-payout"})
    html = body(response)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="offers-table">')
    assert "2 offers changed." in html
    assert many_offers[1].id not in ids_in(html, "offer"), "the table keeps its filter (active only)"
    db.session.expire_all()
    assert [o.id for o in many_offers if not o.active] == sorted([many_offers[5].id, *chosen])


def test_bulk_archive_without_js_redirects_back_with_the_list_state(admin_client, many_offers):
    response = admin_client.post("/admin/offers/bulk", data={"ids": [str(many_offers[7].id)], "action": "archive", "q": "Offer", "page": "2"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/offers?page=2&q=Offer")
    db.session.expire_all()
    assert [o.id for o in many_offers if o.archived_at] == [many_offers[7].id]


def test_bulk_without_a_selection_says_so(admin_client, many_offers):
    response = admin_client.post("/admin/advertisers/bulk", headers=HX, data={"action": "pause"})
    assert response.status_code == 400 and "Select at least one row." in body(response)
    assert db.session.scalar(select(func.count(Advertiser.id)).where(Advertiser.active.is_(False))) == 0


def test_bulk_advertiser_status_change(admin_client, advertiser):
    other = AdvertiserFactory()
    db.session.commit()
    admin_client.post("/admin/advertisers/bulk", data={"ids": [str(advertiser.id)], "action": "pause"})
    db.session.expire_all()
    assert advertiser.active is False and other.active is True


# ------------------------------------------------------------ offer page sections


def event_form(**values):
    return {"code": "reg", "name": "Registration", "description": "", "active": "y", "payout_type": "CPA", "payout": "5",
            "payout_percent": "", "revenue_type": "RPA", "revenue": "10", "revenue_percent": "", **values}


def test_events_are_added_in_place_with_inline_errors(admin_client, offer):
    url = f"/admin/offers/{offer.id}/events"
    response = admin_client.post(url, headers=HX, data=event_form(code="ftd", payout=""))
    html = body(response)
    assert response.status_code == 400 and html.lstrip().startswith('<section id="events">')
    assert "already has an event with this code" in html and "A CPA payout needs an amount." in html
    assert count(OfferEvent) == 1
    response = admin_client.post(url, headers=HX, data=event_form())
    assert response.status_code == 200 and "Event “Registration” is added." in body(response)
    assert count(OfferEvent) == 2


def test_events_are_edited_and_deactivated_in_place(admin_client, offer):
    event = offer.events[0]
    edit = f"/admin/offers/{offer.id}/events/{event.id}/edit"
    html = body(admin_client.get(edit, headers=HX))
    assert f'id="event-{event.id}-code"' in html and 'value="ftd"' in html
    data = {f"event-{event.id}-{k}": v for k, v in event_form(code="ftd", name="FTD", payout_type="CPS", payout_percent="30").items()}
    response = admin_client.post(edit, headers=HX, data=data)
    assert response.status_code == 200
    db.session.expire_all()
    assert event.name == "FTD" and event.payout_percent == Decimal("30") and event.payout == Decimal("0")
    response = admin_client.post(f"/admin/offers/{offer.id}/events/{event.id}/deactivate", headers=HX)
    assert response.status_code == 200 and "Inactive" in body(response)
    db.session.expire_all()
    assert event.active is False


def test_landing_pages_are_added_hidden_and_archived_in_place(admin_client, offer):
    url = f"/admin/offers/{offer.id}/pages"
    response = admin_client.post(url, headers=HX, data={"name": "Promo", "url": "javascript:alert(1)"})
    assert response.status_code == 400 and "http:// or https://" in body(response) and 'value="Promo"' in body(response)
    assert count(LandingPage) == 1
    assert admin_client.post(url, headers=HX, data={"name": "Promo", "url": "https://alpha.example/promo"}).status_code == 200
    page = db.session.scalar(select(LandingPage).where(LandingPage.name == "Promo"))
    html = body(admin_client.post(f"{url}/{page.id}/hide", headers=HX))
    assert html.lstrip().startswith('<section id="pages">') and "Hidden" in html
    admin_client.post(f"{url}/{page.id}/archive", headers=HX)
    db.session.expire_all()
    assert page.hidden and page.archived_at is not None
    response = admin_client.post(f"{url}/{page.id}/archive")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/offers/{offer.id}#pages")


def test_access_requests_are_approved_and_rejected_in_place(admin_client, offer):
    offer.visibility = Visibility.REQUIRES_APPROVAL
    publisher = PublisherFactory(name="Bravo Media")
    access = OfferAccess(offer_id=offer.id, publisher_id=publisher.id)
    db.session.add(access)
    db.session.commit()
    assert "Bravo Media" in body(admin_client.get(f"/admin/offers/{offer.id}"))
    response = admin_client.post(f"/admin/offers/{offer.id}/access/{access.id}/approve", headers=HX)
    assert response.status_code == 200 and body(response).lstrip().startswith('<section id="access">')
    db.session.expire_all()
    assert access.status == AccessStatus.APPROVED and can_promote(publisher.id, offer.id)
    admin_client.post(f"/admin/offers/{offer.id}/access/{access.id}/reject", headers=HX)
    db.session.expire_all()
    assert access.status == AccessStatus.REJECTED and not can_promote(publisher.id, offer.id)


def test_admin_grants_access_directly(admin_client, offer):
    offer.visibility = Visibility.PRIVATE
    publisher = PublisherFactory(name="Charlie Ads")
    db.session.commit()
    response = admin_client.post(f"/admin/offers/{offer.id}/access", headers=HX, data={"publisher_id": ""})
    assert response.status_code == 400 and "Pick a publisher." in body(response)
    response = admin_client.post(f"/admin/offers/{offer.id}/access", headers=HX, data={"publisher_id": str(publisher.id)})
    assert response.status_code == 200 and "Charlie Ads may promote this offer." in body(response)
    assert can_promote(publisher.id, offer.id)


def test_a_section_action_without_js_returns_the_whole_page_on_error(admin_client, offer):
    response = admin_client.post(f"/admin/offers/{offer.id}/events", data=event_form(name=""))
    assert response.status_code == 400 and "<html" in body(response) and "Give the event a name." in body(response)
