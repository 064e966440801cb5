"""Rollups maintained from dirty-hour notes equal a rebuild from the raw rows."""
from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import delete, select

from portal.conversions.models import ConversionStatus
from portal.events.models import Event
from portal.extensions import db
from portal.reports.models import ReportDirtyHour, ReportFailedHour, ReportRollup
from portal.reports.rollups import mark_dirty, rebuild, refresh_dirty, refresh_rollups
from tests.reports.conftest import at, click, conversion, event

SNAPSHOT_SKIP = {"id"}


def snapshot() -> list[tuple]:
    rows = db.session.scalars(select(ReportRollup)).all()
    return sorted(
        tuple((c.name, getattr(r, c.key)) for c in ReportRollup.__table__.columns if c.name not in SNAPSHOT_SKIP)
        for r in rows
    )


def test_incremental_refresh_equals_a_rebuild(world):
    # New raw rows arrive after the rebuild, each writer noting the hours it touched.
    new_click = click(world.link_a, "2026-11-10 09:05", sub1="alpha", country="DE")
    late = click(world.link_b, "2026-11-10 15:00", sub2="x" * 255)
    event(world.link_a, new_click, "revenue", "2026-11-10 09:06", "-3.3333", "EUR")
    changed = conversion(world.link_b, late, "12.34", "2026-11-10 15:01")
    mark_dirty([new_click.created_at, late.created_at, at("2026-11-10 09:06"), changed.created_at])
    db.session.commit()
    assert refresh_dirty() == 2
    incremental = snapshot()

    rebuild(at("2026-11-10 00:00"), at("2026-11-11 00:00"))
    assert snapshot() == incremental
    assert db.session.scalar(select(ReportDirtyHour.id)) is None
    ngr = db.session.scalar(select(ReportRollup.ngr).where(ReportRollup.ngr != 0))
    assert ngr == Decimal("-3.3333")


def test_a_status_change_is_picked_up_by_the_next_refresh(world):
    from portal.conversions.models import Conversion

    rejected = db.session.scalars(select(Conversion).where(Conversion.payout == Decimal("40.00"))).one()
    rejected.status = ConversionStatus.REJECTED
    mark_dirty([rejected.created_at])
    db.session.commit()
    refresh_rollups()
    total = db.session.scalar(
        select(ReportRollup.total_reward).where(ReportRollup.publisher_id == world.publisher_b.id, ReportRollup.total_reward != 0)
    )
    assert total is None


def test_refresh_is_idempotent_and_only_clears_the_notes_it_read(world):
    before = snapshot()
    mark_dirty([at("2026-11-10 09:00")])
    db.session.commit()
    assert refresh_dirty(limit=1) == 1
    assert snapshot() == before
    mark_dirty([at("2026-11-10 09:30"), at("2026-11-10 12:59")])
    db.session.commit()
    assert refresh_dirty(limit=1) == 1  # one note read, one left for the next run
    assert len(db.session.scalars(select(ReportDirtyHour)).all()) == 1
    assert refresh_dirty() == 1 and refresh_dirty() == 0
    assert snapshot() == before


def test_long_sub_ids_fit_the_unique_key(world):
    row = click(world.link_b, "2026-11-10 16:00", **{f"sub{i}": str(i) * 255 for i in range(1, 6)})
    mark_dirty([row.created_at])
    db.session.commit()
    refresh_dirty()
    stored = db.session.scalars(select(ReportRollup).where(ReportRollup.sub5 == "5" * 255)).one()
    assert len(stored.key_hash) == 64 and stored.click_count == 1


def test_rebuild_command(app, world):
    db.session.execute(ReportRollup.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild", "--start", "2026-11-10", "--end", "2026-11-10"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 24 hours" in result.output
    assert db.session.scalar(select(ReportRollup.id)) is not None
    bad = app.test_cli_runner().invoke(args=["reports", "rebuild", "--start", "2026-11-10", "--end", "11/12"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def poison(world) -> None:
    """Rows stored before the events API bounded times and amounts, noted dirty before a newer click:
    an event in the calendar's last hour, and deposits whose hourly sum no rollup column holds."""
    mark_dirty([event(world.link_a, None, "registration", "9999-12-31 23:59").occurred_at])
    for _ in range(10):  # two overflow NUMERIC(18, 4); SQLite's 64-bit SUM gives up at ten
        event(world.link_a, None, "deposit", "2026-11-09 03:10", "99999999999999.9999", "EUR")
    mark_dirty([at("2026-11-09 03:10")])
    mark_dirty([click(world.link_a, "2026-11-11 05:05").created_at])
    db.session.commit()


def clicks_at(hour: str) -> int | None:
    return db.session.scalar(
        select(ReportRollup.click_count).where(ReportRollup.hour == at(hour), ReportRollup.level == 0))


def failed_hours() -> dict:
    db.session.expire_all()
    return {row.hour: row for row in db.session.scalars(select(ReportFailedHour))}


def test_a_poisoned_hour_is_recorded_and_newer_hours_still_roll_up(world, caplog):
    poison(world)
    with caplog.at_level(logging.ERROR, logger="tracklane.reports"):
        assert refresh_rollups() == 3
    assert clicks_at("2026-11-11 05:00") == 1
    failed = failed_hours()
    assert set(failed) == {at("9999-12-31 23:00"), at("2026-11-09 03:00")}
    assert all(row.error and row.failures == 1 for row in failed.values())
    assert db.session.scalar(select(ReportDirtyHour.id)) is None  # nothing left to block the next run
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("report rollup hour failed hour=2026-11-09T03:00:00+00:00" in line for line in logged), logged
    assert any("hour=9999-12-31T23:00:00+00:00" in line for line in logged), logged
    # The next clicks still reach the report.
    mark_dirty([click(world.link_b, "2026-11-11 06:30").created_at])
    db.session.commit()
    assert refresh_rollups() == 1 and clicks_at("2026-11-11 06:00") == 1


def test_a_failed_hour_that_rolls_up_again_is_cleared(world):
    poison(world)
    refresh_rollups()
    mark_dirty([at("2026-11-09 03:10")])  # noted again while still poisoned: counted again
    db.session.commit()
    refresh_rollups()
    assert failed_hours()[at("2026-11-09 03:00")].failures == 2
    db.session.execute(delete(Event).where(Event.amount == Decimal("99999999999999.9999")))
    event(world.link_a, None, "deposit", "2026-11-09 03:20", "25.00", "EUR")
    mark_dirty([at("2026-11-09 03:20")])
    db.session.commit()
    refresh_rollups()
    assert set(failed_hours()) == {at("9999-12-31 23:00")}
    deposits = db.session.scalar(select(ReportRollup.deposit_amount).where(
        ReportRollup.hour == at("2026-11-09 03:00"), ReportRollup.level == 0))
    assert deposits == Decimal("25.0000")


def test_a_rebuild_over_a_poisoned_hour_records_it_and_goes_on(world):
    poison(world)
    db.session.execute(delete(ReportDirtyHour))
    db.session.commit()
    assert rebuild(at("2026-11-09 00:00"), at("2026-11-12 00:00")) == 72
    assert set(failed_hours()) == {at("2026-11-09 03:00")}
    assert clicks_at("2026-11-11 05:00") == 1


def test_readyz_counts_the_failed_hours_without_failing(client, world):
    poison(world)
    refresh_rollups()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["report_rollups"] == {"failed_hours": 2}
