"""The publisher's embed code page over HTTP (/creatives/<id>/embed): the code, its copy button and preview, the
link choice as an HTMX partial, and only the publisher's own links for creatives it may promote."""
from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest
from flask import g
from markupsafe import escape

from portal.creatives.models import Creative
from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess, Visibility
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.creatives.test_views import HTMX, image_bytes, post_upload, upload_form
from tests.factories import CreativeFactory, OfferFactory, TrackingLinkFactory, UserFactory


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    target = tmp_path / "banners"
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(target))
    return target


def test_embed_page_shows_the_code_copy_button_and_preview(publisher_client, publisher, app):
    creative = CreativeFactory(width=300, height=250, alt_text='Say "hi" <now>')
    link = TrackingLinkFactory(publisher=publisher, offer=creative.offer, name="My link")
    db.session.commit()

    response = publisher_client.get(f"/creatives/{creative.public_id}/embed")

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    expected = (
        f'<a href="http://localhost/api/v1/track/click/{link.public_id}">'
        f'<img src="http://localhost/creatives/{creative.file_name}" width="300" height="250"'
        ' alt="Say &#34;hi&#34; &lt;now&gt;" border="0" />'
        f'<img src="http://localhost/api/v1/track/impression/{creative.public_id}?lid={link.public_id}&aid={publisher.id}"'
        ' width="1" height="1" style="display:none" alt="" /></a>'
    )
    # The textarea holds the code escaped once more, so the page shows it as text.
    textarea = re.search(r'<textarea id="embed-code" readonly[^>]*>([^<]*)</textarea>', html)
    assert textarea is not None
    assert textarea[1] == str(escape(expected))
    assert '<button type="button" data-copy-target="#embed-code">Copy</button>' in html
    # The preview is the banner image itself, never the pasted code (no impression pixel, no injected HTML).
    assert f'<img src="http://localhost/creatives/{creative.file_name}" width="300" height="250"' in html
    assert "/api/v1/track/impression/" not in html.replace(textarea[1], "")
    assert "<now>" not in html
    assert f'<option value="{link.public_id}" selected>' in html


def test_embed_code_uses_public_base_url_when_configured(publisher_client, publisher, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://go.tracklane.example")
    creative = CreativeFactory()
    link = TrackingLinkFactory(publisher=publisher, offer=creative.offer)
    db.session.commit()

    html = publisher_client.get(f"/creatives/{creative.public_id}/embed?link={link.public_id}").get_data(as_text=True)

    assert f"https://go.tracklane.example/api/v1/track/click/{link.public_id}" in html
    assert "http://localhost/api" not in html


def test_embed_link_choice_refreshes_only_the_code_for_htmx(publisher_client, publisher, app):
    creative = CreativeFactory()
    first = TrackingLinkFactory(publisher=publisher, offer=creative.offer, name="a first")
    second = TrackingLinkFactory(publisher=publisher, offer=creative.offer, name="b second")
    db.session.commit()

    full = publisher_client.get(f"/creatives/{creative.public_id}/embed").get_data(as_text=True)
    assert f"/track/click/{first.public_id}" in full  # the first link is chosen until the publisher picks another

    response = publisher_client.get(f"/creatives/{creative.public_id}/embed?link={second.public_id}", headers=HTMX)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="embed-result"') and "<html" not in body
    assert f"/track/click/{second.public_id}" in body and f"/track/click/{first.public_id}" not in body


def test_embed_page_without_links_says_so(publisher_client, app):
    creative = CreativeFactory()
    TrackingLinkFactory(offer=creative.offer)  # another publisher's
    db.session.commit()

    response = publisher_client.get(f"/creatives/{creative.public_id}/embed")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "no tracking link" in html and "embed-code" not in html


def test_embed_with_another_publishers_link_is_404(publisher_client, app):
    creative = CreativeFactory()
    theirs = TrackingLinkFactory(offer=creative.offer)
    db.session.commit()

    response = publisher_client.get(f"/creatives/{creative.public_id}/embed?link={theirs.public_id}")

    assert response.status_code == 404
    assert theirs.public_id not in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["other offer", "archived", "unknown"])
def test_embed_with_a_link_that_is_not_one_of_mine_for_this_offer_is_404(publisher_client, publisher, app, kind):
    creative = CreativeFactory()
    if kind == "other offer":
        link_id = TrackingLinkFactory(publisher=publisher).public_id
    elif kind == "archived":
        link_id = TrackingLinkFactory(publisher=publisher, offer=creative.offer, archived_at=utcnow()).public_id
    else:
        link_id = "no-such-link"
    db.session.commit()
    assert publisher_client.get(f"/creatives/{creative.public_id}/embed?link={link_id}").status_code == 404


@pytest.mark.parametrize("kind", ["private", "rejected", "archived creative", "archived offer", "unknown"])
def test_embed_of_a_creative_the_publisher_may_not_promote_is_404(publisher_client, publisher, app, kind):
    if kind == "private":
        creative = CreativeFactory(offer=OfferFactory(visibility=Visibility.PRIVATE))
    elif kind == "rejected":
        creative = CreativeFactory(offer=OfferFactory(visibility=Visibility.REQUIRES_APPROVAL))
        db.session.add(OfferAccess(offer_id=creative.offer_id, publisher_id=publisher.id, status=AccessStatus.REJECTED))
    elif kind == "archived creative":
        creative = CreativeFactory(archived_at=utcnow())
    elif kind == "archived offer":
        creative = CreativeFactory(offer=OfferFactory(archived_at=utcnow()))
    else:
        creative = None
    public_id = creative.public_id if creative else "unknown-id"
    if creative is not None:
        TrackingLinkFactory(publisher=publisher, offer=creative.offer)
    db.session.commit()

    response = publisher_client.get(f"/creatives/{public_id}/embed")

    assert response.status_code == 404


def test_two_publishers_see_their_own_links_only(app):
    creative = CreativeFactory()
    alice, bob = UserFactory(is_publisher=True), UserFactory(is_publisher=True)
    alice_link = TrackingLinkFactory(publisher=alice.publisher, offer=creative.offer, name="Alice link")
    bob_link = TrackingLinkFactory(publisher=bob.publisher, offer=creative.offer, name="Bob link")
    db.session.commit()

    alice_page = signed_in_client(app, alice).get(f"/creatives/{creative.public_id}/embed").get_data(as_text=True)
    # Requests share the test's app context, so Flask-Login's cached user in `g` must go between users.
    g.pop("_login_user", None)
    bob_page = signed_in_client(app, bob).get(f"/creatives/{creative.public_id}/embed").get_data(as_text=True)

    assert alice_link.public_id in alice_page and bob_link.public_id not in alice_page
    assert f"aid={alice.publisher_id}" in alice_page
    assert bob_link.public_id in bob_page and alice_link.public_id not in bob_page


def test_every_url_in_the_embed_code_answers(publisher_client, client, publisher, admin_client, app, folder):
    offer = OfferFactory()
    db.session.commit()
    post_upload(admin_client, upload_form(offer, image_bytes("GIF", (468, 60)), "b.gif", 468, 60))
    creative = db.session.scalars(db.select(Creative)).one()
    link = TrackingLinkFactory(publisher=publisher, offer=offer)
    db.session.commit()
    g.pop("_login_user", None)  # the admin's request left its user in the shared app context

    html = publisher_client.get(f"/creatives/{creative.public_id}/embed").get_data(as_text=True)
    code = html_unescape(re.search(r'<textarea id="embed-code"[^>]*>([^<]*)</textarea>', html)[1])
    click, banner, pixel = (html_unescape(url) for url in re.findall(r'(?:href|src)="([^"]+)"', code))

    assert click.endswith(f"/track/click/{link.public_id}")
    assert client.get(banner.removeprefix("http://localhost")).status_code == 200
    pixel_response = client.get(pixel.removeprefix("http://localhost"))
    assert pixel_response.status_code == 200 and pixel_response.headers["Content-Type"] == "image/gif"
    assert client.get(click.removeprefix("http://localhost")).status_code == 302
