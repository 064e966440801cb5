"""Creatives over HTTP: admin-only uploads, the public banner files, the publisher's gallery, each page whole or
as its HTMX partial, and tenant isolation on every route (the embed code page: tests/links/test_embed_views.py)."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from PIL import Image

from portal.creatives.models import Creative
from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess, Visibility
from portal.types import utcnow
from tests.factories import (
    CreativeFactory,
    OfferFactory,
)

HTMX = {"HX-Request": "true"}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (728, 90), colour: str = "#0f766e") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    target = tmp_path / "banners"
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(target))
    return target


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def creative_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(Creative.id)))


def upload_form(offer, data: bytes, filename: str = "banner.png", width: int = 728, height: int = 90, **fields) -> dict:
    return {
        "offer_id": str(offer.id),
        "name": "Leaderboard",
        "alt_text": "Play now",
        "width": str(width),
        "height": str(height),
        "file": (io.BytesIO(data), filename),
    } | fields


def post_upload(client, data: dict, **kwargs):
    return client.post("/admin/creatives/new", data=data, content_type="multipart/form-data", **kwargs)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<small class="field-error" id="{field}-error">([^<]*)</small>', html)
    return match[1] if match else ""


# --- who may reach what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/creatives"),
        ("get", "/admin/creatives/new"),
        ("post", "/admin/creatives/new"),
        ("post", "/admin/creatives/{id}/archive"),
        ("post", "/admin/creatives/{id}/restore"),
    ],
)
@pytest.mark.parametrize("role", ["publisher_client", "advertiser_client"])
def test_admin_routes_are_forbidden_to_other_roles(request, app, role, method, path):
    creative = CreativeFactory()
    db.session.commit()
    client = request.getfixturevalue(role)

    response = getattr(client, method)(path.format(id=creative.public_id))

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Creative, creative.id).archived_at is None


@pytest.mark.parametrize("path", ["/creatives", "/creatives/{id}/embed"])
@pytest.mark.parametrize("role", ["admin_client", "advertiser_client"])
def test_publisher_routes_are_forbidden_to_other_roles(request, app, role, path):
    creative = CreativeFactory()
    db.session.commit()
    assert request.getfixturevalue(role).get(path.format(id=creative.public_id)).status_code == 403


@pytest.mark.parametrize(
    "path", ["/admin/creatives", "/admin/creatives/new", "/creatives", "/creatives/{id}/embed"]
)
def test_pages_send_anonymous_visitors_to_sign_in(client, app, path):
    creative = CreativeFactory()
    db.session.commit()
    response = client.get(path.format(id=creative.public_id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- admin: list, upload, archive --------------------------------------------------------------------


def test_admin_list_shows_every_creative_and_filters_by_offer_and_size(admin_client, app):
    offer_a, offer_b = OfferFactory(name="Alpha"), OfferFactory(name="Beta")
    board = CreativeFactory(offer=offer_a, name="Alpha board", width=728, height=90)
    box = CreativeFactory(offer=offer_a, name="Alpha box", width=300, height=250)
    archived = CreativeFactory(offer=offer_b, name="Beta board", width=728, height=90, archived_at=utcnow())
    db.session.commit()

    page = admin_client.get("/admin/creatives")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(c.name in html for c in (board, box, archived))
    assert "Archived" in html and "Restore" in html
    assert "<html" in html and 'id="creatives-table"' in html

    by_offer = admin_client.get(f"/admin/creatives?offer={offer_a.id}").get_data(as_text=True)
    assert "Alpha board" in by_offer and "Alpha box" in by_offer and "Beta board" not in by_offer

    by_size = admin_client.get("/admin/creatives?size=728x90", headers=HTMX)
    assert by_size.status_code == 200
    assert "HX-Request" in by_size.headers["Vary"]
    partial = by_size.get_data(as_text=True)
    assert "<html" not in partial and partial.lstrip().startswith('<div id="creatives-table">')
    assert "Alpha board" in partial and "Beta board" in partial and "Alpha box" not in partial


def test_admin_list_ignores_malformed_filters(admin_client, app):
    CreativeFactory(name="Kept")
    db.session.commit()
    response = admin_client.get("/admin/creatives?offer=abc&size=huge&page=x")
    assert response.status_code == 200
    assert "Kept" in response.get_data(as_text=True)


def test_upload_page_renders_the_form(admin_client, app):
    OfferFactory(name="Spring casino")
    db.session.commit()
    response = admin_client.get("/admin/creatives/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and "Spring casino" in html


@pytest.mark.parametrize(
    ("fmt", "filename", "size", "content_type"),
    [
        ("PNG", "banner.png", (728, 90), "image/png"),
        ("JPEG", "banner.jpg", (300, 250), "image/jpeg"),
        ("GIF", "banner.gif", (160, 600), "image/gif"),
        ("WEBP", "banner.webp", (320, 50), "image/webp"),
    ],
)
def test_admin_uploads_each_format(admin_client, app, folder, fmt, filename, size, content_type):
    offer = OfferFactory()
    db.session.commit()
    data = image_bytes(fmt, size)

    response = post_upload(admin_client, upload_form(offer, data, filename, *size))

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/creatives")
    db.session.expire_all()
    creative = db.session.scalars(db.select(Creative)).one()
    assert (creative.offer_id, creative.width, creative.height, creative.content_type) == (offer.id, *size, content_type)
    assert (creative.name, creative.alt_text) == ("Leaderboard", "Play now")
    assert creative.file_name.startswith(hashlib.sha256(data).hexdigest())
    assert stored_files(folder) == [creative.file_name]
    listing = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is uploaded" in listing and creative.public_id in listing


def test_upload_with_wrong_dimensions_is_refused_inline_and_stores_nothing(admin_client, app, folder):
    offer = OfferFactory()
    db.session.commit()

    response = post_upload(admin_client, upload_form(offer, image_bytes("PNG", (300, 250)), width=728, height=90, name="Kept name"))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "file") == "The image is 300×250 pixels, not the declared 728×90."
    assert 'value="Kept name"' in html  # what was typed stays
    assert creative_count() == 0
    assert stored_files(folder) == []


def test_a_text_file_renamed_png_is_refused(admin_client, app, folder):
    offer = OfferFactory()
    db.session.commit()

    response = post_upload(admin_client, upload_form(offer, b"#!/bin/sh\necho not an image\n" * 20, "evil.png"))

    assert response.status_code == 400
    assert "not a PNG, JPEG, GIF or WebP" in field_error(response.get_data(as_text=True), "file")
    assert creative_count() == 0
    assert stored_files(folder) == []


@pytest.mark.parametrize("filename", ["banner.svg", "banner.html", "banner.bmp", "banner"])
def test_other_file_extensions_are_refused(admin_client, app, folder, filename):
    offer = OfferFactory()
    db.session.commit()
    response = post_upload(admin_client, upload_form(offer, image_bytes(), filename))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "file") == "Only PNG, JPEG, GIF or WebP images."
    assert creative_count() == 0


def test_upload_over_the_size_limit_is_refused(admin_client, app, folder, monkeypatch):
    offer = OfferFactory()
    db.session.commit()
    data = image_bytes()
    monkeypatch.setitem(app.config, "CREATIVE_MAX_BYTES", len(data) - 1)

    response = post_upload(admin_client, upload_form(offer, data))

    assert response.status_code == 400
    assert "larger than" in field_error(response.get_data(as_text=True), "file")
    assert creative_count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"file": None}, "file"),
        ({"name": ""}, "name"),
        ({"width": "0"}, "width"),
        ({"height": "abc"}, "height"),
        ({"offer_id": "0"}, "offer_id"),
    ],
)
def test_upload_form_errors_are_shown_inline(admin_client, app, folder, changes, field):
    offer = OfferFactory()
    db.session.commit()
    data = {k: v for k, v in (upload_form(offer, image_bytes()) | changes).items() if v is not None}

    response = post_upload(admin_client, data)

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field)
    assert creative_count() == 0


def test_upload_without_a_csrf_token_is_refused(admin_client, app, folder):
    offer = OfferFactory()
    db.session.commit()
    response = post_upload(admin_client, upload_form(offer, image_bytes()), csrf=False)
    assert response.status_code == 400
    assert creative_count() == 0


def test_archive_and_restore_in_place_with_htmx(admin_client, app):
    creative = CreativeFactory(name="Summer board")
    db.session.commit()

    archived = admin_client.post(f"/admin/creatives/{creative.public_id}/archive", headers=HTMX)
    assert archived.status_code == 200
    row = archived.get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="creative-{creative.public_id}"') and "<html" not in row
    assert "Restore" in row and f"/admin/creatives/{creative.public_id}/restore" in row
    db.session.expire_all()
    assert db.session.get(Creative, creative.id).archived_at is not None

    restored = admin_client.post(f"/admin/creatives/{creative.public_id}/restore", headers=HTMX)
    assert restored.status_code == 200 and "Archive" in restored.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Creative, creative.id).archived_at is None


def test_archive_without_javascript_redirects_back_to_the_list(admin_client, app):
    creative = CreativeFactory(name="Summer board")
    db.session.commit()

    response = admin_client.post(f"/admin/creatives/{creative.public_id}/archive")

    assert response.status_code == 303 and response.headers["Location"] == "/admin/creatives"
    assert "is archived" in admin_client.get("/admin/creatives").get_data(as_text=True)


def test_archive_of_an_unknown_creative_is_404(admin_client, app):
    assert admin_client.post("/admin/creatives/nope/archive").status_code == 404


def test_archive_without_a_csrf_token_changes_nothing(admin_client, app):
    creative = CreativeFactory()
    db.session.commit()
    admin_client.post(f"/admin/creatives/{creative.public_id}/archive", headers=HTMX, csrf=False)
    db.session.expire_all()
    assert db.session.get(Creative, creative.id).archived_at is None


# --- the public banner files -------------------------------------------------------------------------


def test_banner_route_serves_the_stored_bytes_publicly_with_long_cache_headers(admin_client, client, app, folder):
    offer = OfferFactory()
    db.session.commit()
    data = image_bytes("WEBP", (320, 50))
    post_upload(admin_client, upload_form(offer, data, "b.webp", 320, 50))
    file_name = stored_files(folder)[0]

    response = client.get(f"/creatives/{file_name}")  # nobody signed in: banners load on third-party sites

    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    again = client.get(f"/creatives/{file_name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/creatives/..%2F..%2Fetc%2Fpasswd",
        "/creatives/abc.png",
        "/creatives/" + "a" * 64 + ".png",  # well formed, but no such file
        "/creatives/" + "A" * 64 + ".png",
        "/creatives/" + "a" * 64 + ".svg",
        "/creatives/%2e%2e",
        "/creatives/..%5C..%5Cwindows",
    ],
)
def test_banner_route_404s_unknown_and_malformed_names(client, app, folder, path):
    folder.mkdir(parents=True, exist_ok=True)
    assert client.get(path).status_code == 404


# --- publisher: gallery ------------------------------------------------------------------------------


@pytest.fixture
def publisher(publisher_user):
    return publisher_user.publisher


def test_gallery_shows_promotable_creatives_only(publisher_client, publisher, app):
    CreativeFactory(name="Public board", offer=OfferFactory(name="Open offer"))
    approved_offer = OfferFactory(name="Approved offer", visibility=Visibility.PRIVATE)
    CreativeFactory(name="Approved board", offer=approved_offer)
    db.session.add(OfferAccess(offer_id=approved_offer.id, publisher_id=publisher.id, status=AccessStatus.APPROVED))
    CreativeFactory(name="Secret board", offer=OfferFactory(name="Secret offer", visibility=Visibility.PRIVATE))
    pending_offer = OfferFactory(name="Pending offer", visibility=Visibility.REQUIRES_APPROVAL)
    CreativeFactory(name="Pending board", offer=pending_offer)
    db.session.add(OfferAccess(offer_id=pending_offer.id, publisher_id=publisher.id, status=AccessStatus.PENDING))
    CreativeFactory(name="Archived board", archived_at=utcnow())
    db.session.commit()

    response = publisher_client.get("/creatives")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Public board" in html and "Approved board" in html
    for hidden in ("Secret board", "Secret offer", "Pending board", "Pending offer", "Archived board"):
        assert hidden not in html


def test_gallery_cards_show_thumbnail_size_offer_and_embed_link(publisher_client, app):
    creative = CreativeFactory(name="Board", offer=OfferFactory(name="Open offer"), width=728, height=90, alt_text="Play")
    db.session.commit()

    html = publisher_client.get("/creatives").get_data(as_text=True)

    assert f'src="/creatives/{creative.file_name}"' in html
    assert "728×90" in html and "Open offer" in html
    assert f'href="/creatives/{creative.public_id}/embed"' in html


def test_gallery_filters_return_the_grid_partial_for_htmx(publisher_client, app):
    offer_a, offer_b = OfferFactory(name="Alpha"), OfferFactory(name="Beta")
    CreativeFactory(name="A leaderboard", offer=offer_a, width=728, height=90)
    CreativeFactory(name="A box", offer=offer_a, width=300, height=250)
    CreativeFactory(name="B leaderboard", offer=offer_b, width=728, height=90)
    db.session.commit()

    full = publisher_client.get(f"/creatives?offer={offer_a.id}&size=728x90")
    partial = publisher_client.get(f"/creatives?offer={offer_a.id}&size=728x90", headers=HTMX)

    for response in (full, partial):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
        html = response.get_data(as_text=True)
        assert "A leaderboard" in html and "A box" not in html and "B leaderboard" not in html
    assert "<html" in full.get_data(as_text=True) and 'hx-push-url="true"' in full.get_data(as_text=True)
    body = partial.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="creative-grid"')


def test_gallery_history_restore_gets_the_whole_page(publisher_client, app):
    response = publisher_client.get("/creatives", headers=HTMX | {"HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_gallery_filter_on_a_private_offer_shows_nothing_of_it(publisher_client, app):
    secret = OfferFactory(name="Secret offer", visibility=Visibility.PRIVATE)
    CreativeFactory(name="Secret board", offer=secret)
    CreativeFactory(name="Public board")
    db.session.commit()

    response = publisher_client.get(f"/creatives?offer={secret.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Secret board" not in html and "Secret offer" not in html and "Public board" not in html


def test_gallery_ignores_malformed_filters(publisher_client, app):
    CreativeFactory(name="Board")
    db.session.commit()
    response = publisher_client.get("/creatives?offer=9999999999999999999&size=<script>")
    assert response.status_code == 200
    assert "Board" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
