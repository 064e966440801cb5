"""Creatives: upload and archive banners, and the publisher's gallery. Flushes, never commits."""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import Select, and_, exists, select, true
from sqlalchemy.orm import selectinload

from portal.creatives.models import Creative
from portal.creatives.storage import FORMATS, BannerError, store_banner
from portal.extensions import db
from portal.network.models import Offer
from portal.network.offers.access import promotable_offers_query
from portal.paging import paginate
from portal.types import utcnow

CREATIVES_PER_PAGE = 50
MAX_SIDE = 10_000
SIZE = re.compile(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})")


class CreativeError(ValueError):
    """A rule the upload breaks; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Size:
    width: int
    height: int

    @property
    def key(self) -> str:
        return f"{self.width}x{self.height}"

    @classmethod
    def parse(cls, text: str | None) -> Size | None:
        """`728x90` → Size(728, 90); anything else → None."""
        match = SIZE.fullmatch((text or "").strip().lower())
        return cls(int(match[1]), int(match[2])) if match else None


# --- admin -------------------------------------------------------------------------------------------


def upload_creative(
    *, offer_id: int, name: str, alt_text: str, width: int, height: int, data: bytes, offers=true()
) -> Creative:
    """Store the banner and add its Creative for one of `offers` (those the staff user reaches); the image must be
    exactly the declared width × height."""
    offer = db.session.scalar(select(Offer).where(Offer.id == offer_id, offers))
    if offer is None or offer.archived_at is not None:
        raise CreativeError("offer_id", "Choose an offer that is not archived.")
    name = name.strip()
    if not name:
        raise CreativeError("name", "Name the banner.")
    # Checked before storing so that a refused upload leaves no file behind.
    actual = _image_size(data)
    if actual is not None and actual != (width, height):
        raise CreativeError(
            "file", f"The image is {actual[0]}×{actual[1]} pixels, not the declared {width}×{height}."
        )
    try:
        stored = store_banner(data)
    except BannerError as refused:
        raise CreativeError("file", refused.message) from refused
    if (stored.width, stored.height) != (width, height):  # a header that lied about the size
        raise CreativeError(
            "file", f"The image is {stored.width}×{stored.height} pixels, not the declared {width}×{height}."
        )
    creative = Creative(
        public_id=secrets.token_urlsafe(12),
        offer_id=offer.id,
        name=name,
        file_name=stored.file_name,
        content_type=stored.content_type,
        width=stored.width,
        height=stored.height,
        alt_text=alt_text.strip() or name,
    )
    db.session.add(creative)
    db.session.flush()
    return creative


def _image_size(data: bytes) -> tuple[int, int] | None:
    """The size in the image header, or None when Pillow cannot read one (store_banner then says why)."""
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            return image.size
    except Exception:  # noqa: BLE001 — any unreadable input is judged by store_banner
        return None


def archive_creative(creative: Creative) -> Creative:
    """Hide the banner from the gallery and stop counting its impressions (idempotent)."""
    if creative.archived_at is None:
        creative.archived_at = utcnow()
        db.session.flush()
    return creative


def restore_creative(creative: Creative) -> Creative:
    if creative.archived_at is not None:
        creative.archived_at = None
        db.session.flush()
    return creative


def admin_creatives(offer_id: int | None = None, size: Size | None = None, page: int = 1, within=true()):
    """A page of the creatives `within` reach, newest first, optionally of one offer and one size."""
    query = (
        select(Creative).where(within).options(selectinload(Creative.offer))
        .order_by(Creative.created_at.desc(), Creative.id.desc())
    )
    query = _filtered(query, offer_id, size)
    return paginate(query, page, CREATIVES_PER_PAGE)


def uploadable_offers(offers=true()) -> list[Offer]:
    stmt = select(Offer).where(Offer.archived_at.is_(None), offers).order_by(Offer.name, Offer.id)
    return list(db.session.scalars(stmt))


def offers_with_creatives(offers=true()) -> list[Offer]:
    query = select(Offer).where(exists().where(Creative.offer_id == Offer.id), offers).order_by(Offer.name, Offer.id)
    return list(db.session.scalars(query))


def creative_sizes(creatives: Select | None = None) -> list[Size]:
    """The distinct banner sizes among `creatives` (a select of Creative), or among every creative."""
    source = (creatives if creatives is not None else select(Creative)).subquery()
    rows = db.session.execute(
        select(source.c.width, source.c.height).distinct().order_by(source.c.width, source.c.height)
    )
    return [Size(width, height) for width, height in rows]


def find_creative(public_id: str) -> Creative | None:
    return db.session.scalar(select(Creative).where(Creative.public_id == public_id))


# --- publisher ---------------------------------------------------------------------------------------


def _gallery_query(publisher_id: int) -> Select:
    promotable = promotable_offers_query(publisher_id).with_only_columns(Offer.id).order_by(None)
    return select(Creative).where(Creative.archived_at.is_(None), Creative.offer_id.in_(promotable))


def gallery(publisher_id: int, offer_id: int | None = None, size: Size | None = None) -> list[Creative]:
    """The publisher's banners: live creatives of offers it may promote, optionally of one offer and size."""
    query = _filtered(_gallery_query(publisher_id), offer_id, size)
    query = query.options(selectinload(Creative.offer)).order_by(Creative.offer_id, Creative.width, Creative.height, Creative.id)
    return list(db.session.scalars(query))


def gallery_offers(publisher_id: int) -> list[Offer]:
    """Offers that have at least one banner in the publisher's gallery (the offer filter's choices)."""
    ids = _gallery_query(publisher_id).with_only_columns(Creative.offer_id)
    return list(db.session.scalars(select(Offer).where(Offer.id.in_(ids)).order_by(Offer.name, Offer.id)))


def gallery_sizes(publisher_id: int) -> list[Size]:
    return creative_sizes(_gallery_query(publisher_id))


def promotable_creative(publisher_id: int, public_id: str) -> Creative | None:
    """A live creative of an offer the publisher may promote, or None (the caller answers 404)."""
    return db.session.scalar(_gallery_query(publisher_id).where(Creative.public_id == public_id))


def _filtered(query: Select, offer_id: int | None, size: Size | None) -> Select:
    if offer_id is not None:
        query = query.where(Creative.offer_id == offer_id)
    if size is not None:
        query = query.where(and_(Creative.width == size.width, Creative.height == size.height))
    return query
