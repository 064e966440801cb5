"""Conversion queries for the portal: tenant scopes, filters, pages, totals and the rows' related names."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select

from portal.accounts.models import User
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.events.models import Event, Player
from portal.extensions import db
from portal.links.click_params import SUB_FIELDS
from portal.links.models import TrackingLink
from portal.network.models import Advertiser, Offer, OfferEvent, Publisher
from portal.network.reach import DataReach
from portal.paging import paginate
from portal.timezones import zone
from portal.tracking.models import Click

PER_PAGE = 50


@dataclass(frozen=True)
class Scope:
    """Whose conversions a viewer reaches: one advertiser's offers, one publisher's, or (staff) those of the
    publishers and advertisers in their reach."""

    advertiser_id: int | None = None
    publisher_id: int | None = None
    reach: DataReach = DataReach()

    def apply(self, stmt: Select) -> Select:
        if self.advertiser_id is not None:
            stmt = stmt.where(Conversion.offer_id.in_(select(Offer.id).where(Offer.advertiser_id == self.advertiser_id)))
        if self.publisher_id is not None:
            stmt = stmt.where(Conversion.publisher_id == self.publisher_id)
        return stmt.where(self.reach.publishers(Conversion.publisher_id), self.reach.offers(Conversion.offer_id))


@dataclass(frozen=True)
class ConversionFilters:
    day_from: date | None = None
    day_to: date | None = None
    timezone: str = "UTC"
    advertiser_id: int | None = None
    offer_id: int | None = None
    status: ConversionStatus | None = None
    publisher_id: int | None = None
    sub: str = ""
    sub_field: str = ""  # "" means any of sub1–sub5
    event_type: str = ""


def filtered(scope: Scope, filters: ConversionFilters) -> Select:
    """The conversions `scope` may see that match `filters`; days are whole days in the viewer's zone."""
    stmt = scope.apply(select(Conversion))
    tz = zone(filters.timezone)
    if filters.day_from is not None:
        stmt = stmt.where(Conversion.created_at >= datetime.combine(filters.day_from, time.min, tz))
    if filters.day_to is not None:
        stmt = stmt.where(Conversion.created_at < datetime.combine(filters.day_to + timedelta(days=1), time.min, tz))
    if filters.advertiser_id is not None:
        stmt = Scope(advertiser_id=filters.advertiser_id).apply(stmt)
    if filters.offer_id is not None:
        stmt = stmt.where(Conversion.offer_id == filters.offer_id)
    if filters.status is not None:
        stmt = stmt.where(Conversion.status == filters.status)
    if filters.publisher_id is not None:
        stmt = stmt.where(Conversion.publisher_id == filters.publisher_id)
    if filters.sub:
        fields = [filters.sub_field] if filters.sub_field in SUB_FIELDS else SUB_FIELDS
        matching = select(Click.click_id).where(or_(*(getattr(Click, name) == filters.sub for name in fields)))
        stmt = stmt.where(Conversion.click_id.in_(matching))
    if filters.event_type:
        stmt = stmt.where(Conversion.event_id.in_(select(Event.id).where(Event.type == filters.event_type)))
    return stmt


def search_conversions(scope: Scope, filters: ConversionFilters, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """A page of conversions, newest first."""
    stmt = filtered(scope, filters).order_by(Conversion.created_at.desc(), Conversion.id.desc())
    return paginate(stmt, page, per_page)


def payout_totals(scope: Scope, filters: ConversionFilters) -> list[tuple[str, str, Decimal, int]]:
    """(status, currency, sum of payout, count) of every matching conversion, by status then currency."""
    matching = filtered(scope, filters).with_only_columns(Conversion.id).subquery()
    stmt = (
        select(Conversion.status, Conversion.currency, func.sum(Conversion.payout), func.count(Conversion.id))
        .where(Conversion.id.in_(select(matching.c.id)))
        .group_by(Conversion.status, Conversion.currency)
    )
    order = {status: index for index, status in enumerate(ConversionStatus)}
    rows = [(status.value, currency, total or Decimal("0"), count) for status, currency, total, count in db.session.execute(stmt)]
    return sorted(rows, key=lambda row: (order[ConversionStatus(row[0])], row[1]))


def conversion_or_404(scope: Scope, conversion_id: int, for_update: bool = False) -> Conversion:
    """Load one conversion inside `scope`; another tenant's (or a missing) conversion is 404."""
    stmt = scope.apply(select(Conversion).where(Conversion.id == conversion_id))
    conversion = db.session.scalar(stmt.with_for_update(key_share=True) if for_update else stmt)
    if conversion is None:
        abort(404)
    return conversion


def conversions_in_scope(scope: Scope, ids: list[int]) -> list[Conversion]:
    """The conversions among `ids` that `scope` reaches, locked for the change; others are simply absent.

    The lock is FOR NO KEY UPDATE, as a review never changes an id: rows written elsewhere that refer to
    these conversions by key (points awards) check it without waiting for the review."""
    if not ids:
        return []
    stmt = scope.apply(select(Conversion).where(Conversion.id.in_(ids))).order_by(Conversion.id)
    return list(db.session.scalars(stmt.with_for_update(key_share=True)))


@dataclass
class RowDetails:
    """The names and click data a table of conversions shows, loaded in a handful of queries."""

    offers: dict[int, Offer]
    publishers: dict[int, Publisher]
    clicks: dict
    events: dict
    links: dict[int, TrackingLink]

    def click(self, conversion: Conversion) -> Click | None:
        return self.clicks.get(conversion.click_id)

    def event(self, conversion: Conversion) -> Event | None:
        return self.events.get(conversion.event_id)


def _by_key(model, key, values) -> dict:
    values = {value for value in values if value is not None}
    if not values:
        return {}
    return {getattr(row, key.key): row for row in db.session.scalars(select(model).where(key.in_(values)))}


def row_details(conversions) -> RowDetails:
    conversions = list(conversions)
    return RowDetails(
        offers=_by_key(Offer, Offer.id, (c.offer_id for c in conversions)),
        publishers=_by_key(Publisher, Publisher.id, (c.publisher_id for c in conversions)),
        clicks=_by_key(Click, Click.click_id, (c.click_id for c in conversions)),
        events=_by_key(Event, Event.id, (c.event_id for c in conversions)),
        links=_by_key(TrackingLink, TrackingLink.id, (c.link_id for c in conversions)),
    )


def conversion_detail(conversion: Conversion) -> dict:
    """Everything the detail drawer shows: event, player, click, offer event and the status history."""
    details = row_details([conversion])
    event = details.event(conversion)
    changes = list(db.session.scalars(
        select(ConversionChange).where(ConversionChange.conversion_id == conversion.id).order_by(ConversionChange.id)
    ))
    player_id = getattr(conversion, "player_id", None) or (event.player_id if event is not None else None)
    actor_ids = {change.changed_by_id for change in changes if change.changed_by_id is not None}
    actors = _by_key(User, User.id, actor_ids)
    return {
        "offer": details.offers.get(conversion.offer_id),
        "publisher": details.publishers.get(conversion.publisher_id),
        "click": details.click(conversion),
        "link": details.links.get(conversion.link_id),
        "event": event,
        "player": db.session.get(Player, player_id) if player_id else None,
        "offer_event": db.session.get(OfferEvent, conversion.offer_event_id) if conversion.offer_event_id else None,
        "changes": changes,
        "actors": {user_id: user.email for user_id, user in actors.items()},
    }


# ---------------------------------------------------------------- filter choices


def scope_offers(scope: Scope, advertiser_id: int | None = None) -> list[Offer]:
    stmt = select(Offer).where(scope.reach.advertisers(Offer.advertiser_id)).order_by(Offer.name)
    for owner in (scope.advertiser_id, advertiser_id):
        if owner is not None:
            stmt = stmt.where(Offer.advertiser_id == owner)
    if scope.publisher_id is not None:
        stmt = stmt.where(Offer.id.in_(select(Conversion.offer_id).where(Conversion.publisher_id == scope.publisher_id)))
    return list(db.session.scalars(stmt))


def scope_publishers(scope: Scope) -> list[Publisher]:
    """The publishers that have conversions the scope reaches."""
    publisher_ids = scope.apply(select(Conversion.publisher_id)).distinct()
    return list(db.session.scalars(select(Publisher).where(Publisher.id.in_(publisher_ids)).order_by(Publisher.name)))


def advertisers(scope: Scope) -> list[Advertiser]:
    stmt = select(Advertiser).where(scope.reach.advertisers(Advertiser.id)).order_by(Advertiser.name)
    return list(db.session.scalars(stmt))
