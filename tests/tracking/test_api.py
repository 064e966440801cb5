from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.subids.models import BlockedSubId
from portal.tracking.api import PIXEL
from portal.tracking.jobs import flush_clicks, flush_impressions
from portal.tracking.models import Click, ImpressionCount, UnattributedImpressionCount
from tests.factories import (
    CreativeFactory,
    LandingPageFactory,
    OfferFactory,
    TrackingLinkFactory,
)
from tests.tracking.conftest import browser


def stored_clicks():
    flush_clicks()
    return db.session.scalars(select(Click).order_by(Click.created_at)).all()


def test_click_redirects_to_destination_with_click_id(client, link):
    response = browser(client, f"/api/v1/track/click/{link.public_id}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("brand.example", "/join")
    query = parse_qs(location.query)
    assert query["utm_source"] == ["aff"] and query["lang"] == ["en"]
    [click] = stored_clicks()
    assert query["click_id"] == [str(click.click_id)]
    assert click.link_id == link.id and click.publisher_id == link.publisher_id and click.offer_id == link.offer_id
    assert "no-store" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_click_ids_are_time_ordered_uuids(client, link):
    for _ in range(3):
        browser(client, f"/api/v1/track/click/{link.public_id}")
    ids = [c.click_id for c in stored_clicks()]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)


def test_landing_page_wins_over_offer_destination(client, app):
    offer = OfferFactory(destination_url="https://brand.example/default")
    page = LandingPageFactory(offer=offer, url="https://brand.example/lp/spring?promo=1")
    link = TrackingLinkFactory(offer=offer, landing_page=page)
    db.session.commit()
    location = urlsplit(browser(client, f"/api/v1/track/click/{link.public_id}").headers["Location"])
    assert location.path == "/lp/spring" and parse_qs(location.query)["promo"] == ["1"]


def test_sub_ids_and_visitor_details_are_stored_as_given(client, link):
    payload = "<script>alert(1)</script>"
    browser(
        client,
        f"/api/v1/track/click/{link.public_id}?sub1=news&sub2=%3Dcmd|'/c calc'!A1&sub3={payload}&sub5=z",
        Referer="https://blog.example/post",
    )
    [click] = stored_clicks()
    assert (click.sub1, click.sub2, click.sub3, click.sub4, click.sub5) == ("news", "=cmd|'/c calc'!A1", payload, "", "z")
    assert click.referrer == "https://blog.example/post"
    assert len(click.ip_hash) == 64 and "127.0.0.1" not in click.ip_hash


def test_sub_id_over_255_characters_is_truncated_flagged_and_redirected(client, link):
    response = browser(client, f"/api/v1/track/click/{link.public_id}?sub1={'a' * 256}&sub4={'b' * 3000}&sub5=ok")
    assert response.status_code == 302
    [click] = stored_clicks()
    assert parse_qs(urlsplit(response.headers["Location"]).query)["click_id"] == [str(click.click_id)]
    assert (click.sub1, click.sub4, click.sub5) == ("a" * 255, "b" * 255, "ok")
    assert click.subs_truncated and not click.is_blocked


def test_sub_ids_within_255_characters_are_not_flagged(client, link):
    browser(client, f"/api/v1/track/click/{link.public_id}?sub1={'a' * 255}")
    [click] = stored_clicks()
    assert click.sub1 == "a" * 255 and not click.subs_truncated


def test_sub_id_with_a_nul_byte_stays_a_400_page_naming_the_field(client, link):
    response = browser(client, f"/api/v1/track/click/{link.public_id}?sub2=a%00b")
    assert response.status_code == 400
    assert "Location" not in response.headers and b"sub2" in response.data
    assert stored_clicks() == []


def test_a_click_with_a_truncated_and_a_blocked_sub_id_still_goes_to_the_fallback(client, app):
    offer = OfferFactory(fallback_url="https://brand.example/fallback")
    link = TrackingLinkFactory(offer=offer)
    db.session.add(BlockedSubId(publisher_id=link.publisher_id, offer_id=offer.id, sub_id="fraudy"))
    db.session.commit()
    response = browser(client, f"/api/v1/track/click/{link.public_id}?sub1={'z' * 300}&sub2=fraudy")
    assert response.headers["Location"] == "https://brand.example/fallback"
    [click] = stored_clicks()
    assert click.is_blocked and click.subs_truncated


def test_redis_down_stores_the_truncated_flag_straight_in_the_database(client, link, dead_redis):
    assert browser(client, f"/api/v1/track/click/{link.public_id}?sub3={'c' * 400}").status_code == 302
    click = db.session.scalars(select(Click)).one()
    assert click.sub3 == "c" * 255 and click.subs_truncated


def test_relative_path_deep_links_on_the_destination_host(client, link):
    response = browser(client, f"/api/v1/track/click/{link.public_id}?relativepath=games/slots.html")
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("brand.example", "/join/games/slots.html")


@pytest.mark.parametrize("path", ["../../etc/passwd", "//evil.example", "a/..", "x%3Fy", "https://evil.example/x"])
def test_bad_relative_path_is_a_400_page_never_a_redirect(client, link, path):
    response = browser(client, f"/api/v1/track/click/{link.public_id}", query_string=None) if False else client.get(
        f"/api/v1/track/click/{link.public_id}", query_string={"relativepath": path}, headers={"User-Agent": "Mozilla/5.0"}
    )
    if path == "//evil.example":
        # allowed characters only: it becomes a path on the destination host
        assert urlsplit(response.headers["Location"]).netloc == "brand.example"
        return
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert b"malformed" in response.data


def test_unknown_link_is_a_404_page(client):
    response = browser(client, "/api/v1/track/click/does-not-exist")
    assert response.status_code == 404
    assert b"not available" in response.data


def test_archived_link_goes_to_the_offer_fallback_when_it_has_one(client, app):
    offer = OfferFactory(fallback_url="https://brand.example/other-offers")
    archived = TrackingLinkFactory(offer=offer, archived_at=datetime.now(UTC))
    no_fallback = TrackingLinkFactory(archived_at=datetime.now(UTC))
    db.session.commit()
    response = browser(client, f"/api/v1/track/click/{archived.public_id}")
    assert response.status_code == 302 and response.headers["Location"] == "https://brand.example/other-offers"
    assert browser(client, f"/api/v1/track/click/{no_fallback.public_id}").status_code == 404
    assert stored_clicks() == []


def test_unique_flag_marks_the_first_click_per_visitor_and_link_within_a_day(client, link, app):
    other = TrackingLinkFactory()
    db.session.commit()
    for _ in range(3):
        browser(client, f"/api/v1/track/click/{link.public_id}")
    browser(client, f"/api/v1/track/click/{other.public_id}")
    client.get(f"/api/v1/track/click/{link.public_id}", environ_base={"REMOTE_ADDR": "10.9.8.7"}, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"})
    clicks = stored_clicks()
    on_link = [c.is_unique for c in clicks if c.link_id == link.id]
    assert on_link == [True, False, False, True]
    assert [c.is_unique for c in clicks if c.link_id == other.id] == [True]


def test_bots_are_redirected_and_flagged(client, link):
    response = client.get(f"/api/v1/track/click/{link.public_id}", headers={"User-Agent": "Googlebot/2.1"})
    assert response.status_code == 302 and "click_id=" in response.headers["Location"]
    human = browser(client, f"/api/v1/track/click/{link.public_id}")
    assert human.status_code == 302
    bot_click, human_click = stored_clicks()
    assert bot_click.is_bot and not bot_click.is_unique
    assert not human_click.is_bot and human_click.is_unique  # a bot never uses up the visitor's unique click


def test_blocked_sub_id_goes_to_fallback_without_click_id_and_is_recorded(client, app):
    offer = OfferFactory(fallback_url="https://brand.example/fallback")
    link = TrackingLinkFactory(offer=offer)
    db.session.add(BlockedSubId(publisher_id=link.publisher_id, offer_id=offer.id, sub_id="fraudy", description="incentivised"))
    db.session.commit()
    response = browser(client, f"/api/v1/track/click/{link.public_id}?sub2=fraudy")
    assert response.headers["Location"] == "https://brand.example/fallback"
    allowed = browser(client, f"/api/v1/track/click/{link.public_id}?sub2=fine")
    assert "click_id=" in allowed.headers["Location"]
    blocked, fine = stored_clicks()
    assert blocked.is_blocked and blocked.sub2 == "fraudy"
    assert not fine.is_blocked


def test_blocked_sub_id_only_applies_to_its_publisher_and_offer(client, app):
    link = TrackingLinkFactory()
    other_offer = OfferFactory()
    db.session.add(BlockedSubId(publisher_id=link.publisher_id, offer_id=other_offer.id, sub_id="fraudy"))
    db.session.commit()
    assert "click_id=" in browser(client, f"/api/v1/track/click/{link.public_id}?sub1=fraudy").headers["Location"]


def test_redis_down_writes_the_click_straight_to_the_database(client, link, dead_redis):
    first = browser(client, f"/api/v1/track/click/{link.public_id}?sub1=a")
    second = browser(client, f"/api/v1/track/click/{link.public_id}?sub1=b")
    assert first.status_code == second.status_code == 302
    clicks = db.session.scalars(select(Click).order_by(Click.created_at)).all()
    assert [c.sub1 for c in clicks] == ["a", "b"]
    assert [c.is_unique for c in clicks] == [True, False]
    assert parse_qs(urlsplit(first.headers["Location"]).query)["click_id"] == [str(clicks[0].click_id)]


def test_impression_pixel_is_a_transparent_gif_with_no_cache_headers(client, banner_link):
    link, creative = banner_link
    response = client.get(f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}")
    assert response.status_code == 200
    assert response.data == PIXEL and response.data.startswith(b"GIF89a") and len(response.data) == 43
    assert response.headers["Content-Type"] == "image/gif"
    assert "no-store" in response.headers["Cache-Control"] and response.headers["Pragma"] == "no-cache"
    assert "Set-Cookie" not in response.headers


def test_impressions_are_counted_per_hour_after_flush(client, banner_link):
    link, creative = banner_link
    for _ in range(5):
        client.get(f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}")
    assert flush_impressions() == 5
    [row] = db.session.scalars(select(ImpressionCount)).all()
    assert (row.creative_id, row.link_id, row.publisher_id, row.count) == (creative.id, link.id, link.publisher_id, 5)
    assert row.hour.minute == 0 and row.hour.second == 0


def unattributed():
    rows = db.session.scalars(select(UnattributedImpressionCount)).all()
    return {row.creative_id: row.count for row in rows}


def test_impressions_that_do_not_match_are_answered_and_counted_unattributed(client, banner_link, app):
    link, creative = banner_link
    foreign_creative = CreativeFactory()
    db.session.commit()
    urls = [
        f"/api/v1/track/impression/unknown?lid={link.public_id}&aid={link.publisher_id}",
        f"/api/v1/track/impression/{creative.public_id}?lid=unknown&aid={link.publisher_id}",
        f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id + 1}",
        f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid=abc",
        f"/api/v1/track/impression/{creative.public_id}",
        f"/api/v1/track/impression/{foreign_creative.public_id}?lid={link.public_id}&aid={link.publisher_id}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.data == PIXEL
    assert flush_impressions() == 5  # all but the unknown creative's
    assert db.session.scalar(select(func.count()).select_from(ImpressionCount)) == 0
    assert unattributed() == {creative.id: 4, foreign_creative.id: 1}
    [row] = [r for r in db.session.scalars(select(UnattributedImpressionCount)) if r.creative_id == creative.id]
    assert row.hour.minute == 0 and row.hour.second == 0


def test_unattributed_impressions_add_up_across_flushes_beside_attributed_ones(client, banner_link):
    link, creative = banner_link
    good = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    stray = f"/api/v1/track/impression/{creative.public_id}?lid=nope"
    for url in (good, stray, stray):
        client.get(url)
    assert flush_impressions() == 3
    client.get(stray)
    assert flush_impressions() == 1
    assert db.session.scalar(select(ImpressionCount.count)) == 1
    assert unattributed() == {creative.id: 3}


def test_redis_down_counts_unattributed_impressions_straight_in_the_database(client, banner_link, dead_redis):
    link, creative = banner_link
    for _ in range(2):
        assert client.get(f"/api/v1/track/impression/{creative.public_id}?aid={link.publisher_id}").status_code == 200
    assert unattributed() == {creative.id: 2}
    assert db.session.scalar(select(func.count()).select_from(ImpressionCount)) == 0


def test_redis_down_counts_impressions_straight_in_the_database(client, banner_link, dead_redis):
    link, creative = banner_link
    for _ in range(2):
        assert client.get(f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}").status_code == 200
    assert db.session.scalar(select(ImpressionCount.count)) == 2


def test_country_comes_from_the_configured_proxy_header_only(client, link, app, monkeypatch):
    browser(client, f"/api/v1/track/click/{link.public_id}", **{"CF-IPCountry": "de"})
    monkeypatch.setitem(app.config, "GEO_COUNTRY_HEADER", "CF-IPCountry")
    browser(client, f"/api/v1/track/click/{link.public_id}", **{"CF-IPCountry": "de"})
    browser(client, f"/api/v1/track/click/{link.public_id}", **{"CF-IPCountry": "<b>"})
    assert [c.country for c in stored_clicks()] == ["", "DE", ""]


def test_the_visitor_ip_comes_from_trusted_proxies_only(client, link, app):
    browser(client, f"/api/v1/track/click/{link.public_id}", **{"X-Forwarded-For": "198.51.100.7"})
    browser(client, f"/api/v1/track/click/{link.public_id}", **{"X-Forwarded-For": "198.51.100.8"})
    first, second = stored_clicks()
    assert first.ip_hash == second.ip_hash  # untrusted header ignored: both are the test client's address
    assert not second.is_unique
