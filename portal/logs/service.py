"""Raw log queries: a filter read from a query string, the viewer's tenant scope, and one statement per log.

The same statement feeds the paginated page and the streamed export, so both always show the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Mapping
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from portal.accounts.models import Role, User
from portal.conversions.models import Conversion
from portal.creatives.models import Creative
from portal.extensions import db
from portal.ids import parse_id
from portal.links.models import TrackingLink
from portal.network.models import Offer
from portal.network.reach import DataReach, data_reach
from portal.timezones import check_day
from portal.tracking.models import Click, ImpressionCount

PER_PAGE = 50


class LogFilterInvalid(ValueError):
    """A filter value that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class LogFilter:
    """Dates are days in the viewer's time zone, both ends included; `link` is a link's public id."""

    start: date | None = None
    end: date | None = None
    offer_id: int | None = None
    link: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LogFilter:
        start, end = _day(args, "start"), _day(args, "end")
        if start and end and end < start:
            raise LogFilterInvalid("The end date is before the start date.")
        offer = (args.get("offer") or "").strip()
        offer_id = parse_id(offer) if offer else None
        if offer and offer_id is None:
            raise LogFilterInvalid("Pick an offer from the list.")
        return cls(start=start, end=end, offer_id=offer_id, link=(args.get("link") or "").strip()[:24])

    @classmethod
    def from_query(cls, query: str) -> LogFilter:
        return cls.from_args(dict(parse_qsl(query or "")))

    def to_args(self) -> dict[str, str]:
        args = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "offer": str(self.offer_id) if self.offer_id else "",
            "link": self.link,
        }
        return {name: value for name, value in args.items() if value}


def _day(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise LogFilterInvalid(f"The {name} date must look like 2026-01-31.") from None
    try:
        return check_day(day, f"The {name} date")
    except ValueError as outside:
        raise LogFilterInvalid(str(outside)) from None


@dataclass(frozen=True)
class LogScope:
    """Whose rows a viewer may see: one publisher's, one advertiser's offers', or (both None, staff) those of the
    publishers and advertisers in `reach`."""

    publisher_id: int | None = None
    advertiser_id: int | None = None
    reach: DataReach = DataReach()


def scope_of(user: User) -> LogScope:
    if user.role == Role.PUBLISHER:
        return LogScope(publisher_id=user.publisher_id)
    if user.role == Role.ADVERTISER:
        return LogScope(advertiser_id=user.advertiser_id)
    return LogScope(reach=data_reach(user))


def utc_bounds(log_filter: LogFilter, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The filter's days as a half-open UTC interval [from, until)."""
    since = datetime.combine(log_filter.start, time(), zone) if log_filter.start else None
    until = datetime.combine(log_filter.end + timedelta(days=1), time(), zone) if log_filter.end else None
    return since, until


def _narrow(stmt: Select, log_filter: LogFilter, scope: LogScope, zone: ZoneInfo, when, publisher, offer) -> Select:
    since, until = utc_bounds(log_filter, zone)
    if since:
        stmt = stmt.where(when >= since)
    if until:
        stmt = stmt.where(when < until)
    if log_filter.offer_id:
        stmt = stmt.where(offer == log_filter.offer_id)
    if log_filter.link:
        stmt = stmt.where(TrackingLink.public_id == log_filter.link)
    if scope.publisher_id is not None:
        stmt = stmt.where(publisher == scope.publisher_id)
    if scope.advertiser_id is not None:
        stmt = stmt.where(Offer.advertiser_id == scope.advertiser_id)
    return stmt.where(scope.reach.publishers(publisher), scope.reach.advertisers(Offer.advertiser_id))


def clicks_statement(log_filter: LogFilter, scope: LogScope, zone: ZoneInfo) -> Select:
    # The visitor's IP hash stays out: it is a tracking secret, not a report field.
    stmt = (
        select(
            Click.click_id, Click.created_at, TrackingLink.public_id, TrackingLink.name, Offer.name,
            Click.sub1, Click.sub2, Click.sub3, Click.sub4, Click.sub5,
            Click.country, Click.is_unique, Click.is_bot, Click.is_blocked,
        )
        .join(TrackingLink, TrackingLink.id == Click.link_id)
        .join(Offer, Offer.id == Click.offer_id)
    )
    stmt = _narrow(stmt, log_filter, scope, zone, Click.created_at, Click.publisher_id, Click.offer_id)
    return stmt.order_by(Click.click_id.desc())  # UUIDv7: newest first through the primary key


def conversions_statement(log_filter: LogFilter, scope: LogScope, zone: ZoneInfo) -> Select:
    stmt = (
        select(
            Conversion.id, Conversion.created_at, TrackingLink.public_id, TrackingLink.name, Offer.name,
            Conversion.click_id, Conversion.status, Conversion.payout_type, Conversion.payout, Conversion.revenue,
            Conversion.currency,
        )
        .outerjoin(TrackingLink, TrackingLink.id == Conversion.link_id)
        .join(Offer, Offer.id == Conversion.offer_id)
    )
    stmt = _narrow(
        stmt, log_filter, scope, zone, Conversion.created_at, Conversion.publisher_id, Conversion.offer_id
    )
    return stmt.order_by(Conversion.created_at.desc(), Conversion.id.desc())


def impressions_statement(log_filter: LogFilter, scope: LogScope, zone: ZoneInfo) -> Select:
    stmt = (
        select(
            ImpressionCount.id, ImpressionCount.hour, TrackingLink.public_id, TrackingLink.name, Offer.name,
            Creative.name, ImpressionCount.count,
        )
        .join(TrackingLink, TrackingLink.id == ImpressionCount.link_id)
        .join(Offer, Offer.id == TrackingLink.offer_id)
        .join(Creative, Creative.id == ImpressionCount.creative_id)
    )
    stmt = _narrow(
        stmt, log_filter, scope, zone, ImpressionCount.hour, ImpressionCount.publisher_id, TrackingLink.offer_id
    )
    return stmt.order_by(ImpressionCount.hour.desc(), ImpressionCount.id.desc())


def _flag(value: bool) -> int:
    return 1 if value else 0


def _money(value) -> str:
    return f"{value:.2f}" if value is not None else ""


def _click_cells(row, zone: ZoneInfo, scope: LogScope) -> tuple:
    return (
        str(row[0]), row[1].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), row[2], row[3], row[4],
        row[5], row[6], row[7], row[8], row[9], row[10], _flag(row[11]), _flag(row[12]), _flag(row[13]),
    )


def _conversion_cells(row, zone: ZoneInfo, scope: LogScope) -> tuple:
    cells = (
        row[0], row[1].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), row[2] or "", row[3] or "", row[4],
        str(row[5]) if row[5] else "", row[6].value, row[7].value,
    )
    return cells + _conversion_amounts(row, scope) + (row[10],)


def _conversion_amounts(row, scope: LogScope) -> tuple:
    # A publisher sees what it earns, an advertiser what it owes; only the network sees both.
    if scope.publisher_id is not None:
        return (_money(row[8]),)
    if scope.advertiser_id is not None:
        return (_money(row[9]),)
    return (_money(row[8]), _money(row[9]))


def _conversion_header(scope: LogScope) -> tuple:
    amounts = ("payout",) if scope.publisher_id is not None else ("revenue",) if scope.advertiser_id is not None else ("payout", "revenue")
    return ("conversion_id", "time", "link_id", "link_name", "offer", "click_id", "status", "payout_type", *amounts, "currency")


def _impression_cells(row, zone: ZoneInfo, scope: LogScope) -> tuple:
    return (row[1].astimezone(zone).strftime("%Y-%m-%d %H:%M"), row[2], row[3], row[4], row[5], row[6])


@dataclass(frozen=True)
class RawLog:
    """One raw log: its title, CSV header, statement and the cells of one row (in the viewer's zone)."""

    name: str
    title: str
    header: Callable[[LogScope], tuple]
    statement: Callable[[LogFilter, LogScope, ZoneInfo], Select]
    cells: Callable[..., tuple]


CLICK_HEADER = (
    "click_id", "time", "link_id", "link_name", "offer", "sub1", "sub2", "sub3", "sub4", "sub5",
    "country", "unique", "bot", "blocked",
)

LOGS: dict[str, RawLog] = {
    "clicks": RawLog("clicks", "Clicks", lambda scope: CLICK_HEADER, clicks_statement, _click_cells),
    "conversions": RawLog("conversions", "Conversions", _conversion_header, conversions_statement, _conversion_cells),
    "impressions": RawLog(
        "impressions", "Impressions",
        lambda scope: ("hour", "link_id", "link_name", "offer", "creative", "impressions"),
        impressions_statement, _impression_cells,
    ),
}


@dataclass
class LogPage:
    """What `_pager.html` needs, for a statement of plain columns (Flask-SQLAlchemy pages entities only)."""

    rows: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def count_rows(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def log_page(log: RawLog, log_filter: LogFilter, scope: LogScope, zone: ZoneInfo, page: int = 1, per_page: int = PER_PAGE) -> LogPage:
    stmt = log.statement(log_filter, scope, zone)
    total = count_rows(stmt)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return LogPage(rows=rows, page=page, per_page=per_page, total=total)


def offer_choices(scope: LogScope) -> list[tuple[int, str]]:
    """The offers a viewer may filter on: a publisher's linked offers, an advertiser's own, or those in reach."""
    stmt = select(Offer.id, Offer.name).order_by(Offer.name, Offer.id)
    if scope.publisher_id is not None:
        stmt = stmt.where(Offer.id.in_(select(TrackingLink.offer_id).where(TrackingLink.publisher_id == scope.publisher_id)))
    if scope.advertiser_id is not None:
        stmt = stmt.where(Offer.advertiser_id == scope.advertiser_id)
    stmt = stmt.where(scope.reach.advertisers(Offer.advertiser_id))
    return [(offer_id, name) for offer_id, name in db.session.execute(stmt)]
