"""What each export kind writes: its CSV header, how many rows to expect, and the rows as CSV bytes.

A source is built from the kind, the query string and the requesting user; building it validates the
query (ExportInvalid) without touching the data, so the request can refuse a bad query at once and the
job can rebuild the very same source later. The scope always comes from the user, never the query: the
one the log or report page applies (for staff, their reach when the job runs).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from portal.accounts.models import User
from portal.csvsafe import safe_row
from portal.extensions import db
from portal.logs.service import LOGS, LogFilter, LogFilterInvalid, count_rows, scope_of
from portal.reports.engine import columns_for
from portal.reports.formats import text_cells
from portal.reports.query import InvalidQuery, ReportQuery, iter_rows, run
from portal.timezones import zone

KINDS = {
    "report": "Report",
    "click_logs": "Clicks log",
    "conversion_logs": "Conversions log",
    "impression_logs": "Impressions log",
}
LOG_OF_KIND = {"click_logs": "clicks", "conversion_logs": "conversions", "impression_logs": "impressions"}


class ExportInvalid(ValueError):
    """An export that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ExportSource:
    header: list[str]
    count: Callable[[], int]
    chunks: Callable[[int], Iterator[tuple[int, bytes]]]  # (rows, their CSV bytes), about n rows at a time


def encode_rows(rows: Iterable) -> tuple[int, bytes]:
    """Rows as CSV bytes (UTF-8, CRLF line ends), every text cell neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return count, buffer.getvalue().encode("utf-8")


def source_for(kind: str, query: str, user: User) -> ExportSource:
    if kind in LOG_OF_KIND:
        return _log_source(LOG_OF_KIND[kind], query, user)
    if kind == "report":
        return _report_source(query, user)
    raise ExportInvalid("Unknown export kind.")


def _log_source(name: str, query: str, user: User) -> ExportSource:
    log = LOGS[name]
    try:
        log_filter = LogFilter.from_query(query)
    except LogFilterInvalid as invalid:
        raise ExportInvalid(str(invalid)) from None
    scope, tz = scope_of(user), zone(user.timezone)
    stmt = log.statement(log_filter, scope, tz)

    def chunks(size: int) -> Iterator[tuple[int, bytes]]:
        # A connection of its own, so progress reports can commit while the rows stream.
        with db.engine.connect() as conn:
            if name == "clicks" and conn.dialect.name == "postgresql":
                from portal.exports.pgcsv import click_cells, copy_chunks

                yield from copy_chunks(conn, stmt, click_cells(tz), size)
                return
            # A server-side cursor: rows arrive `size` at a time and memory stays flat.
            result = conn.execution_options(stream_results=True, yield_per=size).execute(stmt)
            for part in result.partitions(size):
                yield encode_rows(log.cells(row, tz, scope) for row in part)

    return ExportSource(header=list(log.header(scope)), count=lambda: count_rows(stmt), chunks=chunks)


def _report_source(query: str, user: User) -> ExportSource:
    scope = scope_of(user)
    try:
        report = ReportQuery.from_args(
            MultiDict(parse_qsl(query or "")), timezone=user.timezone or "UTC",
            publisher_id=scope.publisher_id, advertiser_id=scope.advertiser_id, reach=scope.reach,
        )
    except InvalidQuery as invalid:
        raise ExportInvalid(str(invalid)) from None
    columns = columns_for(report)

    def chunks(size: int) -> Iterator[tuple[int, bytes]]:
        batch: list = []
        for row in iter_rows(report, size):
            batch.append(text_cells(row, columns))
            if len(batch) >= size:
                yield encode_rows(batch)
                batch = []
        if batch:
            yield encode_rows(batch)

    return ExportSource(
        header=[c.label for c in columns], count=lambda: run(report, paginate=True).row_count, chunks=chunks
    )
