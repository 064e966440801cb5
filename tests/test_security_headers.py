"""Security headers: a strict policy on every HTML page (no framing, scripts and styles only from our static
files), nosniff on every response, the public traffic endpoints left embeddable and referrer-neutral, and
Retry-After only on a 429 or a 503."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from portal.accounts.service import create_api_key
from portal.config import PROJECT_ROOT
from portal.creatives.storage import store_banner
from portal.extensions import LIMITER_RETRY_AFTER, db
from portal.ops.errors import RETRY_AFTER_SECONDS
from portal.reports.presets import save_preset, token_for
from portal.reports.query import ReportQuery
from portal.security import NOSNIFF, SecurityHeaders
from portal.tracking import fastpath
from portal.tracking.wsgi import TrackingDispatcher
from tests.creatives.test_storage import image_bytes
from tests.factories import AdvertiserFactory, CreativeFactory, TrackingLinkFactory
from tests.tracking.conftest import browser

PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}
PAGE_ONLY = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy")


def policy(response) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def assert_page_headers(response) -> None:
    assert response.mimetype == "text/html"
    assert policy(response) == PAGE_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def assert_not_a_page(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not [name for name in PAGE_ONLY if name in response.headers]


def test_the_sign_in_page_gets_the_page_policy(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_page_headers(response)


@pytest.mark.parametrize("role", ["admin_client", "manager_client", "publisher_client", "advertiser_client"])
def test_each_roles_dashboard_gets_the_page_policy(request, role):
    response = request.getfixturevalue(role).get("/")
    assert response.status_code == 200
    assert_page_headers(response)


def test_htmx_partials_and_error_pages_get_the_page_policy(admin_client):
    partial = admin_client.get("/admin/publishers", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True)
    assert_page_headers(partial)
    missing = admin_client.get("/no-such-page")
    assert missing.status_code == 404
    assert_page_headers(missing)


def test_banner_previews_from_the_public_base_url_are_allowed(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://track.example.com")
    assert policy(client.get("/login"))["img-src"] == "'self' data: https://track.example.com"


def test_json_endpoints_get_nosniff_only(client):
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    assert_not_a_page(response)


def test_redirects_carry_no_page_headers(client):
    response = client.get("/")
    assert response.status_code == 302
    assert_not_a_page(response)


def test_click_redirects_keep_the_visitors_referrer_policy(client, app):
    link = TrackingLinkFactory()
    db.session.commit()
    first = browser(client, f"/api/v1/track/click/{link.public_id}")  # the Flask route, which fills the cache
    second = browser(client, f"/api/v1/track/click/{link.public_id}")  # the cached fast path
    for response in (first, second):
        assert response.status_code == 302
        # A Referrer-Policy here would replace the publisher page's policy for the hop to the advertiser.
        assert_not_a_page(response)


def test_the_impression_pixel_still_loads_on_other_sites(client, app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(offer=creative.offer, creative=creative)
    db.session.commit()
    pixel = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    for _ in range(2):  # the Flask route, then the cached fast path
        response = client.get(pixel)
        assert response.status_code == 200 and response.mimetype == "image/gif"
        assert "Cross-Origin-Resource-Policy" not in response.headers
        assert_not_a_page(response)


def test_banner_files_stay_embeddable_cross_origin(client, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(tmp_path))
    stored = store_banner(image_bytes("PNG"))
    response = client.get(f"/creatives/{stored.file_name}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert_not_a_page(response)


def test_report_pulls_keep_their_own_referrer_policy(client, publisher_user):
    query = ReportQuery(publisher_id=publisher_user.publisher_id)
    preset = save_preset(publisher_user, "Daily", query)
    db.session.commit()
    response = client.get(f"/api/v1/reports/{token_for(preset)}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_a_dead_tracking_link_page_gets_the_page_policy(client):
    response = browser(client, "/api/v1/track/click/no-such-link")
    assert response.status_code == 404
    assert_page_headers(response)


def test_htmx_is_configured_for_the_policy(client):
    page = client.get("/login").get_data(as_text=True)
    [config] = re.findall(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    # No eval (hx-on, event filters, js: values) and no <style> element injected for indicators.
    settings = json.loads(config)
    assert (settings["allowEval"], settings["includeIndicatorStyles"]) == (False, False)


# What the policy blocks must not be in a template: the page would silently lose it.
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*="),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on handler": re.compile(r"\shx-on[:-]"),
    "hx-vars": re.compile(r"\shx-vars\s*="),
    "js: value": re.compile(r"""\shx-(vals|headers)\s*=\s*['"]\s*js:"""),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _templates() -> list[Path]:
    return sorted((PROJECT_ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(PROJECT_ROOT / "templates")))
def test_templates_have_nothing_the_policy_blocks(template):
    source = template.read_text()
    found = {kind: pattern.findall(source) for kind, pattern in INLINE.items()}
    assert {kind: hits for kind, hits in found.items() if hits} == {}


# Retry-After: only where the client must wait (a 429, a 503), never on an answer that went through.


def test_the_fast_path_carries_nosniff_itself_and_skips_the_middleware(app):
    dispatcher = app.wsgi_app
    assert isinstance(dispatcher, TrackingDispatcher)
    assert isinstance(dispatcher.tracking_wsgi, fastpath.FastTracking)  # no header work per click
    assert isinstance(dispatcher.tracking_wsgi.delegate, SecurityHeaders)  # what Flask answers gets them
    assert isinstance(dispatcher.portal_wsgi, SecurityHeaders)
    assert NOSNIFF in fastpath._NO_CACHE_HEADERS and NOSNIFF in fastpath._PIXEL_HEADERS


def _network_key() -> str:
    _, secret = create_api_key("rewards scripts", None)
    db.session.commit()
    return secret


def test_limited_answers_that_went_through_carry_no_retry_after(client, publisher_user):
    advertiser = AdvertiserFactory()
    _, events_key = create_api_key("events", advertiser.id)
    rewards_key = _network_key()
    preset = save_preset(publisher_user, "Daily", ReportQuery(publisher_id=publisher_user.publisher_id))
    db.session.commit()
    event = {"type": "pageview", "site_id": "s-1", "session_id": "v-1"}
    answers = {
        "events": client.post("/api/v1/events", json=event, headers={"X-API-Key": events_key}),
        "report pull": client.get(f"/api/v1/reports/{token_for(preset)}"),
        "rewards": client.get("/api/v1/rewards", headers={"x-api-key": rewards_key}),
    }
    for name, response in answers.items():
        assert response.status_code in (200, 202), name
        assert "Retry-After" not in response.headers, name
        assert LIMITER_RETRY_AFTER not in response.headers, name
        assert int(response.headers["X-RateLimit-Remaining"]) >= 0, name  # the limit's own headers stay
        assert response.headers["X-Content-Type-Options"] == "nosniff", name


def test_client_errors_carry_no_retry_after(client):
    response = client.get("/api/v1/rewards", headers={"x-api-key": "tlk_not-a-real-key"})
    assert response.status_code == 401 and "Retry-After" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_429_carries_retry_after(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REWARDS_API_RATE_LIMIT", "1 per hour")
    headers = {"x-api-key": _network_key()}
    assert client.get("/api/v1/rewards", headers=headers).status_code == 200
    refused = client.get("/api/v1/rewards", headers=headers)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert LIMITER_RETRY_AFTER not in refused.headers
    assert refused.headers["X-Content-Type-Options"] == "nosniff"


def test_a_503_on_a_limited_endpoint_keeps_its_own_retry_after(client, monkeypatch):
    _, key = create_api_key("events", AdvertiserFactory().id)
    db.session.commit()

    def redis_down(*args, **kwargs):
        raise RedisConnectionError("down")

    monkeypatch.setattr("portal.events.api.ingest", redis_down)
    response = client.post(
        "/api/v1/events", json={"type": "pageview", "site_id": "s", "session_id": "v"}, headers={"X-API-Key": key}
    )
    assert response.status_code == 503
    # The limiter's reset (a minute for events, an hour for rewards) would stretch it.
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
