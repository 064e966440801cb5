"""Creatives rules: uploads match their declared size, the gallery shows only what a publisher may promote,
and the embed code has seed 000's exact shape with every value escaped."""
from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from PIL import Image

from portal.creatives import service
from portal.creatives.models import Creative
from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess, Visibility
from portal.types import utcnow
from tests.factories import (
    CreativeFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (728, 90), colour: str = "#1d4ed8") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    target = tmp_path / "banners"
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(target))
    return target


def upload(offer, data: bytes, width: int = 728, height: int = 90, **fields) -> Creative:
    values = {"name": "Leaderboard", "alt_text": "Play now"} | fields
    return service.upload_creative(offer_id=offer.id, width=width, height=height, data=data, **values)


# --- upload ------------------------------------------------------------------------------------------


def test_upload_stores_the_file_and_adds_a_creative_with_an_unguessable_public_id(folder):
    offer = OfferFactory()
    data = image_bytes("PNG", (728, 90))

    creative = upload(offer, data)

    assert creative.id is not None
    assert (creative.offer_id, creative.width, creative.height, creative.content_type) == (offer.id, 728, 90, "image/png")
    assert (folder / creative.file_name).read_bytes() == data
    assert len(creative.public_id) == 16  # secrets.token_urlsafe(12)
    assert creative.archived_at is None


def test_upload_flushes_but_leaves_the_commit_to_the_caller(folder):
    offer = OfferFactory()
    creative = upload(offer, image_bytes())
    db.session.rollback()
    assert db.session.get(Creative, creative.id) is None


@pytest.mark.parametrize(("declared", "actual"), [((728, 90), (300, 250)), ((300, 250), (250, 300)), ((728, 90), (728, 91))])
def test_upload_refuses_an_image_whose_size_differs_from_the_declared_one(folder, declared, actual):
    offer = OfferFactory()

    with pytest.raises(service.CreativeError) as refused:
        upload(offer, image_bytes("PNG", actual), *declared)

    assert refused.value.field == "file"
    assert f"{actual[0]}×{actual[1]}" in refused.value.message
    assert f"{declared[0]}×{declared[1]}" in refused.value.message
    assert not folder.exists() or not any(folder.iterdir())
    assert db.session.scalar(db.select(db.func.count(Creative.id))) == 0


def test_upload_refuses_a_file_that_is_not_an_image(folder):
    with pytest.raises(service.CreativeError, match="not a PNG") as refused:
        upload(OfferFactory(), b"hello, I am text pretending to be a PNG\n")
    assert refused.value.field == "file"
    assert not folder.exists() or not any(folder.iterdir())


def test_upload_refuses_an_archived_offer(folder):
    offer = OfferFactory(archived_at=utcnow())
    with pytest.raises(service.CreativeError) as refused:
        upload(offer, image_bytes())
    assert refused.value.field == "offer_id"


def test_alt_text_defaults_to_the_name(folder):
    creative = upload(OfferFactory(), image_bytes(), name="Spring bonus", alt_text="  ")
    assert creative.alt_text == "Spring bonus"


def test_archive_and_restore(app):
    creative = CreativeFactory()
    service.archive_creative(creative)
    first = creative.archived_at
    assert first is not None
    service.archive_creative(creative)
    assert creative.archived_at == first  # idempotent
    service.restore_creative(creative)
    assert creative.archived_at is None


# --- gallery -----------------------------------------------------------------------------------------


def test_gallery_shows_public_offers_and_approved_private_ones_only(app):
    publisher, other = PublisherFactory(), PublisherFactory()
    public = CreativeFactory(offer=OfferFactory(visibility=Visibility.PUBLIC))
    approved = CreativeFactory(offer=OfferFactory(visibility=Visibility.PRIVATE))
    pending = CreativeFactory(offer=OfferFactory(visibility=Visibility.REQUIRES_APPROVAL))
    rejected = CreativeFactory(offer=OfferFactory(visibility=Visibility.PRIVATE))
    someone_elses = CreativeFactory(offer=OfferFactory(visibility=Visibility.PRIVATE))
    db.session.add_all(
        [
            OfferAccess(offer_id=approved.offer_id, publisher_id=publisher.id, status=AccessStatus.APPROVED),
            OfferAccess(offer_id=pending.offer_id, publisher_id=publisher.id, status=AccessStatus.PENDING),
            OfferAccess(offer_id=rejected.offer_id, publisher_id=publisher.id, status=AccessStatus.REJECTED),
            OfferAccess(offer_id=someone_elses.offer_id, publisher_id=other.id, status=AccessStatus.APPROVED),
        ]
    )
    db.session.flush()

    assert {c.id for c in service.gallery(publisher.id)} == {public.id, approved.id}
    assert {c.id for c in service.gallery(other.id)} == {public.id, someone_elses.id}
    assert service.promotable_creative(publisher.id, rejected.public_id) is None
    assert service.promotable_creative(publisher.id, approved.public_id) == approved


def test_gallery_leaves_out_archived_creatives_and_archived_or_paused_offers(app):
    publisher = PublisherFactory()
    live = CreativeFactory()
    archived = CreativeFactory(archived_at=utcnow())
    CreativeFactory(offer=OfferFactory(archived_at=utcnow()))
    CreativeFactory(offer=OfferFactory(active=False))

    assert [c.id for c in service.gallery(publisher.id)] == [live.id]
    assert service.promotable_creative(publisher.id, archived.public_id) is None


def test_gallery_filters_by_offer_and_size(app):
    publisher = PublisherFactory()
    offer_a, offer_b = OfferFactory(), OfferFactory()
    a_board = CreativeFactory(offer=offer_a, width=728, height=90)
    a_box = CreativeFactory(offer=offer_a, width=300, height=250)
    b_board = CreativeFactory(offer=offer_b, width=728, height=90)

    assert {c.id for c in service.gallery(publisher.id, offer_id=offer_a.id)} == {a_board.id, a_box.id}
    assert {c.id for c in service.gallery(publisher.id, size=service.Size(728, 90))} == {a_board.id, b_board.id}
    assert [c.id for c in service.gallery(publisher.id, offer_a.id, service.Size(300, 250))] == [a_box.id]
    assert [s.key for s in service.gallery_sizes(publisher.id)] == ["300x250", "728x90"]
    assert {o.id for o in service.gallery_offers(publisher.id)} == {offer_a.id, offer_b.id}


@pytest.mark.parametrize("text", ["728x90", "728X90", " 728x90 "])
def test_size_parses_width_by_height(text):
    assert service.Size.parse(text) == service.Size(728, 90)


@pytest.mark.parametrize("text", ["", None, "728", "0x90", "x90", "728x90x1", "-1x5", "728×90", "1234567x1"])
def test_size_parse_refuses_anything_else(text):
    assert service.Size.parse(text) is None


def test_embed_links_are_the_publishers_own_live_links_for_the_offer(app):
    creative = CreativeFactory()
    publisher = PublisherFactory()
    mine = TrackingLinkFactory(publisher=publisher, offer=creative.offer, name="b")
    for_this_banner = TrackingLinkFactory(publisher=publisher, offer=creative.offer, creative_id=creative.id, name="z")
    TrackingLinkFactory(publisher=publisher, offer=creative.offer, archived_at=utcnow())
    TrackingLinkFactory(publisher=publisher)  # another offer
    TrackingLinkFactory(offer=creative.offer)  # another publisher

    assert [link.id for link in service.embed_links(publisher.id, creative)] == [for_this_banner.id, mine.id]


# --- embed code --------------------------------------------------------------------------------------


def test_embed_code_has_the_exact_seed_000_shape(app):
    creative = CreativeFactory(
        public_id="cr_AbC123-xyz", file_name="ab" * 32 + ".png", width=728, height=90, alt_text="Banner"
    )
    link = TrackingLinkFactory(public_id="lnk_Q9-z", offer=creative.offer)

    code = service.embed_code(creative, link, "https://track.example.com")

    assert code == (
        '<a href="https://track.example.com/api/v1/track/click/lnk_Q9-z">'
        f'<img src="https://track.example.com/creatives/{"ab" * 32}.png" width="728" height="90" alt="Banner" border="0" />'
        f'<img src="https://track.example.com/api/v1/track/impression/cr_AbC123-xyz?lid=lnk_Q9-z&aid={link.publisher_id}"'
        ' width="1" height="1" style="display:none" alt="" /></a>'
    )


def test_embed_code_ignores_a_trailing_slash_on_the_base_url(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(offer=creative.offer)
    assert service.embed_code(creative, link, "https://t.example/") == service.embed_code(creative, link, "https://t.example")


@pytest.mark.parametrize(
    ("alt", "escaped"),
    [
        ('Win "big" now', "Win &#34;big&#34; now"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Tom's & Jerry's", "Tom&#39;s &amp; Jerry&#39;s"),
        ('" onerror="alert(1)', "&#34; onerror=&#34;alert(1)"),
    ],
)
def test_embed_code_escapes_the_alt_text(app, alt, escaped):
    creative = CreativeFactory(alt_text=alt)
    link = TrackingLinkFactory(offer=creative.offer)

    code = service.embed_code(creative, link, "https://t.example")

    assert f'alt="{escaped}" border="0" />' in code
    assert alt not in code
    tags = parse(code)
    assert [tag for tag, _ in tags] == ["a", "img", "img"]
    assert tags[1][1]["alt"] == alt  # what a browser reads back is exactly what the admin typed
    assert set(tags[1][1]) == {"src", "width", "height", "alt", "border"}


def parse(code: str) -> list[tuple[str, dict]]:
    """The start tags of `code` with their attributes as a browser decodes them."""
    tags: list[tuple[str, dict]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

        def handle_startendtag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collector().feed(code)
    return tags


def test_embed_code_escapes_the_base_url(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(offer=creative.offer)
    base = 'https://t.example/"><script>x</script>'

    tags = parse(service.embed_code(creative, link, base))

    assert [tag for tag, _ in tags] == ["a", "img", "img"]
    assert tags[0][1] == {"href": f"{base}/api/v1/track/click/{link.public_id}"}


def test_embed_code_percent_encodes_link_ids_in_urls(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(public_id='a&b"c', offer=creative.offer)

    code = service.embed_code(creative, link, "https://t.example")

    assert 'href="https://t.example/api/v1/track/click/a&amp;b%22c"' in code
    assert f"?lid=a%26b%22c&aid={link.publisher_id}" in code


def test_embed_code_refuses_a_link_of_another_offer(app):
    creative = CreativeFactory()
    with pytest.raises(service.CreativeError):
        service.embed_code(creative, TrackingLinkFactory(), "https://t.example")
