"""The publisher's offer list: the offers it may promote plus the Requires_Approval ones it may ask for,
each with the payout it earns (its custom payouts applied, per offer event too) and the landing pages it
may pick."""
from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.network.models import (
    AccessStatus,
    LandingPage,
    Offer,
    OfferAccess,
    OfferEvent,
    Visibility,
)
from portal.network.offers.access import listed_offers_query
from portal.network.plans import Plan, choose_plan, custom_payouts
from portal.paging import PER_PAGE, paginate


@dataclass(frozen=True)
class OfferCard:
    offer: Offer
    plan: Plan
    event_plans: list[tuple[OfferEvent, Plan]]
    landing_pages: list[LandingPage]
    can_promote: bool
    access: AccessStatus | None  # the publisher's request on a Requires_Approval offer, if any


def offer_cards(publisher_id: int, offers: list[Offer]) -> list[OfferCard]:
    """One card per offer; the publisher's custom payouts and access rows are read once for all of them."""
    ids = [offer.id for offer in offers]
    customs = custom_payouts(publisher_id, ids)
    access = dict(
        db.session.execute(
            select(OfferAccess.offer_id, OfferAccess.status).where(
                OfferAccess.publisher_id == publisher_id, OfferAccess.offer_id.in_(ids)
            )
        ).all()
    ) if ids else {}
    cards = []
    for offer in offers:
        status = access.get(offer.id)
        cards.append(
            OfferCard(
                offer=offer,
                plan=choose_plan(offer, None, customs),
                event_plans=[(event, choose_plan(offer, event, customs)) for event in offer.events if event.active],
                landing_pages=[p for p in offer.landing_pages if p.archived_at is None and not p.hidden],
                # Every listed offer is live, so Public or approved is exactly access.can_promote.
                can_promote=offer.visibility == Visibility.PUBLIC or status == AccessStatus.APPROVED,
                access=status,
            )
        )
    return cards


def search_listed_offers(publisher_id: int, query: str = "", page: int = 1) -> Pagination:
    stmt = listed_offers_query(publisher_id).options(selectinload(Offer.events), selectinload(Offer.landing_pages))
    needle = query.strip().lower()
    if needle:
        stmt = stmt.where(func.lower(Offer.name).contains(needle, autoescape=True))
    return paginate(stmt, page, PER_PAGE)


def listed_offer(publisher_id: int, offer_id: int) -> Offer | None:
    """The offer if it is on the publisher's list, else None (Private without approval, paused, archived …)."""
    return db.session.scalar(listed_offers_query(publisher_id).where(Offer.id == offer_id))
