"""A banner's embed code for one of the publisher's tracking links: the banner linked to the link's click URL,
plus the impression pixel. Reads, never writes."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from markupsafe import escape
from sqlalchemy import case, select

from portal.creatives.models import Creative
from portal.creatives.service import CreativeError
from portal.extensions import db
from portal.links.models import TrackingLink


def embed_links(publisher_id: int, creative: Creative) -> list[TrackingLink]:
    """The publisher's own live links for the creative's offer; links made for this creative first."""
    query = (
        select(TrackingLink)
        .where(
            TrackingLink.publisher_id == publisher_id,
            TrackingLink.offer_id == creative.offer_id,
            TrackingLink.archived_at.is_(None),
        )
        # case(), not a boolean sort: creative_id may be NULL, and NULLs sort first in a PostgreSQL DESC.
        .order_by(case((TrackingLink.creative_id == creative.id, 0), else_=1), TrackingLink.name, TrackingLink.id)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class EmbedUrls:
    click: str
    banner: str
    pixel: str  # the impression endpoint, without its query
    lid: str
    aid: str

    @property
    def impression(self) -> str:
        return f"{self.pixel}?lid={self.lid}&aid={self.aid}"


def embed_urls(creative: Creative, link: TrackingLink, base_url: str) -> EmbedUrls:
    """The absolute URLs of the embed code for `link` and `creative` (not yet escaped for HTML)."""
    if link.offer_id != creative.offer_id:
        raise CreativeError("link", "The link is for another offer than the banner.")
    base = base_url.rstrip("/")
    return EmbedUrls(
        click=base + _path("tracking.click", public_id=link.public_id),
        banner=base + _path("creatives.banner", file_name=creative.file_name),
        pixel=base + _path("tracking.impression", public_id=creative.public_id),
        lid=quote(link.public_id, safe=""),
        aid=str(int(link.publisher_id)),
    )


def embed_code(creative: Creative, link: TrackingLink, base_url: str) -> str:
    """The HTML a publisher pastes (seed 000): the banner linked to the click URL, plus the impression pixel."""
    urls = embed_urls(creative, link, base_url)
    # The `&` before aid stays literal as in seed 000: `&aid=` is not a character reference in HTML5.
    return (
        f'<a href="{escape(urls.click)}">'
        f'<img src="{escape(urls.banner)}" width="{int(creative.width)}" height="{int(creative.height)}"'
        f' alt="{escape(creative.alt_text)}" border="0" />'
        f'<img src="{escape(urls.pixel)}?lid={escape(urls.lid)}&aid={escape(urls.aid)}"'
        ' width="1" height="1" style="display:none" alt="" /></a>'
    )


def _path(endpoint: str, **values: str) -> str:
    """The URL path of `endpoint`, built from the URL map so that no request is needed."""
    return current_app.url_map.bind("localhost").build(endpoint, values)
