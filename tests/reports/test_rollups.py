"""Rollups maintained from dirty-hour notes equal a rebuild from the raw rows."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.reports.models import ReportDirtyHour, ReportRollup
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
