"""Side effects point one way: writers announce, the interested domain subscribes (issue #17)."""
from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.reports.models import ReportDirtyHour
from portal.signals import hours_touched

PORTAL = Path(__file__).resolve().parents[1] / "portal"


def imported_modules(package: str) -> set[tuple[str, str]]:
    """(file, module) for every import in a package, at module level or inside a function."""
    found = set()
    for path in (PORTAL / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


def test_writers_of_raw_rows_do_not_import_the_reports():
    for package in ("tracking", "events", "conversions"):
        assert [m for m in imported_modules(package) if m[1].startswith("portal.reports")] == []


def test_one_reports_subscription_however_many_apps_a_process_builds(app):
    create_app(dict(app.config))
    create_app(dict(app.config))
    assert len(hours_touched.receivers) == 1


def test_an_announced_hour_is_noted_in_the_senders_transaction(app):
    moment = datetime(2026, 11, 10, 9, 41, tzinfo=UTC)
    hours_touched.send(times=[moment, moment.replace(minute=5)])
    assert db.session.scalars(select(ReportDirtyHour.hour)).all() == [moment.replace(minute=0)]
    db.session.rollback()  # the note goes with the writes that caused it
    assert db.session.scalar(select(ReportDirtyHour.id)) is None


def test_the_tracker_does_not_import_the_conversions_that_price_its_traffic():
    assert [m for m in imported_modules("tracking") if m[1].startswith("portal.conversions")] == []
