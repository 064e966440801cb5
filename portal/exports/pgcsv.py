"""The PostgreSQL fast path of the click-log export: the server formats every cell and writes the CSV
(COPY … TO STDOUT), Python only moves the bytes into the zip.

Formatting a million rows cell by cell in Python, or even reading them through a cursor, costs several
times what `psql \\copy` does. Here the time zone, flags and formula neutralisation are SQL, COPY quotes
the cells, and the rows are read with libpq's own COPY call (psycopg's `pq` layer; its `Copy` object
spends more per row than the whole of psql). The bytes equal the portable path's (the click log's
cells, neutralised as portal.csvsafe does, quoted as Python's csv module quotes, CRLF line ends);
tests/exports/test_pgcsv.py holds them to it.
"""
from __future__ import annotations

from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, String, Text, case, cast, func, literal
from sqlalchemy.engine import Connection

from portal.csvsafe import FORMULA_PREFIXES
from portal.links.models import TrackingLink
from portal.network.models import Offer
from portal.tracking.models import Click

# ascii() of the first character: one integer test per cell is the cheapest check PostgreSQL offers.
FORMULA_CODES = tuple(ord(prefix) for prefix in FORMULA_PREFIXES)


def _text(column):
    # COPY writes '' quoted and NULL bare; Python's csv writes '' bare, so '' travels as NULL.
    neutralised = case((func.ascii(column).in_(FORMULA_CODES), literal("'", String) + column), else_=column)
    return func.nullif(neutralised, "")


def _flag(column):
    return cast(column, Integer)


def click_cells(zone: ZoneInfo) -> tuple:
    """The click log's cells (portal.logs.service CLICK_HEADER order) as SQL, ready to write."""
    # An ISO DateStyle (PostgreSQL's default) prints a timestamp as YYYY-MM-DD HH:MM:SS, 3x faster than to_char.
    local = cast(func.date_trunc("second", func.timezone(literal(zone.key, String), Click.created_at)), Text)
    return (
        cast(Click.click_id, Text), local,
        _text(TrackingLink.public_id), _text(TrackingLink.name), _text(Offer.name),
        _text(Click.sub1), _text(Click.sub2), _text(Click.sub3), _text(Click.sub4), _text(Click.sub5),
        _text(Click.country), _flag(Click.is_unique), _flag(Click.is_bot), _flag(Click.is_blocked),
    )


def copy_chunks(conn: Connection, stmt: Select, cells: tuple, size: int) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV bytes), `size` rows at a time, from COPY (`stmt` reduced to `cells`) TO STDOUT."""
    import psycopg
    from psycopg.pq import ExecStatus

    compiled = stmt.with_only_columns(*cells).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw = conn.connection.driver_connection
    # COPY takes no server-side parameters: psycopg binds them into the text, quoting each value itself.
    query = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    pgconn, done = raw.pgconn, False
    try:
        pgconn.send_query(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)".encode())
        while pgconn.flush():
            pass
        _expect(pgconn.get_result(), ExecStatus.COPY_OUT)
        pending: list = []
        while True:
            length, row = pgconn.get_copy_data(0)  # blocks until a row (one message each) or the end
            if length < 0:
                break
            pending.append(row[:-1])  # COPY ends rows with LF; Python's csv (and RFC 4180) with CRLF
            if len(pending) >= size:
                yield len(pending), b"\r\n".join(pending) + b"\r\n"
                pending = []
        if pending:
            yield len(pending), b"\r\n".join(pending) + b"\r\n"
        _expect(pgconn.get_result(), ExecStatus.COMMAND_OK)
        while pgconn.get_result() is not None:
            pass
        done = True
    finally:
        if not done:  # stopped mid-COPY (canceled, failed): the connection cannot be reused
            conn.invalidate()


def _expect(result, status) -> None:
    if result is None or result.status != status:
        message = result.error_message.decode("utf-8", "replace") if result is not None else "no result"
        raise RuntimeError(f"COPY failed: {message.strip()}")
