"""Seed 000, "Click tracking" and "Impression Tracking": the documented requests and what they answer.

Each test is one row of the seed's reference, asserted against the app through the Flask test client
(codes, headers, redirect targets), plus what the flush stores for it."""
from __future__ import annotations

import struct
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.links.click_params import MAX_SUB_LENGTH
from portal.reports.query import ReportQuery, run
from portal.reports.rollups import refresh_rollups
from portal.tracking.jobs import flush_clicks, flush_impressions
from portal.tracking.models import Click, ImpressionCount, UnattributedImpressionCount
from portal.tracking.targets import clear_cache
from portal.types import utcnow
from tests.factories import CreativeFactory, OfferFactory, TrackingLinkFactory

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"}
CLICK = "/api/v1/track/click/{}"
IMPRESSION = "/api/v1/track/impression/{}"


@pytest.fixture(autouse=True)
def fresh_cache(app):
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def banner(app):
    """A live link of an offer with a banner creative: the seed's embed code puts both in one snippet."""
    offer = OfferFactory(destination_url="https://brand.example/casino?lang=en")
    creative = CreativeFactory(offer=offer)
    link = TrackingLinkFactory(offer=offer, creative=creative)
    db.session.commit()
    return link, creative


def stored_clicks() -> list[Click]:
    flush_clicks()
    db.session.expire_all()
    return list(db.session.scalars(select(Click).order_by(Click.created_at)))


def embed_pixel(creative, link, aid=None) -> str:
    """The pixel URL exactly as the seed's example embed code writes it."""
    return IMPRESSION.format(creative.public_id) + f"?lid={link.public_id}&aid={link.publisher_id if aid is None else aid}"


# --- GET /track/click/{linkId} ------------------------------------------------------------------------


def test_click_is_public_and_answers_302_to_the_destination_with_click_id_appended(client, banner):
    link, _ = banner
    response = client.get(CLICK.format(link.public_id), headers=BROWSER)  # no X-API-Key: the endpoint is public
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "brand.example", "/casino")
    query = parse_qs(location.query)
    assert query["lang"] == ["en"]
    [click] = stored_clicks()
    assert query["click_id"] == [str(click.click_id)]
    assert "no-store" in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers


def test_click_twice_the_same_url_from_the_embed_code_gives_two_redirects(client, banner):
    link, _ = banner
    for _ in range(2):  # the second is served by the fast path from the warm cache
        assert client.get(f"https://revvvs.com{CLICK.format(link.public_id)}", headers=BROWSER).status_code == 302
    assert len(stored_clicks()) == 2


def test_click_sub1_to_sub5_are_optional_and_logged_with_the_click(client, banner):
    link, _ = banner
    query = "&".join(f"sub{n}=s{n}" for n in range(1, 6))
    assert client.get(f"{CLICK.format(link.public_id)}?{query}", headers=BROWSER).status_code == 302
    [click] = stored_clicks()
    assert (click.sub1, click.sub2, click.sub3, click.sub4, click.sub5) == ("s1", "s2", "s3", "s4", "s5")
    assert not click.subs_truncated


def test_click_sub_id_over_the_maximum_is_truncated_and_flagged_never_a_400(client, banner):
    link, _ = banner
    long_sub = "x" * (MAX_SUB_LENGTH + 45)
    for _ in range(2):  # cold (Flask routes) and warm (fast path) answer alike
        response = client.get(f"{CLICK.format(link.public_id)}?sub2={long_sub}&sub3=kept", headers=BROWSER)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).netloc == "brand.example"
    for click in stored_clicks():
        assert (click.sub2, click.sub3, click.subs_truncated) == ("x" * MAX_SUB_LENGTH, "kept", True)


def test_click_relativepath_is_appended_to_the_destination_path_before_redirecting(client, banner):
    link, _ = banner
    response = client.get(f"{CLICK.format(link.public_id)}?relativepath=games/slots_1.html", headers=BROWSER)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("brand.example", "/casino/games/slots_1.html")
    assert "click_id" in parse_qs(location.query) and "lang" in parse_qs(location.query)


@pytest.mark.parametrize("path", ["../admin", "a?b", "https://evil.example/x", "a b"])
def test_click_relativepath_outside_the_allowed_characters_is_refused_naming_the_field(client, banner, path):
    link, _ = banner
    response = client.get(CLICK.format(link.public_id), query_string={"relativepath": path}, headers=BROWSER)
    assert response.status_code == 400
    assert "Location" not in response.headers and b"relativepath" in response.data
    assert stored_clicks() == []


def test_click_on_an_unknown_link_is_a_404_never_a_5xx(client):
    response = client.get(CLICK.format("no-such-link"), headers=BROWSER)
    assert response.status_code == 404 and "Location" not in response.headers


# --- GET /track/impression/{creativeId} ---------------------------------------------------------------


def test_impression_returns_a_1x1_transparent_gif_with_no_cache_headers(client, banner):
    link, creative = banner
    response = client.get(embed_pixel(creative, link))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/gif"
    assert response.data[:6] == b"GIF89a" and struct.unpack("<HH", response.data[6:10]) == (1, 1)
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert "no-store" in response.headers["Cache-Control"] and response.headers["Pragma"] == "no-cache"
    assert "Set-Cookie" not in response.headers


def test_impressions_are_buffered_then_flushed_and_reach_banner_view_count(client, banner):
    link, creative = banner
    for _ in range(3):
        assert client.get(embed_pixel(creative, link)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ImpressionCount)) == 0  # buffered
    assert flush_impressions() == 3
    refresh_rollups()
    db.session.expire_all()
    today = utcnow().date()
    query = ReportQuery(dimensions=["date"], metrics=["banner_view_count"], date_range="custom",
                        start_date=today - timedelta(days=1), end_date=today, publisher_id=link.publisher_id)  # fmt: skip
    assert run(query).totals[0].metrics["banner_view_count"] == 3


@pytest.mark.parametrize("lid, aid", [("unknown", None), (None, "999999"), (None, "abc"), ("", "")])
def test_impression_whose_lid_or_aid_do_not_match_is_answered_and_counted_unattributed(client, banner, lid, aid):
    link, creative = banner
    url = IMPRESSION.format(creative.public_id) + f"?lid={link.public_id if lid is None else lid}"
    url += f"&aid={link.publisher_id if aid is None else aid}"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/gif"
    assert flush_impressions() == 2
    assert db.session.scalar(select(func.count()).select_from(ImpressionCount)) == 0
    row = db.session.scalars(select(UnattributedImpressionCount)).one()
    assert (row.creative_id, row.count) == (creative.id, 2)


def test_impression_of_an_unknown_creative_still_gets_the_gif_and_is_counted_nowhere(client, banner):
    link, _ = banner
    response = client.get(IMPRESSION.format("no-such-creative") + f"?lid={link.public_id}&aid={link.publisher_id}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/gif"
    assert flush_impressions() == 0
