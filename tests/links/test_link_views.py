"""Tracking-link pages over HTTP: roles, tenants, the builder and its preview, archive / restore in place."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.links.models import TrackingLink
from portal.types import utcnow
from tests.factories import (
    MarketingSourceFactory,
    OfferFactory,
    TrackingLinkFactory,
)
from tests.links.conftest import grant

HX = {"HX-Request": "true"}


def body(response) -> str:
    return response.get_data(as_text=True)


def link_count() -> int:
    return db.session.scalar(select(func.count(TrackingLink.id)))


@pytest.fixture
def other_publisher_link(app, public_offer):
    link = TrackingLinkFactory(offer=public_offer, name="Their secret link")
    db.session.commit()
    return link


@pytest.fixture
def my_link(publisher, public_offer):
    link = TrackingLinkFactory(publisher=publisher, offer=public_offer, name="My sidebar")
    db.session.commit()
    return link


def form_for(offer, **values):
    return {"offer_id": str(offer.id), "name": "Homepage", "landing_page_id": "", "marketing_source_id": "",
            "creative_id": "", "geo_target": "", **values}


# ------------------------------------------------------------ who may reach what


@pytest.mark.parametrize("role_client", ["admin_client", "advertiser_client"])
def test_other_roles_are_forbidden_on_every_link_route(request, role_client, my_link, public_offer):
    client = request.getfixturevalue(role_client)
    gets = ["/links", "/links/new", f"/links/{my_link.id}/edit", f"/links/offer-options?offer_id={public_offer.id}"]
    posts = ["/links/new", f"/links/{my_link.id}/edit", "/links/preview", f"/links/{my_link.id}/preview",
             f"/links/{my_link.id}/archive", f"/links/{my_link.id}/restore"]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data=form_for(public_offer)).status_code == 403, url
    assert link_count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/links")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_publishers_link_is_404_on_every_route(publisher_client, other_publisher_link, public_offer):
    link_id = other_publisher_link.id
    assert publisher_client.get(f"/links/{link_id}/edit").status_code == 404
    for url in (f"/links/{link_id}/edit", f"/links/{link_id}/preview", f"/links/{link_id}/archive", f"/links/{link_id}/restore"):
        assert publisher_client.post(url, data=form_for(public_offer, name="Hijacked")).status_code == 404, url
    db.session.refresh(other_publisher_link)
    assert other_publisher_link.name == "Their secret link" and other_publisher_link.archived_at is None


def test_the_list_never_shows_another_publishers_links_or_counts_them(publisher_client, my_link, other_publisher_link):
    page = body(publisher_client.get("/links?status=all"))
    assert "My sidebar" in page and my_link.public_id in page
    assert "Their secret link" not in page and other_publisher_link.public_id not in page
    assert "1 link<" in page
    searched = body(publisher_client.get(f"/links?q={other_publisher_link.public_id}", headers=HX))
    assert other_publisher_link.public_id not in searched and "0 links" in searched


# ------------------------------------------------------------ the list


def test_the_list_is_a_full_page_and_the_table_partial_for_htmx(publisher_client, my_link):
    full = publisher_client.get("/links")
    assert full.status_code == 200 and "<html" in body(full) and 'id="links-table"' in body(full)
    assert "HX-Request" in full.headers["Vary"]
    partial = publisher_client.get("/links", headers=HX)
    assert partial.status_code == 200 and "<html" not in body(partial)
    assert body(partial).lstrip().startswith('<div id="links-table">') and "My sidebar" in body(partial)
    assert "HX-Request" in partial.headers["Vary"]


def test_a_history_restore_gets_the_full_page(publisher_client, my_link):
    response = publisher_client.get("/links", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in body(response)


def test_search_and_filters_come_from_the_query_string(publisher_client, publisher, public_offer):
    other_offer = OfferFactory(name="Zulu Bingo")
    source = MarketingSourceFactory(publisher=publisher, name="Newsletter")
    TrackingLinkFactory(publisher=publisher, offer=public_offer, name="Sidebar banner", marketing_source=source)
    TrackingLinkFactory(publisher=publisher, offer=other_offer, name="Footer text", public_id="FindMe_by_id1234")
    TrackingLinkFactory(publisher=publisher, offer=public_offer, name="Old banner", archived_at=utcnow())
    db.session.commit()

    def names(query: str) -> set[str]:
        page = body(publisher_client.get("/links" + query, headers=HX))
        return {name for name in ("Sidebar banner", "Footer text", "Old banner") if f"<td>{name}</td>" in page}

    assert names("") == {"Sidebar banner", "Footer text"}
    assert names("?q=banner") == {"Sidebar banner"}
    assert names("?q=banner&status=all") == {"Sidebar banner", "Old banner"}
    assert names("?status=archived") == {"Old banner"}
    assert names("?q=findme_BY") == {"Footer text"}
    assert names(f"?offer={other_offer.id}") == {"Footer text"}
    assert names(f"?source={source.id}") == {"Sidebar banner"}
    # A value that is not one of the choices is ignored, not trusted.
    assert names("?offer=999999&source=abc&status=weird") == {"Sidebar banner", "Footer text"}
    full = body(publisher_client.get(f"/links?q=banner&offer={public_offer.id}"))
    assert 'value="banner"' in full and f'<option selected value="{public_offer.id}">' in full


def test_the_source_filter_never_lists_another_publishers_sources(publisher_client):
    MarketingSourceFactory(name="Their newsletter")
    db.session.commit()
    assert "Their newsletter" not in body(publisher_client.get("/links"))


def test_the_list_pages_and_keeps_its_filters_in_the_pager(publisher_client, publisher, public_offer):
    for n in range(27):
        TrackingLinkFactory(publisher=publisher, offer=public_offer, name=f"Banner {n}")
    db.session.commit()
    first = body(publisher_client.get("/links?q=banner"))
    assert "27 links · page 1 of 2" in first
    assert "/links?page=2&amp;q=banner" in first
    second = body(publisher_client.get("/links?q=banner&page=2", headers=HX))
    assert second.count('<tr id="link-') == 2
    assert publisher_client.get("/links?page=99").status_code == 200


# ------------------------------------------------------------ the builder


def test_the_builder_offers_only_promotable_offers_and_visible_pages(publisher_client, public_offer, private_offer):
    response = publisher_client.get(f"/links/new?offer={public_offer.id}")
    page = body(response)
    assert response.status_code == 200 and "<html" in page
    assert "Alpha Casino" in page and "Bravo Private" not in page
    assert "Welcome page" in page and "Secret page" not in page and "Leaderboard" in page
    assert 'hx-trigger="input changed delay:300ms' in page
    assert "/api/v1/track/click/LINK_ID" in page and 'data-copy-target="#link-preview-url"' in page


def test_creating_a_link_without_js_redirects_to_it_with_the_real_id(publisher_client, publisher, public_offer):
    page = public_offer.landing_pages[0]
    response = publisher_client.post("/links/new", data=form_for(public_offer, landing_page_id=str(page.id), sub1="fb", geo_target="gb"))
    assert response.status_code == 302
    link = db.session.scalar(select(TrackingLink))
    assert (link.publisher_id, link.offer_id, link.landing_page_id, link.geo_target) == (publisher.id, public_offer.id, page.id, "GB")
    assert response.headers["Location"].startswith(f"/links/{link.id}/edit?sub1=fb")
    edit = body(publisher_client.get(response.headers["Location"]))
    assert f"http://localhost/api/v1/track/click/{link.public_id}?sub1=fb" in edit
    assert "is ready" in edit and "LINK_ID" not in edit


def test_creating_a_link_with_htmx_swaps_in_the_saved_builder(publisher_client, public_offer):
    response = publisher_client.post("/links/new", data=form_for(public_offer, sub2="x y"), headers=HX)
    assert response.status_code == 201
    link = db.session.scalar(select(TrackingLink))
    page = body(response)
    assert "<html" not in page and page.lstrip().startswith('<form id="link-builder"')
    assert f"/api/v1/track/click/{link.public_id}?sub2=x+y" in page
    assert response.headers["HX-Push-Url"] == f"/links/{link.id}/edit"
    assert f'action="/links/{link.id}/edit"' in page


def test_a_private_offer_without_approved_access_cannot_get_a_link(publisher_client, publisher, private_offer):
    response = publisher_client.post("/links/new", data=form_for(private_offer))
    assert response.status_code == 400
    assert "Not a valid choice" in body(response)
    assert link_count() == 0
    grant(private_offer, publisher)
    assert publisher_client.post("/links/new", data=form_for(private_offer)).status_code == 302
    assert link_count() == 1


def test_invalid_builder_input_is_400_with_inline_errors_keeping_what_was_typed(publisher_client, public_offer):
    data = form_for(public_offer, name="My <b>link</b>", geo_target="ZZ", relativepath="../etc", sub3="s" * 256)
    response = publisher_client.post("/links/new", data=data, headers=HX)
    page = body(response)
    assert response.status_code == 400 and "<html" not in page
    assert 'value="My &lt;b&gt;link&lt;/b&gt;"' in page
    assert "relativepath may contain only" in page
    assert "Field cannot be longer than 255 characters." in page
    assert link_count() == 0
    geo = publisher_client.post("/links/new", data=form_for(public_offer, geo_target="ZZ"))
    assert geo.status_code == 400 and "ISO 3166" in body(geo) and 'value="ZZ"' in body(geo)
    assert link_count() == 0


def test_a_hidden_landing_page_cannot_be_picked(publisher_client, public_offer):
    hidden = next(page for page in public_offer.landing_pages if page.hidden)
    response = publisher_client.post("/links/new", data=form_for(public_offer, landing_page_id=str(hidden.id)))
    assert response.status_code == 400 and link_count() == 0


def test_another_publishers_source_cannot_tag_my_link(publisher_client, public_offer):
    theirs = MarketingSourceFactory()
    db.session.commit()
    response = publisher_client.post("/links/new", data=form_for(public_offer, marketing_source_id=str(theirs.id)))
    assert response.status_code == 400 and link_count() == 0


def test_without_js_the_refresh_button_redraws_the_builder_for_the_new_offer(publisher_client, public_offer):
    response = publisher_client.post("/links/new", data={"offer_id": str(public_offer.id), "refresh": "1", "name": "Kept"})
    page = body(response)
    assert response.status_code == 200 and "Welcome page" in page and 'value="Kept"' in page
    assert link_count() == 0


def test_offer_options_answer_the_pages_and_creatives_of_a_promotable_offer_only(publisher_client, public_offer, private_offer):
    response = publisher_client.get(f"/links/offer-options?offer_id={public_offer.id}")
    page = body(response)
    assert response.status_code == 200 and page.lstrip().startswith('<div id="offer-options">')
    assert "Welcome page" in page and "Leaderboard" in page and "Secret page" not in page
    assert response.headers["HX-Trigger-After-Settle"] == "links:options-changed"
    assert publisher_client.get(f"/links/offer-options?offer_id={private_offer.id}").status_code == 404


def test_editing_a_link_keeps_its_public_id(publisher_client, my_link, public_offer):
    form = publisher_client.get(f"/links/{my_link.id}/edit")
    assert form.status_code == 200 and f"/api/v1/track/click/{my_link.public_id}" in body(form)
    saved = publisher_client.post(f"/links/{my_link.id}/edit", data=form_for(public_offer, name="Renamed", geo_target="de"), headers=HX)
    assert saved.status_code == 200 and "Saved." in body(saved) and "<html" not in body(saved)
    db.session.refresh(my_link)
    assert (my_link.name, my_link.geo_target) == ("Renamed", "DE")
    redirected = publisher_client.post(f"/links/{my_link.id}/edit", data=form_for(public_offer, name="Again"))
    assert redirected.status_code == 302 and redirected.headers["Location"] == f"/links/{my_link.id}/edit"


def test_editing_a_link_to_a_forbidden_offer_is_refused(publisher_client, my_link, private_offer):
    response = publisher_client.post(f"/links/{my_link.id}/edit", data=form_for(private_offer, name="Moved"))
    assert response.status_code == 400
    db.session.refresh(my_link)
    assert my_link.offer_id != private_offer.id and my_link.name == "My sidebar"


def test_an_archived_link_cannot_be_edited_until_restored(publisher_client, my_link, public_offer):
    my_link.archived_at = utcnow()
    db.session.commit()
    response = publisher_client.post(f"/links/{my_link.id}/edit", data=form_for(public_offer, name="Nope"))
    assert response.status_code == 400 and "restore it" in body(response)


# ------------------------------------------------------------ the preview


def test_the_preview_builds_the_final_url_with_subs_and_relative_path(publisher_client, public_offer):
    page = public_offer.landing_pages[0]
    data = form_for(public_offer, landing_page_id=str(page.id), sub1="fb", sub5="summer sale", relativepath="promo/spring")
    response = publisher_client.post("/links/preview", data=data, headers=HX)
    html = body(response)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="link-preview"')
    assert 'value="http://localhost/api/v1/track/click/LINK_ID?sub1=fb&amp;sub5=summer+sale&amp;relativepath=promo%2Fspring"' in html
    assert "https://alpha.example/welcome?src=aff" in html.replace("&amp;", "&")
    assert 'data-copy-target="#link-preview-url"' in html


def test_the_preview_of_a_saved_link_uses_its_real_id(publisher_client, my_link, public_offer):
    html = body(publisher_client.post(f"/links/{my_link.id}/preview", data=form_for(public_offer, sub1="a"), headers=HX))
    assert f"/api/v1/track/click/{my_link.public_id}?sub1=a" in html and "LINK_ID" not in html


def test_the_preview_escapes_sub_values(publisher_client, public_offer):
    html = body(publisher_client.post("/links/preview", data=form_for(public_offer, sub1="<script>alert(1)</script>", sub2='"><img src=x>')))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "sub1=%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in html


def test_the_preview_leaves_out_a_refused_relative_path_and_says_why(publisher_client, public_offer):
    html = body(publisher_client.post("/links/preview", data=form_for(public_offer, relativepath="../../evil", sub1="ok")))
    assert "relativepath=" not in html and "sub1=ok" in html
    assert "relativepath may contain only" in html


def test_the_preview_uses_public_base_url_when_configured(app, publisher_client, public_offer):
    app.config["PUBLIC_BASE_URL"] = "https://track.example.net"
    try:
        html = body(publisher_client.post("/links/preview", data=form_for(public_offer)))
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert 'value="https://track.example.net/api/v1/track/click/LINK_ID"' in html


def test_the_preview_never_shows_a_forbidden_offers_destination(publisher_client, private_offer):
    html = body(publisher_client.post("/links/preview", data=form_for(private_offer)))
    assert "casino.example" not in html


def test_posts_without_a_csrf_token_are_refused(publisher_client, public_offer, my_link):
    assert publisher_client.post("/links/new", data=form_for(public_offer), csrf=False).status_code == 400
    assert publisher_client.post(f"/links/{my_link.id}/archive", csrf=False).status_code == 400
    assert link_count() == 1


# ------------------------------------------------------------ archive and restore in place


def test_archive_and_restore_swap_the_row_in_place(publisher_client, my_link):
    archived = publisher_client.post(f"/links/{my_link.id}/archive", headers=HX)
    html = body(archived)
    assert archived.status_code == 200 and html.lstrip().startswith(f'<tr id="link-{my_link.id}"')
    assert "Restore" in html and "<html" not in html
    db.session.refresh(my_link)
    assert my_link.archived_at is not None
    restored = publisher_client.post(f"/links/{my_link.id}/restore", headers=HX)
    assert restored.status_code == 200 and "Archive" in body(restored)
    db.session.refresh(my_link)
    assert my_link.archived_at is None


def test_archive_without_js_redirects_back_to_the_list(publisher_client, my_link):
    response = publisher_client.post(f"/links/{my_link.id}/archive")
    assert response.status_code == 302 and response.headers["Location"] == "/links"
    assert "is archived" in body(publisher_client.get("/links"))


def test_a_link_for_an_offer_no_longer_promotable_cannot_be_restored(publisher_client, publisher, private_offer):
    link = TrackingLinkFactory(publisher=publisher, offer=private_offer, archived_at=utcnow())
    db.session.commit()
    response = publisher_client.post(f"/links/{link.id}/restore", headers=HX)
    assert response.status_code == 400 and "no longer promote" in body(response)
    db.session.refresh(link)
    assert link.archived_at is not None
