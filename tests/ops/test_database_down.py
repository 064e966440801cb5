"""The database cannot be reached: 503 with Retry-After (JSON for /api, a page otherwise), the impression pixel
still served, and a click on a recently seen link still redirected. A real unreachable database: nothing listens
on 127.0.0.1:1, so every connection attempt is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from portal.accounts.service import API_KEY_PREFIX
from portal.extensions import db
from portal.ops.logging import REQUEST_ID_HEADER
from portal.queues import redis_connection
from portal.tracking.api import PIXEL
from portal.tracking.buffer import IMPRESSION_HASH, pending_clicks
from portal.tracking.targets import clear_cache
from tests.tracking.conftest import BROWSER_UA

UNREACHABLE = "postgresql+psycopg://tracklane@127.0.0.1:1/tracklane"
KEY = API_KEY_PREFIX + "k" * 43  # shaped like a key, so it is looked up


@pytest.fixture
def down_app(make_app):
    """An app whose database URL points at a port where nothing listens."""
    return make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE)


def assert_unavailable(response, json: bool):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    if json:
        assert response.is_json
        assert response.get_json()["trace_id"] == response.headers[REQUEST_ID_HEADER]
        assert "database" in response.get_json()["error"].lower()
    else:
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "503" in page and response.headers[REQUEST_ID_HEADER] in page


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("POST", "/api/v1/events", {"json": {"type": "ftd", "player_id": "p-1"}, "headers": {"X-API-Key": KEY}}),
        ("GET", "/api/v1/reports/some-report-token", {}),
        ("GET", "/api/v1/rewards", {"headers": {"x-api-key": KEY}}),
        ("GET", "/api/v1/redemptions/1", {"headers": {"x-api-key": KEY}}),
        ("GET", "/api/v1/fans/someone/points", {"headers": {"x-api-key": KEY}}),
        ("GET", "/api/v1/track/click/AbCdEfGhIjKlMnOp", {"headers": {"User-Agent": BROWSER_UA}}),
    ],
)
def test_json_endpoints_answer_503_with_retry_after(down_app, method, url, kwargs):
    response = down_app.test_client().open(url, method=method, **kwargs)
    assert_unavailable(response, json=True)


def test_sign_in_answers_a_503_page_with_retry_after(down_app):
    client = down_app.test_client()
    response = client.post("/login", data={"email": "someone@example.test", "password": "a password"})
    assert_unavailable(response, json=False)


def test_a_signed_in_page_answers_a_503_page(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    assert_unavailable(client.get("/links"), json=False)


def test_the_impression_pixel_is_served_without_a_database(down_app):
    response = down_app.test_client().get("/api/v1/track/impression/AbCdEfGhIjKlMnOp?lid=x&aid=1")
    assert response.status_code == 200
    assert response.mimetype == "image/gif" and response.data == PIXEL
    assert "no-store" in response.headers["Cache-Control"] and response.headers["Expires"] == "0"


def test_a_query_error_is_still_a_500_not_a_503(make_app):
    app = make_app()

    @app.get("/broken-sql")
    def broken_sql():
        db.session.execute(db.text("SELECT * FROM no_such_table"))

    response = app.test_client().get("/broken-sql")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_a_pool_timeout_answers_503(make_app):
    """Every pooled connection busy for longer than the pool waits: the request is told to come back later."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.1})

    @app.get("/api/v1/slow")
    def slow():
        held = db.engine.connect()  # the pool's only connection, held while the request asks for another
        try:
            db.session.execute(db.text("SELECT 1"))
        finally:
            held.close()

    assert_unavailable(app.test_client().get("/api/v1/slow"), json=True)


@pytest.fixture
def banner_link(app):
    from tests.factories import CreativeFactory, OfferFactory, TrackingLinkFactory

    clear_cache()
    offer = OfferFactory()
    creative = CreativeFactory(offer=offer)
    link = TrackingLinkFactory(offer=offer, creative=creative)
    db.session.commit()
    yield link, creative
    clear_cache()


@pytest.fixture
def database_gone(app):
    """Call it to point the app's engines (the portal's and the traffic app's) at a port where nothing listens."""
    swapped = []

    def cut() -> None:
        db.session.remove()
        for owner in (app, app.extensions["tracklane.tracking_app"]):
            engines = db._app_engines[owner]
            swapped.append((engines, engines[None]))
            engines[None] = create_engine(UNREACHABLE)

    yield cut
    for engines, healthy in swapped:
        engines[None].dispose()
        engines[None] = healthy


def test_a_link_clicked_before_the_outage_still_redirects_and_its_click_is_kept(
    app, client, banner_link, database_gone, monkeypatch
):
    link, _ = banner_link
    destination = link.offer.destination_url
    monkeypatch.setattr("portal.tracking.targets.CACHE_SECONDS", 0.0)  # every cached entry is already stale
    url = f"/api/v1/track/click/{link.public_id}?sub1=before"
    assert client.get(url, headers={"User-Agent": BROWSER_UA}).status_code == 302
    database_gone()

    response = client.get(url.replace("before", "during"), headers={"User-Agent": BROWSER_UA})

    assert response.status_code == 302
    assert response.headers["Location"].startswith(destination.split("?")[0])
    assert "click_id=" in response.headers["Location"]
    assert pending_clicks() == 2  # buffered in Redis, flushed once the database is back


def test_a_link_never_seen_before_the_outage_answers_503(app, client, banner_link, database_gone):
    url = f"/api/v1/track/click/{banner_link[0].public_id}"
    database_gone()
    response = client.get(url, headers={"User-Agent": BROWSER_UA})
    assert_unavailable(response, json=True)


def test_the_pixel_is_served_when_neither_redis_nor_the_database_can_store_the_impression(
    app, client, banner_link, database_gone, monkeypatch
):
    from redis import Redis

    link, creative = banner_link
    url = f"/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={link.publisher_id}"
    assert client.get(url).data == PIXEL  # the creative and link are now in the process cache
    assert redis_connection().hlen(IMPRESSION_HASH) == 1
    dead_redis = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setitem(app.extensions, "tracklane.tracking_redis", dead_redis)
    database_gone()

    response = client.get(url)

    assert response.status_code == 200 and response.data == PIXEL
    assert "no-store" in response.headers["Cache-Control"]
    assert redis_connection().ping()  # the portal's own Redis was never touched
