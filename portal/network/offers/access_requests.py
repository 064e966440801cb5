"""Publisher access to Private and Requires_Approval offers: requests, the admin's answers, direct grants.

`within` is the SQL condition for what the acting staff user reaches (portal.network.reach): the access rows of
publishers out of their reach are neither shown nor granted."""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.orm import selectinload

from portal.audit.service import record
from portal.extensions import db
from portal.network.models import AccessStatus, Offer, OfferAccess, Publisher
from portal.types import utcnow
from portal.validation import Invalid


def offer_access_rows(offer_id: int, within=true()) -> list[OfferAccess]:
    """The offer's access rows `within` reach: pending first, then by request time."""
    rows = db.session.scalars(
        select(OfferAccess)
        .where(OfferAccess.offer_id == offer_id, within)
        .options(selectinload(OfferAccess.publisher))
        .order_by(OfferAccess.requested_at, OfferAccess.id)
    )
    return sorted(rows, key=lambda row: row.status != AccessStatus.PENDING)


def grantable_publishers(offer_id: int, within=true()) -> list[Publisher]:
    """Publishers `within` reach not yet approved for the offer (not archived)."""
    approved = select(OfferAccess.publisher_id).where(
        OfferAccess.offer_id == offer_id, OfferAccess.status == AccessStatus.APPROVED
    )
    return list(
        db.session.scalars(
            select(Publisher)
            .where(Publisher.archived_at.is_(None), Publisher.id.not_in(approved), within)
            .order_by(Publisher.name, Publisher.id)
        )
    )


def request_access(publisher_id: int, offer: Offer) -> OfferAccess:
    """A publisher asks to promote the offer; a repeat (or a rejected publisher asking again) is pending again."""
    access = db.session.scalar(
        select(OfferAccess).where(OfferAccess.offer_id == offer.id, OfferAccess.publisher_id == publisher_id)
    )
    if access is None:
        access = OfferAccess(offer_id=offer.id, publisher_id=publisher_id, status=AccessStatus.PENDING)
        db.session.add(access)
    elif access.status == AccessStatus.REJECTED:
        access.status, access.requested_at, access.decided_at = AccessStatus.PENDING, utcnow(), None
    db.session.flush()
    return access


def _decide(actor_id: int, access: OfferAccess, status: AccessStatus, action: str) -> bool:
    if access.status == status:
        return False
    before = access.status
    access.status, access.decided_at = status, utcnow()
    db.session.flush()
    record(actor_id, action, access, {"status": (before, status)})
    return True


def approve_access(actor_id: int, access: OfferAccess) -> bool:
    """The publisher may promote the offer from now on."""
    return _decide(actor_id, access, AccessStatus.APPROVED, "approve")


def reject_access(actor_id: int, access: OfferAccess) -> bool:
    """The publisher may not promote the offer (an approval is withdrawn)."""
    return _decide(actor_id, access, AccessStatus.REJECTED, "reject")


def grant_access(actor_id: int, offer: Offer, publisher_id: int | None, within=true()) -> OfferAccess:
    """The admin lets a publisher `within` reach promote the offer without a request (or approves the pending one)."""
    found = select(Publisher).where(Publisher.id == publisher_id, within) if isinstance(publisher_id, int) else None
    publisher = db.session.scalar(found) if found is not None else None
    if publisher is None or publisher.archived_at is not None:
        raise Invalid({"publisher_id": "Pick a publisher."})
    access = db.session.scalar(
        select(OfferAccess).where(OfferAccess.offer_id == offer.id, OfferAccess.publisher_id == publisher.id)
    )
    if access is None:
        access = OfferAccess(offer_id=offer.id, publisher_id=publisher.id, status=AccessStatus.APPROVED, decided_at=utcnow())
        db.session.add(access)
        db.session.flush()
        record(actor_id, "approve", access, {"status": (None, AccessStatus.APPROVED), "publisher_id": (None, publisher.id)})
    else:
        approve_access(actor_id, access)
    return access
