"""The fast path answers warm clicks and pixels itself and hands everything else to the Flask routes;
both must give the visitor the same answer and store the same click."""
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.subids.models import BlockedSubId
from portal.tracking.api import PIXEL
from portal.tracking.jobs import flush_clicks, flush_impressions
from portal.tracking.models import Click, ImpressionCount, UnattributedImpressionCount
from tests.factories import OfferFactory, TrackingLinkFactory
from tests.tracking.conftest import BROWSER_UA, browser


@pytest.fixture
def delegated(app, monkeypatch):
    """The URLs the fast path handed to the Flask tracking app, in order."""
    from portal.tracking import fastpath

    seen: list[str] = []
    original = fastpath.FastTracking.__call__

    def spy(self, environ, start_response):
        inner = self.delegate

        def delegate(env, respond):
            seen.append(env["PATH_INFO"])
            return inner(env, respond)

        self.delegate = delegate
        try:
            return original(self, environ, start_response)
        finally:
            self.delegate = inner

    monkeypatch.setattr(fastpath.FastTracking, "__call__", spy)
    return seen


def stored_clicks():
    flush_clicks()
    return db.session.scalars(select(Click).order_by(Click.created_at)).all()


def test_a_warm_click_is_answered_like_a_cold_one(client, link, delegated, app, monkeypatch):
    monkeypatch.setitem(app.config, "GEO_COUNTRY_HEADER", "CF-IPCountry")
    url = f"/api/v1/track/click/{link.public_id}?sub1=a%20b&sub2=%3Cscript%3E&sub1=ignored&relativepath=promo/x.html"
    headers = {"Referer": "https://blog.example/post", "CF-IPCountry": "se", "X-Request-ID": "trace-1234"}
    cold = browser(client, url, **headers)
    warm = browser(client, url, **headers)
    assert delegated == [urlsplit(url).path]  # only the first went through Flask
    assert cold.status_code == warm.status_code == 302
    first, second = stored_clicks()
    for response, click in ((cold, first), (warm, second)):
        location = urlsplit(response.headers["Location"])
        assert (location.netloc, location.path) == ("brand.example", "/join/promo/x.html")
        assert parse_qs(location.query)["click_id"] == [str(click.click_id)]
        assert "no-store" in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers
        assert response.headers["X-Request-ID"] == "trace-1234"
    same = ("link_id", "publisher_id", "offer_id", "sub1", "sub2", "country", "user_agent", "referrer", "ip_hash", "is_bot")
    assert {f: getattr(first, f) for f in same} == {f: getattr(second, f) for f in same}
    assert (second.sub1, second.sub2, second.country, second.user_agent) == ("a b", "<script>", "SE", BROWSER_UA)
    assert first.is_unique and not second.is_unique


@pytest.mark.parametrize(
    "query, status",
    [("relativepath=../admin", 400), ("sub3=a%00b", 400), ("sub2=fraudy", 302)],
)
def test_warm_clicks_with_refused_or_blocked_arguments_go_through_flask(client, app, delegated, query, status):
    offer = OfferFactory(fallback_url="https://brand.example/fallback")
    link = TrackingLinkFactory(offer=offer)
    db.session.add(BlockedSubId(publisher_id=link.publisher_id, offer_id=offer.id, sub_id="fraudy"))
    db.session.commit()
    browser(client, f"/api/v1/track/click/{link.public_id}")  # warms the cache
    response = browser(client, f"/api/v1/track/click/{link.public_id}?{query}")
    assert len(delegated) == 2 and response.status_code == status
    if status == 302:
        assert response.headers["Location"] == "https://brand.example/fallback"


def test_head_requests_and_unknown_links_go_through_flask(client, link, delegated):
    browser(client, f"/api/v1/track/click/{link.public_id}")
    assert client.head(f"/api/v1/track/click/{link.public_id}", headers={"User-Agent": BROWSER_UA}).status_code == 302
    assert browser(client, "/api/v1/track/click/nope").status_code == 404
    assert browser(client, "/api/v1/track/click/nope").status_code == 404
    assert len(delegated) == 4


def test_warm_pixels_count_matches_and_skip_the_rest(client, banner_link, delegated):
    link, creative = banner_link
    good = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    wrong_publisher = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id + 1}"
    for url in (good, good, wrong_publisher, "/api/v1/track/impression/unknown", "/api/v1/track/impression/unknown"):
        response = client.get(url)
        assert response.status_code == 200 and response.data == PIXEL
        assert response.headers["Content-Type"] == "image/gif" and "no-store" in response.headers["Cache-Control"]
    assert len(delegated) == 2  # the first good one, and the first unknown one
    assert flush_impressions() == 3
    assert db.session.scalar(select(ImpressionCount.count)) == 2
    stray = db.session.scalars(select(UnattributedImpressionCount)).one()
    assert (stray.creative_id, stray.count) == (creative.id, 1)


def test_a_warm_click_with_a_long_sub_id_is_truncated_flagged_and_served_here(client, link, delegated):
    browser(client, f"/api/v1/track/click/{link.public_id}?sub1={'a' * 300}")  # cold: Flask
    warm = browser(client, f"/api/v1/track/click/{link.public_id}?sub1={'a' * 300}")
    assert len(delegated) == 1 and warm.status_code == 302
    cold_click, warm_click = stored_clicks()
    for click in (cold_click, warm_click):
        assert click.sub1 == "a" * 255 and click.subs_truncated
    assert parse_qs(urlsplit(warm.headers["Location"]).query)["click_id"] == [str(warm_click.click_id)]


def test_warm_stray_pixels_are_served_here_and_counted_unattributed(client, banner_link, delegated):
    link, creative = banner_link
    stray = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid=abc"
    for _ in range(3):
        assert client.get(stray).data == PIXEL
    assert len(delegated) == 1
    assert flush_impressions() == 3
    assert db.session.scalar(select(UnattributedImpressionCount.count)) == 3


def test_served_traffic_is_logged_only_when_asked_and_refused_traffic_always(client, link, caplog):
    caplog.set_level(logging.INFO, logger="tracklane.request")
    url = f"/api/v1/track/click/{link.public_id}"
    browser(client, url)  # cold: through Flask
    browser(client, url)  # warm: the fast path
    browser(client, url + "?relativepath=../admin")
    browser(client, "/api/v1/track/click/no-such-link")
    logged = [(r.name, r.getMessage().split(" ")[2]) for r in caplog.records if r.name.startswith("tracklane.")]
    assert logged == [("tracklane.request", "400"), ("tracklane.request", "404")]

    caplog.clear()
    caplog.set_level(logging.INFO, logger="tracklane.traffic")  # what TRAFFIC_LOG=1 sets
    browser(client, url)
    [line] = [r.getMessage() for r in caplog.records if r.name == "tracklane.traffic"]
    assert line.startswith(f"GET {url} 302 ")


def test_traffic_log_setting_turns_the_served_traffic_log_on(monkeypatch):
    from flask import Flask

    from portal.config import load_config
    from portal.ops.logging import install_request_logging, traffic_log

    for value, enabled in (("1", True), ("0", False)):
        monkeypatch.setenv("TRAFFIC_LOG", value)
        app = Flask(__name__)
        app.config["TRAFFIC_LOG"] = load_config()["TRAFFIC_LOG"]
        install_request_logging(app)
        assert traffic_log.isEnabledFor(logging.INFO) is enabled
