"""portal.sql run: prebuilt statements executed on the driver (PostgreSQL) or the session (SQLite)."""
import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import User
from portal.events.models import Player
from portal.extensions import db
from portal.sql import any_of_param, dialect_name, insert_rows, run
from portal.types import utcnow
from tests.concurrency import require_postgresql
from tests.factories import AdvertiserFactory


def _names_statement():
    table = Player.__table__
    return select(table.c.external_id, table.c.advertiser_id).where(
        any_of_param(table.c.external_id, "keys", dialect_name())
    ).order_by(table.c.external_id)


def test_run_hands_back_rows_as_tuples_and_nothing_for_a_write(app):
    advertiser = AdvertiserFactory()
    insert_rows(Player.__table__, [
        {"advertiser_id": advertiser.id, "external_id": key, "user_properties": {}, "profile": {},
         "first_seen_at": utcnow(), "updated_at": utcnow()} for key in ("a", "b")
    ])
    table = Player.__table__
    write = update(table).where(table.c.external_id == bindparam("key")).values(
        email=bindparam("email"), updated_at=bindparam("at")
    )
    assert run(write, {"key": "a", "email": "a@example.com", "at": utcnow()}) == []
    assert run(_names_statement(), {"keys": ["b", "a", "missing"]}) == [("a", advertiser.id), ("b", advertiser.id)]


def test_run_refuses_python_side_column_defaults_it_would_not_fill(app):
    require_postgresql()
    table = Player.__table__
    with pytest.raises(TypeError, match="Python-side column defaults"):
        run(update(table).values(email=bindparam("email")), {"email": "x@example.com"})  # updated_at: onupdate


def test_run_refuses_results_the_driver_would_hand_back_unprocessed(app):
    require_postgresql()
    with pytest.raises(TypeError, match="would need SQLAlchemy's processing"):
        run(select(User.__table__.c.created_at), {})


def test_run_refuses_json_parameters_it_would_send_unprocessed(app):
    require_postgresql()
    table = Player.__table__
    with pytest.raises(TypeError, match="CAST it to JSON"):
        run(update(table).values(user_properties=bindparam("properties"), updated_at=bindparam("at")),
            {"properties": {}, "at": utcnow()})


def test_run_reports_database_errors_as_sqlalchemy_errors(app):
    require_postgresql()
    with pytest.raises(DBAPIError):
        run(select(text("1 / 0")), {})
    db.session.rollback()


def test_run_takes_a_fresh_cursor_when_the_pool_replaces_the_connection(app):
    require_postgresql()
    assert run(_names_statement(), {"keys": ["nobody"]}) == []
    db.session.connection().invalidate()
    db.session.rollback()
    assert run(_names_statement(), {"keys": ["nobody"]}) == []
