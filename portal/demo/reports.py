"""Demo report presets (one per demo publisher) and the rollups of the seeded traffic."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.demo.catalogue import DEMO_LOGINS
from portal.extensions import db
from portal.reports.models import ReportPreset
from portal.reports.presets import save_preset, token_for
from portal.reports.query import ReportQuery
from portal.reports.rollups import floor_hour, rebuild
from portal.types import utcnow

PRESET_NAME = "Daily by campaign (last 30 days)"


def _publisher_users() -> list[User]:
    emails = [email for role, email, _ in DEMO_LOGINS if role == "publisher"]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    return sorted(users, key=lambda user: emails.index(user.email))


def seed_report_presets() -> Counter:
    """Save a 'daily by campaign' preset for each demo publisher that has none yet."""
    created: Counter = Counter()
    for user in _publisher_users():
        exists = db.session.scalar(select(ReportPreset.id).where(ReportPreset.owner_id == user.id, ReportPreset.name == PRESET_NAME))
        if exists is None:
            query = ReportQuery(
                dimensions=["date", "campaign"],
                metrics=["click_count", "unique_click_count", "registration_count", "ftd_count", "deposit_amount", "total_reward"],
                date_range="last_30_days",
                timezone=user.timezone,
                publisher_id=user.publisher_id,
            ).resolve_dates()
            save_preset(user, PRESET_NAME, query)
            created["report presets"] += 1
    return created


def rebuild_demo_rollups(days: int) -> int:
    """Report rollups for the seeded days (the demo writes raw rows directly, without the flush hooks)."""
    now = utcnow()
    return rebuild(floor_hour(now - timedelta(days=days + 1)), floor_hour(now) + timedelta(hours=1))


def demo_pull_command(base_url: str) -> str | None:
    """A ready `curl` line pulling the first demo publisher's preset as JSON, or None without one."""
    for user in _publisher_users():
        preset = db.session.scalar(select(ReportPreset).where(ReportPreset.owner_id == user.id, ReportPreset.name == PRESET_NAME))
        if preset is not None and preset.enabled:
            return f"curl '{base_url}/api/v1/reports/{token_for(preset)}?format=json'"
    return None
