"""The PostgreSQL path of the click export (COPY of cells formatted by the server) writes exactly the
bytes of the portable path."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.exports.pgcsv import click_cells, copy_chunks
from portal.exports.sources import encode_rows
from portal.extensions import db
from portal.logs.service import LOGS, LogFilter, scope_of
from portal.timezones import zone
from tests.factories import ClickFactory

TRICKY = ["", "plain", "a,b", 'say "hi"', "line\nbreak", "-1", "+49", "=1+1", "@me", "\tlead", "\rlead", "trail ", " lead", "ünïcødé ✓", "'quoted'"]


@pytest.fixture(autouse=True)
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the server-formatted path exists on PostgreSQL only")


@pytest.mark.parametrize("who, timezone", [("alice", "Asia/Tokyo"), ("admin", "America/New_York"), ("advertiser", "UTC")])
def test_server_formatted_lines_are_what_the_portable_path_writes(traffic, who, timezone):
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe moves its clocks
    for n, value in enumerate(TRICKY):
        ClickFactory(link=traffic.link_a, created_at=at.replace(minute=n), sub1=value, sub2=TRICKY[-1 - n], country="SE", is_bot=n % 2 == 0)
    user = getattr(traffic, who)
    user.timezone = timezone
    db.session.commit()
    log, scope, tz = LOGS["clicks"], scope_of(user), zone(timezone)
    stmt = log.statement(LogFilter(), scope, tz)
    portable = encode_rows(log.cells(row, tz, scope) for row in db.session.execute(stmt))
    with db.engine.connect() as conn:
        chunks = list(copy_chunks(conn, stmt, click_cells(tz), size=4))
    assert sum(rows for rows, _ in chunks) == portable[0] and len(chunks) > 1
    assert b"".join(data for _, data in chunks) == portable[1]


def test_filters_bind_into_the_server_side_statement(traffic):
    stmt = LOGS["clicks"].statement(LogFilter.from_query(f"start=2026-03-11&link={traffic.link_a.public_id}"), scope_of(traffic.alice), zone("UTC"))
    with db.engine.connect() as conn:
        [(rows, data)] = list(copy_chunks(conn, stmt, click_cells(zone("UTC")), size=100))
    assert rows == 1 and b"'@SUM(A1)" in data


def test_the_connection_stays_usable_after_a_copy_and_after_one_stopped_midway(traffic):
    from sqlalchemy import text

    stmt = LOGS["clicks"].statement(LogFilter(), scope_of(traffic.admin), zone("UTC"))
    with db.engine.connect() as conn:
        assert sum(rows for rows, _ in copy_chunks(conn, stmt, click_cells(zone("UTC")), size=1)) == 3
        assert conn.execute(text("SELECT 1")).scalar() == 1
    with db.engine.connect() as conn:
        chunks = copy_chunks(conn, stmt, click_cells(zone("UTC")), size=1)
        next(chunks)
        chunks.close()  # what a canceled export does
        assert conn.invalidated
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM clicks")).scalar() == 3
