"""Which offers a publisher may promote, and which of an offer's landing pages it may pick."""
from __future__ import annotations

from sqlalchemy import Select, and_, exists, or_, select

from portal.extensions import db
from portal.network.models import (
    AccessStatus,
    LandingPage,
    Offer,
    OfferAccess,
    Visibility,
)


def _promotable(publisher_id: int):
    """The condition an offer meets when `publisher_id` may promote it."""
    approved = exists().where(
        OfferAccess.offer_id == Offer.id,
        OfferAccess.publisher_id == publisher_id,
        OfferAccess.status == AccessStatus.APPROVED,
    )
    return and_(
        Offer.active.is_(True),
        Offer.archived_at.is_(None),
        or_(Offer.visibility == Visibility.PUBLIC, approved),
    )


def promotable_offers_query(publisher_id: int) -> Select:
    return select(Offer).where(_promotable(publisher_id)).order_by(Offer.name, Offer.id)


def promotable_offers(publisher_id: int) -> list[Offer]:
    """Active, non-archived offers that are Public, or Private / Requires_Approval with approved access."""
    return list(db.session.scalars(promotable_offers_query(publisher_id)))


def can_promote(publisher_id: int, offer_id: int | None) -> bool:
    if offer_id is None:
        return False
    return db.session.scalar(select(Offer.id).where(Offer.id == offer_id, _promotable(publisher_id))) is not None


def pickable_landing_pages(offer_id: int | None) -> list[LandingPage]:
    """The offer's landing pages a publisher may send traffic to: not archived, not hidden."""
    if offer_id is None:
        return []
    return list(
        db.session.scalars(
            select(LandingPage)
            .where(LandingPage.offer_id == offer_id, LandingPage.archived_at.is_(None), LandingPage.hidden.is_(False))
            .order_by(LandingPage.name, LandingPage.id)
        )
    )


def listed_offers_query(publisher_id: int) -> Select:
    """What the publisher's offer list shows: offers it may promote, plus live Requires_Approval offers it
    may ask to promote. Private offers it has no approval for never appear."""
    askable = and_(Offer.active.is_(True), Offer.archived_at.is_(None), Offer.visibility == Visibility.REQUIRES_APPROVAL)
    return select(Offer).where(or_(_promotable(publisher_id), askable)).order_by(Offer.name, Offer.id)
