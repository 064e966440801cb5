"""Seed steps for the demo network's structure. Each finds its rows by their fixed names first and adds
only what is missing, flushes and never commits; each returns how many rows of each kind it added."""
from __future__ import annotations

import secrets
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import ApiKey, Role, User
from portal.accounts.service import create_api_key, create_user
from portal.creatives.models import Creative
from portal.creatives.storage import banner_path, store_banner
from portal.demo import catalogue
from portal.demo.banners import render_banner
from portal.extensions import db
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import (
    AccessStatus,
    Advertiser,
    LandingPage,
    Offer,
    OfferAccess,
    OfferEvent,
    Publisher,
    Visibility,
)
from portal.subids.models import BlockedSubId, SubId
from portal.types import utcnow


def _find_or_add(created: Counter, model, lookup: dict, **values):
    """The row matching `lookup`, or a new one made from `lookup` and `values` (counted in `created`)."""
    row = db.session.scalar(select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
        created[model.__tablename__] += 1
    return row


def advertiser(name: str) -> Advertiser:
    return db.session.scalar(select(Advertiser).where(Advertiser.name == name))


def publisher(name: str) -> Publisher:
    return db.session.scalar(select(Publisher).where(Publisher.name == name))


def offer(key: str) -> Offer:
    spec = next(o for o in catalogue.OFFERS if o.key == key)
    return db.session.scalar(
        select(Offer).where(Offer.advertiser_id == advertiser(spec.advertiser).id, Offer.name == spec.name)
    )


def seed_organisations() -> Counter:
    """Advertisers, their offers with offer events and landing pages, and the publishers."""
    created: Counter = Counter()
    for name, website, currency in catalogue.ADVERTISERS:
        _find_or_add(created, Advertiser, {"name": name}, website=website, default_currency=currency)
    for spec in catalogue.OFFERS:
        row = _find_or_add(
            created,
            Offer,
            {"advertiser_id": advertiser(spec.advertiser).id, "name": spec.name},
            description=spec.description,
            currency=spec.currency,
            visibility=spec.visibility,
            destination_url=spec.destination_url,
            fallback_url=spec.fallback_url,
            manually_approve_conversions=spec.manually_approve,
            allow_duplicate_conversions=True,  # repeats are governed per offer event (REPEATABLE_EVENTS)
            conversion_name="First-time deposit",
            **spec.terms.columns(),
        )
        for code, terms in spec.events.items():
            _find_or_add(
                created,
                OfferEvent,
                {"offer_id": row.id, "code": code},
                name=catalogue.EVENT_NAMES[code],
                allow_multiple_events=code in catalogue.REPEATABLE_EVENTS,
                manually_approve_events=spec.manually_approve,
                **terms.columns(),
            )
        for name, url in spec.landing_pages:
            _find_or_add(created, LandingPage, {"offer_id": row.id, "name": name}, url=url, preview_url=url)
    for spec in catalogue.PUBLISHERS:
        _find_or_add(
            created,
            Publisher,
            {"name": spec.name},
            email=spec.email,
            website=spec.website,
            country=spec.country,
            timezone=spec.timezone,
        )
    return created


def seed_users() -> Counter:
    """One user per DEMO_LOGINS entry, created through the accounts service."""
    created: Counter = Counter()
    publishers = iter(catalogue.PUBLISHERS)
    advertisers = iter(catalogue.ADVERTISERS)
    for role, email, password in catalogue.DEMO_LOGINS:
        extra = {}
        timezone = "UTC"
        if role == Role.PUBLISHER.value:
            spec = next(publishers)
            extra["publisher_id"] = publisher(spec.name).id
            timezone = spec.timezone
        elif role == Role.ADVERTISER.value:
            extra["advertiser_id"] = advertiser(next(advertisers)[0]).id
            timezone = "Europe/Malta"
        elif role == Role.ACCOUNT_MANAGER.value:
            extra.update(catalogue.MANAGER_REACH)
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        first, _, last = email.split("@")[0].partition(".")
        create_user(email, password, Role(role), first_name=first.title(), last_name=last.title() or "Demo",
                    timezone=timezone, **extra)
        created[User.__tablename__] += 1
    return created


def assign_account_manager() -> Counter:
    """The demo account manager looks after the catalogue's managed advertisers and publishers (unless
    someone picked another manager since)."""
    manager_id = db.session.scalar(select(User.id).where(User.email == catalogue.MANAGER_EMAIL))
    assigned: Counter = Counter()
    managed = [advertiser(name) for name in catalogue.MANAGED_ADVERTISERS] + [publisher(name) for name in catalogue.MANAGED_PUBLISHERS]
    for row in managed:
        if row.manager_id is None:
            row.manager_id = manager_id
            assigned["manager assignments"] += 1
    db.session.flush()
    return assigned


def seed_publisher_setup() -> Counter:
    """Offer access, marketing sources, managed and blocked sub IDs of every publisher."""
    created: Counter = Counter()
    now = utcnow()
    for spec in catalogue.PUBLISHERS:
        pub = publisher(spec.name)
        for key in sorted({link.offer for link in spec.links}):
            row = offer(key)
            if row.visibility != Visibility.PUBLIC:
                _find_or_add(
                    created, OfferAccess, {"offer_id": row.id, "publisher_id": pub.id},
                    status=AccessStatus.APPROVED, requested_at=now - timedelta(days=45),
                    decided_at=now - timedelta(days=44),
                )
        for name, kind, url in spec.sources:
            _find_or_add(created, MarketingSource, {"publisher_id": pub.id, "name": name}, kind=kind, url=url)
        for external_id, name in spec.sub_ids:
            _find_or_add(created, SubId, {"publisher_id": pub.id, "external_id": external_id}, name=name)
    for pub_name, key in catalogue.PENDING_ACCESS:
        _find_or_add(
            created, OfferAccess, {"offer_id": offer(key).id, "publisher_id": publisher(pub_name).id},
            status=AccessStatus.PENDING, requested_at=now - timedelta(days=2),
        )
    for pub_name, key, sub_id, description in catalogue.BLOCKED_SUB_IDS:
        _find_or_add(
            created, BlockedSubId,
            {"publisher_id": publisher(pub_name).id, "offer_id": offer(key).id, "sub_id": sub_id},
            description=description,
        )
    return created


def banner_name(offer_name: str, width: int, height: int) -> str:
    return f"{offer_name} {width}×{height}"


def seed_creatives() -> Counter:
    """Banners for every offer, drawn in memory and stored as files; a missing file is stored again."""
    created: Counter = Counter()
    for spec in catalogue.OFFERS:
        row = offer(spec.key)
        for width, height, image_format in catalogue.BANNER_SIZES:
            name = banner_name(spec.name, width, height)
            existing = db.session.scalar(select(Creative).where(Creative.offer_id == row.id, Creative.name == name))
            if existing is not None and banner_path(existing.file_name).exists():
                continue
            stored = store_banner(render_banner(spec.name, (width, height), spec.banner_colours, image_format))
            if existing is None:
                db.session.add(Creative(
                    public_id=secrets.token_urlsafe(12), offer_id=row.id, name=name, file_name=stored.file_name,
                    content_type=stored.content_type, width=stored.width, height=stored.height,
                    alt_text=f"{spec.name}: {spec.description}"[:255],
                ))
                created[Creative.__tablename__] += 1
    db.session.flush()
    return created


def seed_links() -> Counter:
    """Each publisher's tracking links, some with a landing page, marketing source, creative and geo target."""
    created: Counter = Counter()
    for spec in catalogue.PUBLISHERS:
        pub = publisher(spec.name)
        for link in spec.links:
            if db.session.scalar(select(TrackingLink.id).filter_by(publisher_id=pub.id, name=link.name)):
                continue
            row = offer(link.offer)
            creative_id = None
            if link.banner:
                creative_id = db.session.scalar(select(Creative.id).where(
                    Creative.offer_id == row.id, Creative.name == banner_name(row.name, *link.banner)))
            source_id = db.session.scalar(select(MarketingSource.id).filter_by(publisher_id=pub.id, name=link.source))
            db.session.add(TrackingLink(
                public_id=secrets.token_urlsafe(12),
                publisher_id=pub.id,
                offer_id=row.id,
                name=link.name,
                landing_page_id=row.landing_pages[link.landing_page].id if link.landing_page is not None else None,
                destination_url="" if link.landing_page is not None else row.destination_url,
                marketing_source_id=source_id,
                creative_id=creative_id,
                geo_target=link.geo,
            ))
            created[TrackingLink.__tablename__] += 1
    db.session.flush()
    return created


def seed_api_keys() -> tuple[Counter, list[tuple[str, str]]]:
    """A network key and one events key per advertiser; returns (owner, secret) for the keys made now."""
    created: Counter = Counter()
    secrets_made: list[tuple[str, str]] = []
    admin_id = db.session.scalar(select(User.id).where(User.email == catalogue.ADMIN_EMAIL))
    wanted = [(catalogue.API_KEY_NETWORK, None, "the network")] + [
        (f"{catalogue.API_KEY_ADVERTISER} ({name})", advertiser(name).id, name)
        for name, _, _ in catalogue.ADVERTISERS
    ]
    for name, advertiser_id, owner in wanted:
        owner_is = ApiKey.advertiser_id.is_(None) if advertiser_id is None else ApiKey.advertiser_id == advertiser_id
        if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name, owner_is)):
            continue
        _, secret = create_api_key(name, advertiser_id, created_by_id=admin_id)
        created[ApiKey.__tablename__] += 1
        secrets_made.append((owner, secret))
    return created, secrets_made


def demo_link_rates() -> dict[int, float]:
    """Average daily clicks of every demo link, by link id, in catalogue order."""
    rates: dict[int, float] = {}
    for spec in catalogue.PUBLISHERS:
        pub = publisher(spec.name)
        for link in spec.links:
            link_id = db.session.scalar(select(TrackingLink.id).filter_by(publisher_id=pub.id, name=link.name))
            rates[link_id] = spec.daily_clicks * link.weight
    return rates
