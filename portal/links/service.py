"""The link and marketing-source verbs: validate, change, flush. Views commit."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.creatives.models import Creative
from portal.extensions import db
from portal.links.click_params import SUB_FIELDS
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import Offer
from portal.network.offers.access import can_promote, pickable_landing_pages, promotable_offers_query
from portal.paging import paginate
from portal.sql import unless_refused
from portal.types import utcnow

LINKS_PER_PAGE = 25
SOURCE_KINDS = ("Content", "Email", "Search", "Social", "Display", "Native", "Push", "SMS", "Other")
MAX_SOURCE_NAME = 100
MAX_LINK_NAME = 200
MAX_URL = 2048
LINK_STATUSES = ("active", "archived", "all")

# ISO 3166-1 alpha-2, as listed by the tz database's iso3166.tab.
COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)


class LinkError(ValueError):
    """A change the link rules refuse; `field` names the form field at fault (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- marketing sources


def list_marketing_sources(publisher_id: int) -> list[tuple[MarketingSource, int]]:
    """The publisher's sources by name, each with how many of its links use it."""
    used = (
        select(TrackingLink.marketing_source_id, func.count(TrackingLink.id).label("links"))
        .where(TrackingLink.publisher_id == publisher_id)
        .group_by(TrackingLink.marketing_source_id)
        .subquery()
    )
    rows = db.session.execute(
        select(MarketingSource, func.coalesce(used.c.links, 0))
        .outerjoin(used, used.c.marketing_source_id == MarketingSource.id)
        .where(MarketingSource.publisher_id == publisher_id)
        .order_by(func.lower(MarketingSource.name), MarketingSource.id)
    )
    return [(source, count) for source, count in rows]


def count_source_links(source: MarketingSource) -> int:
    return db.session.scalar(
        select(func.count(TrackingLink.id)).where(
            TrackingLink.marketing_source_id == source.id, TrackingLink.publisher_id == source.publisher_id
        )
    )


def _source_values(publisher_id: int, name: str, kind: str, url: str, source_id: int | None = None) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not name:
        raise LinkError("Give the source a name.", "name")
    if len(name) > MAX_SOURCE_NAME:
        raise LinkError(f"Keep the name to {MAX_SOURCE_NAME} characters.", "name")
    taken = db.session.scalar(
        select(MarketingSource.id).where(
            MarketingSource.publisher_id == publisher_id,
            func.lower(MarketingSource.name) == name.lower(),
            MarketingSource.id != (source_id or 0),
        )
    )
    if taken is not None:
        raise LinkError("You already have a source with this name.", "name")
    if kind not in SOURCE_KINDS:
        raise LinkError("Pick one of the listed kinds.", "kind")
    url = (url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
            raise LinkError("Enter a full http:// or https:// address.", "url")
    return name, kind, url


def create_marketing_source(publisher_id: int, name: str, kind: str = "Other", url: str = "") -> MarketingSource:
    name, kind, url = _source_values(publisher_id, name, kind, url)
    source = MarketingSource(publisher_id=publisher_id, name=name, kind=kind, url=url)
    db.session.add(source)
    db.session.flush()
    return source


def update_marketing_source(source: MarketingSource, name: str, kind: str, url: str = "") -> MarketingSource:
    source.name, source.kind, source.url = _source_values(source.publisher_id, name, kind, url, source.id)
    db.session.flush()
    return source


def delete_marketing_source(source: MarketingSource) -> None:
    """Delete a source nothing refers to; a source that tagged links or clicks stays, so reports keep their groups."""
    links = count_source_links(source)
    if links:
        raise LinkError(
            f"“{source.name}” tags {links} link{'' if links == 1 else 's'}; move them to another source first."
        )
    try:
        with unless_refused():
            db.session.execute(delete(MarketingSource).where(MarketingSource.id == source.id))
    except IntegrityError as refused:  # a recorded click's marketing_source_id refers to it (a foreign key)
        message = f"“{source.name}” has recorded clicks; it stays so your reports keep grouping them."
        raise LinkError(message) from refused


# ---------------------------------------------------------------- tracking links


def new_public_id() -> str:
    """16 URL-safe characters from 96 random bits: not enumerable."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class LinkFields:
    """What the publisher chooses in the link builder (sub IDs and relative path are not stored)."""

    offer_id: int | None
    name: str = ""
    landing_page_id: int | None = None
    marketing_source_id: int | None = None
    creative_id: int | None = None
    geo_target: str = ""


def normalise_geo(value: str) -> str:
    return (value or "").strip().upper()


def offer_creatives(offer_id: int | None) -> list[Creative]:
    """The offer's banners a link may carry: not archived."""
    if offer_id is None:
        return []
    return list(
        db.session.scalars(
            select(Creative)
            .where(Creative.offer_id == offer_id, Creative.archived_at.is_(None))
            .order_by(Creative.name, Creative.id)
        )
    )


def _check_link(publisher_id: int, fields: LinkFields) -> dict:
    if not can_promote(publisher_id, fields.offer_id):
        raise LinkError("You may not promote this offer.", "offer_id")
    name = (fields.name or "").strip()
    if not name:
        raise LinkError("Name the link, e.g. after where you place it.", "name")
    if len(name) > MAX_LINK_NAME:
        raise LinkError(f"Keep the name to {MAX_LINK_NAME} characters.", "name")
    if fields.landing_page_id is not None and fields.landing_page_id not in {
        page.id for page in pickable_landing_pages(fields.offer_id)
    }:
        raise LinkError("Pick one of this offer's landing pages.", "landing_page_id")
    if fields.marketing_source_id is not None:
        source = db.session.get(MarketingSource, fields.marketing_source_id)
        if source is None or source.publisher_id != publisher_id:
            raise LinkError("Pick one of your marketing sources.", "marketing_source_id")
    if fields.creative_id is not None and fields.creative_id not in {c.id for c in offer_creatives(fields.offer_id)}:
        raise LinkError("Pick one of this offer's creatives.", "creative_id")
    geo = normalise_geo(fields.geo_target)
    if geo and geo not in COUNTRIES:
        raise LinkError("Enter a two-letter ISO 3166 country code, e.g. GB or DE.", "geo_target")
    return {
        "offer_id": fields.offer_id,
        "name": name,
        "landing_page_id": fields.landing_page_id,
        "marketing_source_id": fields.marketing_source_id,
        "creative_id": fields.creative_id,
        "geo_target": geo,
    }


def create_link(publisher_id: int, fields: LinkFields) -> TrackingLink:
    """A new link for an offer the publisher may promote, with an unguessable public id."""
    link = TrackingLink(publisher_id=publisher_id, public_id=new_public_id(), **_check_link(publisher_id, fields))
    db.session.add(link)
    db.session.flush()
    return link


def update_link(link: TrackingLink, fields: LinkFields) -> TrackingLink:
    if link.archived_at is not None:
        raise LinkError("This link is archived; restore it before you change it.")
    for name, value in _check_link(link.publisher_id, fields).items():
        setattr(link, name, value)
    db.session.flush()
    return link


def archive_link(link: TrackingLink) -> TrackingLink:
    """Stop the link: its clicks get the 404 page (or the offer's fallback URL); reports keep its history."""
    if link.archived_at is None:
        link.archived_at = utcnow()
        db.session.flush()
    return link


def restore_link(link: TrackingLink) -> TrackingLink:
    if link.archived_at is not None:
        if not can_promote(link.publisher_id, link.offer_id):
            raise LinkError("You may no longer promote this link's offer, so it stays archived.")
        link.archived_at = None
        db.session.flush()
    return link


def search_links(
    publisher_id: int,
    query: str = "",
    offer_id: int | None = None,
    marketing_source_id: int | None = None,
    status: str = "active",
    page: int = 1,
    per_page: int = LINKS_PER_PAGE,
) -> Pagination:
    """A page of the publisher's links, newest first, searched by name or public id and filtered."""
    stmt = select(TrackingLink).where(TrackingLink.publisher_id == publisher_id)
    if query.strip():
        needle = query.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(TrackingLink.name).contains(needle, autoescape=True),
                func.lower(TrackingLink.public_id).contains(needle, autoescape=True),
            )
        )
    if offer_id is not None:
        stmt = stmt.where(TrackingLink.offer_id == offer_id)
    if marketing_source_id is not None:
        stmt = stmt.where(TrackingLink.marketing_source_id == marketing_source_id)
    if status == "active":
        stmt = stmt.where(TrackingLink.archived_at.is_(None))
    elif status == "archived":
        stmt = stmt.where(TrackingLink.archived_at.is_not(None))
    stmt = stmt.order_by(TrackingLink.created_at.desc(), TrackingLink.id.desc())
    return paginate(stmt, page, per_page)


def filter_offers(publisher_id: int) -> list[Offer]:
    """Offers worth filtering by: those the publisher's links use, and those it may promote."""
    used = select(TrackingLink.offer_id).where(TrackingLink.publisher_id == publisher_id)
    promotable = promotable_offers_query(publisher_id).with_only_columns(Offer.id)
    return list(
        db.session.scalars(
            select(Offer).where(or_(Offer.id.in_(used), Offer.id.in_(promotable))).order_by(Offer.name, Offer.id)
        )
    )


def tracking_url(click_url: str, subs: dict[str, str], relative_path: str = "") -> str:
    """The click URL with the sub IDs and relative path a publisher adds; empty values are left out."""
    params = [(name, subs[name]) for name in SUB_FIELDS if subs.get(name)]
    if relative_path:
        params.append(("relativepath", relative_path))
    return f"{click_url}?{urlencode(params)}" if params else click_url


def link_destination(publisher_id: int, offer_id: int | None, landing_page_id: int | None) -> str:
    """Where a link with these choices sends visitors, as the click endpoint will resolve it ("" if unknown)."""
    if not can_promote(publisher_id, offer_id):
        return ""
    for page in pickable_landing_pages(offer_id):
        if page.id == landing_page_id:
            return page.url
    return db.session.get(Offer, offer_id).destination_url
