"""The choices of the builder's entity filters, limited to what the viewer's scope may see."""
from __future__ import annotations

from sqlalchemy import select

from portal.creatives.models import Creative
from portal.extensions import db
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import Advertiser, Offer, Publisher
from portal.reports.query import ReportQuery

LIMIT = 500


def _pairs(statement) -> list[tuple[str, str]]:
    return [(str(i), label or f"#{i}") for i, label in db.session.execute(statement.limit(LIMIT)).all()]


def choices(query: ReportQuery) -> dict[str, list[tuple[str, str]]]:
    """Entity filter options (id, label) for the viewer's scope (staff: within their reach)."""
    reach = query.reach
    offers = select(Offer.id, Offer.name).where(reach.advertisers(Offer.advertiser_id)).order_by(Offer.name)
    links = select(TrackingLink.id, TrackingLink.name).where(
        reach.publishers(TrackingLink.publisher_id), reach.offers(TrackingLink.offer_id)
    ).order_by(TrackingLink.name)
    creatives = select(Creative.id, Creative.name).where(reach.offers(Creative.offer_id)).order_by(Creative.name)
    sources = select(MarketingSource.id, MarketingSource.name).where(reach.publishers(MarketingSource.publisher_id))
    sources = sources.order_by(MarketingSource.name)
    if query.publisher_id is not None:
        own_offers = select(TrackingLink.offer_id).where(TrackingLink.publisher_id == query.publisher_id)
        offers = offers.where(Offer.id.in_(own_offers))
        links = links.where(TrackingLink.publisher_id == query.publisher_id)
        creatives = creatives.where(Creative.offer_id.in_(own_offers))
        sources = sources.where(MarketingSource.publisher_id == query.publisher_id)
    elif query.advertiser_id is not None:
        own_offers = select(Offer.id).where(Offer.advertiser_id == query.advertiser_id)
        offers = offers.where(Offer.advertiser_id == query.advertiser_id)
        links = links.where(TrackingLink.offer_id.in_(own_offers))
        creatives = creatives.where(Creative.offer_id.in_(own_offers))
        sources = sources.where(
            MarketingSource.id.in_(select(TrackingLink.marketing_source_id).where(TrackingLink.offer_id.in_(own_offers)))
        )
    found = {
        "campaign": _pairs(offers),
        "link": _pairs(links),
        "creative": _pairs(creatives),
        "marketing_source": _pairs(sources),
    }
    if query.network_wide:
        publishers = select(Publisher.id, Publisher.name).where(reach.publishers(Publisher.id))
        advertisers = select(Advertiser.id, Advertiser.name).where(reach.advertisers(Advertiser.id))
        found["publisher"] = _pairs(publishers.order_by(Publisher.name))
        found["advertiser"] = _pairs(advertisers.order_by(Advertiser.name))
    return found
