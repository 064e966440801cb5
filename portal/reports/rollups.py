"""Keep the hourly report rollups in step with the raw rows.

Writers of raw rows (click / impression flush, event ingest, conversion changes) announce the times
they touched with `portal.signals.hours_touched`; `mark_dirty` receives it: one cheap insert in their
own transaction. The scheduled
`refresh_rollups` job recomputes exactly those UTC hours from the raw rows, so a refresh is
idempotent, safe to retry, and an incremental refresh equals a rebuild by construction."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from sqlalchemy import case, delete, func, select, type_coerce
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, SQLAlchemyError

from portal.conversions.models import Conversion, ConversionStatus
from portal.events.models import Event, Player
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import Offer
from portal.queues import background_job
from portal.reports.models import ReportDirtyHour, ReportFailedHour, ReportRollup
from portal.signals import hours_touched, readiness_details
from portal.sql import insert_rows, insert_statement
from portal.tracking.models import Click, ImpressionCount
from portal.types import Money, utcnow

log = logging.getLogger("tracklane.reports")
HOUR = timedelta(hours=1)
KEY = ("publisher_id", "advertiser_id", "offer_id", "link_id", "creative_id", "marketing_source_id",
       "sub1", "sub2", "sub3", "sub4", "sub5", "country", "currency")  # fmt: skip
COUNTS = ("click_count", "unique_click_count", "banner_view_count", "registration_count", "ftd_count", "conversion_count")
AMOUNTS = ("deposit_amount", "ngr", "total_reward")
DEPOSIT_TYPES = ("ftd", "deposit")  # a first deposit is a deposit too
# Level -> the key positions it keeps (the others are blanked): 0 everything; 1 without sub IDs and
# country; 2 publisher, advertiser, campaign and currency; 3 advertiser, campaign and currency (the
# network-wide view). A day × campaign report over a month then reads a few rows per hour instead of
# one per sub ID combination.
LEVELS = {0: range(13), 1: (0, 1, 2, 3, 4, 5, 12), 2: (0, 1, 2, 12), 3: (1, 2, 12)}
LEVEL_DIMENSIONS = {
    3: {"date", "campaign", "advertiser"},
    2: {"date", "campaign", "publisher", "advertiser"},
    1: {"date", "campaign", "publisher", "advertiser", "link", "creative", "marketing_source"},
}


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


_MARKED = "tracklane.dirty_hours"  # session.info: (transaction, hours it noted already)


def mark_dirty(times: Iterable[datetime | None]) -> None:
    """Note that raw rows at these times changed; flushes, never commits (the caller's transaction)."""
    hours = {floor_hour(t or utcnow()) for t in set(times)}  # a body's rows mostly share one moment
    # An event batch and its conversions touch the same hours: note each hour once per transaction.
    session = db.session()
    memo = session.info.get(_MARKED)
    current = session.get_nested_transaction() or session.get_transaction()
    if memo is not None and current is not None and memo[0] is current:
        hours -= memo[1]
    if hours:
        insert_rows(ReportDirtyHour.__table__, [{"hour": h} for h in sorted(hours)])
        current = session.get_nested_transaction() or session.get_transaction()
        if memo is None or memo[0] is not current:
            memo = session.info[_MARKED] = (current, set())
        memo[1].update(hours)


@hours_touched.connect
def _on_hours_touched(sender, *, times: Iterable[datetime | None]) -> None:
    """Connected once, at import (the reports package imports this module): every app and worker shares it."""
    mark_dirty(times)


def _money_sum(expression):
    return type_coerce(func.sum(expression), Money())


def _click_rows(start: datetime, end: datetime):
    unique = case((Click.is_unique.is_(True), 1), else_=0)
    return (
        select(
            Click.publisher_id, Offer.advertiser_id, Click.offer_id, Click.link_id, Click.creative_id,
            Click.marketing_source_id, Click.sub1, Click.sub2, Click.sub3, Click.sub4, Click.sub5,
            Click.country, Offer.currency,
            func.count().label("click_count"), func.sum(unique).label("unique_click_count"),
        )  # fmt: skip
        .join(Offer, Offer.id == Click.offer_id)
        .where(Click.created_at >= start, Click.created_at < end, Click.is_bot.is_(False))
        .group_by(*_group_by(Click, Offer, with_subs=True))
    )


def _group_by(source, offer, with_subs):
    cols = [source.publisher_id, offer.advertiser_id, source.offer_id, source.link_id, source.creative_id,
            source.marketing_source_id]  # fmt: skip
    if with_subs:
        cols += [source.sub1, source.sub2, source.sub3, source.sub4, source.sub5, source.country]
    return cols + [offer.currency]


def _impression_rows(start: datetime, end: datetime):
    return (
        select(
            ImpressionCount.publisher_id, Offer.advertiser_id, TrackingLink.offer_id, ImpressionCount.link_id,
            ImpressionCount.creative_id, TrackingLink.marketing_source_id, Offer.currency,
            func.sum(ImpressionCount.count).label("banner_view_count"),
        )  # fmt: skip
        .join(TrackingLink, TrackingLink.id == ImpressionCount.link_id)
        .join(Offer, Offer.id == TrackingLink.offer_id)
        .where(ImpressionCount.hour >= start, ImpressionCount.hour < end)
        .group_by(ImpressionCount.publisher_id, Offer.advertiser_id, TrackingLink.offer_id, ImpressionCount.link_id,
                  ImpressionCount.creative_id, TrackingLink.marketing_source_id, Offer.currency)  # fmt: skip
    )


def _event_rows(start: datetime, end: datetime):
    credited_click = func.coalesce(Player.click_id, Event.click_id)
    is_type = lambda *types: case((Event.type.in_(types), 1), else_=0)  # noqa: E731
    amount_of = lambda *types: case((Event.type.in_(types), Event.amount), else_=None)  # noqa: E731
    keys = [
        Event.publisher_id, Offer.advertiser_id, Event.offer_id, Event.link_id, Click.creative_id,
        func.coalesce(Click.marketing_source_id, TrackingLink.marketing_source_id),
        *(func.coalesce(getattr(Click, f"sub{i}"), "") for i in range(1, 6)),
        func.coalesce(Click.country, ""), func.coalesce(Event.currency, Offer.currency, ""),
    ]  # fmt: skip
    return (
        select(
            *keys,
            func.sum(is_type("registration")).label("registration_count"),
            func.sum(is_type("ftd")).label("ftd_count"),
            _money_sum(amount_of(*DEPOSIT_TYPES)).label("deposit_amount"),
            _money_sum(amount_of("revenue")).label("ngr"),
        )
        .outerjoin(Player, Player.id == Event.player_id)
        .outerjoin(Click, Click.click_id == credited_click)
        .outerjoin(TrackingLink, TrackingLink.id == Event.link_id)
        .outerjoin(Offer, Offer.id == Event.offer_id)
        .where(Event.occurred_at >= start, Event.occurred_at < end, Event.publisher_id.is_not(None))
        .where(Event.type.in_(("registration", "ftd", "deposit", "revenue")))
        .group_by(*keys)
    )


def _conversion_rows(start: datetime, end: datetime):
    keys = [
        Conversion.publisher_id, Offer.advertiser_id, Conversion.offer_id, Conversion.link_id, Click.creative_id,
        func.coalesce(Click.marketing_source_id, TrackingLink.marketing_source_id),
        *(func.coalesce(getattr(Click, f"sub{i}"), "") for i in range(1, 6)),
        func.coalesce(Click.country, ""), Conversion.currency,
    ]  # fmt: skip
    return (
        select(*keys, func.count().label("conversion_count"), _money_sum(Conversion.payout).label("total_reward"))
        .outerjoin(Click, Click.click_id == Conversion.click_id)
        .outerjoin(TrackingLink, TrackingLink.id == Conversion.link_id)
        .join(Offer, Offer.id == Conversion.offer_id)
        .where(Conversion.created_at >= start, Conversion.created_at < end)
        .where(Conversion.status != ConversionStatus.REJECTED)
        .group_by(*keys)
    )


def _key_of(values) -> tuple:
    """The full grouping key; impressions have no sub IDs or country, so they get empty ones."""
    values = list(values)
    if len(values) == 7:  # impressions: ids, currency
        values = values[:6] + [""] * 6 + values[6:]
    return tuple("" if v is None and i >= 6 else v for i, v in enumerate(values))


def compute_hour(hour: datetime) -> list[dict]:
    """The rollup rows of one UTC hour, computed from the raw rows alone."""
    end = hour + HOUR
    rows: dict[tuple, dict] = {}
    for statement, width in ((_click_rows, 13), (_impression_rows, 7), (_event_rows, 13), (_conversion_rows, 13)):
        for record in db.session.execute(statement(hour, end)):
            key = _key_of(record[:width])
            row = rows.setdefault(key, {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(AMOUNTS, Decimal("0"))})
            for name, value in record._mapping.items():
                if name in row and value is not None:
                    row[name] += value
    detail = {key: metrics for key, metrics in rows.items() if any(metrics.values())}
    out = []
    for level, kept in LEVELS.items():
        for key, metrics in _coarsen(detail, kept).items():
            out.append({"hour": hour, "level": level, "key_hash": _key_hash(level, key), **dict(zip(KEY, key)), **metrics})
    return out


def _coarsen(detail: dict[tuple, dict], kept) -> dict[tuple, dict]:
    """Sum the detail rows over the key positions not kept (ids blank to None, strings to '')."""
    if len(kept) == len(KEY):
        return detail
    coarse: dict[tuple, dict] = {}
    for key, metrics in detail.items():
        short = tuple(v if i in kept else ("" if i >= 6 else None) for i, v in enumerate(key))
        into = coarse.setdefault(short, dict.fromkeys(metrics, 0))
        for name, value in metrics.items():
            into[name] += value
    return coarse


def level_for(needed: set[str], publisher_scoped: bool) -> int:
    """The coarsest level whose rows still hold every dimension a report groups or filters by (and the
    publisher, when the report is limited to one)."""
    levels = (2, 1) if publisher_scoped else (3, 2, 1)
    return next((level for level in levels if needed <= LEVEL_DIMENSIONS[level]), 0)


def _key_hash(level: int, key: tuple) -> str:
    return hashlib.sha256(json.dumps([level, *key], separators=(",", ":")).encode()).hexdigest()


def recompute_hours(hours: Iterable[datetime]) -> int:
    """Replace the rollups of these hours with freshly computed rows; flushes, never commits.

    Each hour in a savepoint, so that one hour whose raw rows cannot be rolled up keeps its last rollups,
    is recorded in report_failed_hours and logged, and the other hours go on; an hour that rolls up
    loses its failure record."""
    written, done = 0, []
    for hour in sorted({floor_hour(h) for h in hours}):
        try:
            with db.session.begin_nested():
                written += _replace_hour(hour)
        except Exception as exc:
            if not _hour_fault(exc):
                raise
            _record_failure(hour, exc)
        else:
            done.append(hour)
    if done:
        db.session.execute(delete(ReportFailedHour).where(ReportFailedHour.hour.in_(done)))
    return written


def _replace_hour(hour: datetime) -> int:
    db.session.execute(delete(ReportRollup).where(ReportRollup.hour == hour))
    rows = compute_hour(hour)
    if rows:
        _insert(rows)
    return len(rows)


def _hour_fault(exc: Exception) -> bool:
    """Whether `exc` says the hour's own rows cannot be rolled up (a time with no next hour, a sum beyond a
    rollup column or SQLite's 64-bit SUM), not that the refresh failed (a lost connection …): that one
    fails the job, whose retries are for it."""
    if isinstance(exc, (ArithmeticError, DataError, psycopg.DataError)):
        return True
    return isinstance(exc, OperationalError) and "integer overflow" in str(exc.orig)


def _record_failure(hour: datetime, exc: Exception) -> None:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc  # the driver's words, without the SQL
    first_line = str(cause).strip().split("\n")[0]
    error = f"{type(cause).__name__}: {first_line}"[:500]
    log.error("report rollup hour failed hour=%s error=%s; it keeps its last rollups until noted again or rebuilt",
              hour.isoformat(), error, extra={"rollup_hour": hour.isoformat(), "rollup_error": error})
    now = utcnow()
    stmt = insert_statement(ReportFailedHour).values(
        hour=hour, error=error, failures=1, first_failed_at=now, last_failed_at=now
    )
    db.session.execute(stmt.on_conflict_do_update(index_elements=["hour"], set_={
        "error": stmt.excluded.error,
        "failures": ReportFailedHour.failures + 1,
        "last_failed_at": stmt.excluded.last_failed_at,
    }))


@readiness_details.connect
def failed_hours_status(sender) -> tuple[str, dict]:
    """For operators (/readyz `report_rollups`): how many hours the refresh has set aside (report_failed_hours)."""
    try:
        return "report_rollups", {"failed_hours": db.session.scalar(select(func.count()).select_from(ReportFailedHour))}
    except SQLAlchemyError as exc:
        db.session.rollback()
        return "report_rollups", {"error": type(exc).__name__}


def _insert(rows: list[dict]) -> None:
    """Bulk insert; on PostgreSQL through COPY in the session's transaction (psycopg escapes each value)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(ReportRollup.__table__.insert(), rows)
        return
    columns = list(rows[0])
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY report_rollups ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def refresh_dirty(limit: int = 200) -> int:
    """Recompute the hours marked dirty (oldest notes first, at most `limit` notes); returns hours done,
    those set aside as failed included.

    Only the notes read here are deleted: a note committed meanwhile stays for the next run."""
    notes = db.session.execute(select(ReportDirtyHour.id, ReportDirtyHour.hour).order_by(ReportDirtyHour.id).limit(limit)).all()
    if not notes:
        return 0
    hours = {hour for _, hour in notes}
    recompute_hours(hours)
    db.session.execute(delete(ReportDirtyHour).where(ReportDirtyHour.id.in_([note_id for note_id, _ in notes])))
    db.session.commit()
    return len(hours)


def rebuild(start: datetime, end: datetime, commit_every: int = 24) -> int:
    """Recompute every hour in [start, end) from the raw rows; commits every `commit_every` hours."""
    hour, done = floor_hour(start), 0
    while hour < end:
        recompute_hours([hour])
        hour += HOUR
        done += 1
        if done % commit_every == 0:
            db.session.commit()
    db.session.commit()
    return done


@background_job(queue="default", timeout=600, retries=3)
def refresh_rollups() -> int:
    """The scheduled job: bring the rollups of every dirty hour up to date."""
    done = total = 0
    while (done := refresh_dirty()) and total < 5000:
        total += done
    return total
