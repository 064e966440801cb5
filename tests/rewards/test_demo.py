"""The demo's rewards: a catalogue, points rules and a welcome bonus, added once however often it runs."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.demo.rewards import REWARDS, WELCOME_BONUS, seed_rewards
from portal.extensions import db
from portal.rewards.models import PointsRule, Reward
from portal.rewards.points import balance
from tests.factories import UserFactory


def test_seed_rewards_is_idempotent(app):
    maya = UserFactory(is_publisher=True, email="maya@goalrush-media.example")
    first = seed_rewards()
    db.session.commit()
    second = seed_rewards()
    db.session.commit()

    assert first["rewards"] == len(REWARDS) and first["points_rules"] == 2 and first["points_ledger"] == 1
    assert sum(second.values()) == 0
    assert db.session.scalar(select(func.count()).select_from(Reward)) == len(REWARDS)
    assert db.session.scalar(select(func.count()).select_from(PointsRule)) == 2
    assert balance(maya.id).current_points == WELCOME_BONUS
