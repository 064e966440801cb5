"""Creatives rules: uploads match their declared size, and the gallery shows only what a publisher may promote
(the embed code: tests/links/test_embeds.py)."""
from __future__ import annotations

import io

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
