"""A NUL byte in the path, the query or a form is a 400 naming the field, and nothing is stored; the traffic
endpoints treat it as an unknown id (the pixel is still a GIF) or a malformed sub ID (PostgreSQL could never
store that click, and it would block every click behind it in the buffer)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.network.models import Advertiser
from portal.subids.models import SubId
from portal.tracking.api import PIXEL
from portal.tracking.buffer import pending_clicks
from portal.tracking.targets import clear_cache
from tests.factories import CreativeFactory, TrackingLinkFactory
from tests.tracking.conftest import BROWSER_UA


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_nul_byte_in_the_query_is_a_400_naming_the_field(admin_client):
    response = admin_client.get("/admin/offers?q=brand%00x")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "q contains a NUL byte" in response.get_data(as_text=True)


def test_a_nul_byte_in_an_api_path_is_a_json_400(client):
    response = client.get("/api/v1/fans/some%00one/points", headers={"x-api-key": "whatever"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "the address contains a NUL byte, which no field accepts."


def test_a_nul_byte_in_a_posted_form_is_a_400_and_nothing_is_stored(admin_client):
    response = admin_client.post("/admin/advertisers/new", data={"name": "Brand\x00", "default_currency": "EUR"})
    assert response.status_code == 400
    assert "name contains a NUL byte" in response.get_data(as_text=True)
    assert count(Advertiser) == 0


def test_a_nul_byte_in_a_large_form_read_by_its_own_view_is_a_400(publisher_client):
    """The bulk sub ID confirm step parses its (large) form itself, with a raised size limit."""
    payload = "\n".join(f"sub_{n}" for n in range(20_000)) + "\nbad\x00one"
    response = publisher_client.post(
        "/sub-ids/bulk/create", data={"csrf_token": publisher_client.csrf_token(), "kind": "paste", "payload": payload}
    )
    assert response.status_code == 400
    assert "payload contains a NUL byte" in response.get_data(as_text=True)
    assert count(SubId) == 0


def test_a_click_with_a_nul_byte_in_a_sub_id_is_refused_and_not_buffered(app, client):
    clear_cache()
    link = TrackingLinkFactory()
    db.session.commit()
    response = client.get(f"/api/v1/track/click/{link.public_id}?sub2=a%00b", headers={"User-Agent": BROWSER_UA})
    assert response.status_code == 400
    assert "sub2 contains a NUL byte" in response.get_data(as_text=True)
    assert pending_clicks() == 0


def test_a_nul_byte_in_a_traffic_id_is_an_unknown_id(app, client):
    clear_cache()
    creative = CreativeFactory()
    db.session.commit()
    assert client.get("/api/v1/track/click/abc%00def", headers={"User-Agent": BROWSER_UA}).status_code == 404
    for url in ("/api/v1/track/impression/abc%00def", f"/api/v1/track/impression/{creative.public_id}?lid=x%00y&aid=1"):
        response = client.get(url)
        assert response.status_code == 200 and response.data == PIXEL


def test_a_nul_byte_in_a_multipart_form_read_by_its_own_view_is_a_400_on_postgresql(app, publisher_client):
    """The bulk preview parses its multipart form itself, after the guard: PostgreSQL refusing the NUL is a 400."""
    response = publisher_client.post(
        "/sub-ids/bulk/preview",
        data={"csrf_token": publisher_client.csrf_token(), "lines": "fine\nbad\x00one"},
        content_type="multipart/form-data",
    )
    if db.engine.dialect.name == "postgresql":
        assert response.status_code == 400
        assert "A value contains a NUL byte" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200  # SQLite takes NUL bytes: the preview answers as usual
