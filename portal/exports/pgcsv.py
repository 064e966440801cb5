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

import selectors
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
        yield from _copy_rows(pgconn, size)
        _expect(pgconn.get_result(), ExecStatus.COMMAND_OK)
        while pgconn.get_result() is not None:
            pass
        done = True
    finally:
        if not done:  # stopped mid-COPY (canceled, failed): the connection cannot be reused
            conn.invalidate()


def _copy_rows(pgconn, size: int) -> Iterator[tuple[int, bytes]]:
    # Non-blocking reads, and a wait on the socket that releases the GIL: a blocking PQgetCopyData holds
    # it while the server works, which starves the thread that compresses the previous chunk.
    get, consume = pgconn.get_copy_data, pgconn.consume_input
    with selectors.DefaultSelector() as selector:
        selector.register(pgconn.socket, selectors.EVENT_READ)
        pending: list = []
        append = pending.append
        while True:
            length, row = get(1)  # one row (one COPY message) from libpq's buffer, 0 when it is empty
            if length > 0:
                # Kept as bytes: a million live memoryviews (tracked by the garbage collector) make its
                # passes over the app's whole heap cost twice the rest of this loop.
                append(bytes(row))
                if len(pending) >= size:
                    yield len(pending), _crlf(pending)
                    pending = []
                    append = pending.append
            elif length == 0:
                selector.select()
                consume()
            else:
                break
        if pending:
            yield len(pending), _crlf(pending)


def _crlf(rows: list) -> bytes:
    """COPY ends rows with LF; Python's csv (and RFC 4180) with CRLF. A cell may hold LF too (quoted, kept
    as it is), so the quick replace is only for chunks whose every LF ends a row."""
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):
        return data.replace(b"\n", b"\r\n")
    return b"\r\n".join(row[:-1] for row in rows) + b"\r\n"


def _expect(result, status) -> None:
    if result is None or result.status != status:
        message = result.error_message.decode("utf-8", "replace") if result is not None else "no result"
        raise RuntimeError(f"COPY failed: {message.strip()}")
