"""Spending points: the guarded spend under concurrency, refunds once, bonuses within bounds."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.rewards.models import PointsAccount, PointsLedgerEntry, Redemption
from portal.rewards.points import NotEnoughPoints, PointsError, balance, give_bonus, spend
from portal.rewards.redemptions import (
    RedemptionConflict,
    RedemptionInvalid,
    redeem,
    refund,
    set_completed,
)
from tests.concurrency import require_postgresql, run_together
from tests.factories import RewardFactory
from tests.rewards.conftest import give_points

WALLET = [{"name": "wallet_id", "label": "Wallet id", "required": True}, {"name": "note", "label": "Note", "required": False}]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_redeeming_spends_the_cost_and_records_what_was_typed(app, fan):
    give_points(fan, 250)
    reward = RewardFactory(points_cost=100, input_fields=WALLET)

    redemption = redeem(fan.id, reward, {"wallet_id": "  0xABC ", "unknown": "dropped"})
    db.session.commit()

    assert redemption.user_input == {"wallet_id": "0xABC", "note": ""}
    assert redemption.points_spent == 100
    assert balance(fan.id).current_points == 150 and balance(fan.id).total_points == 250
    entry = db.session.scalar(select(PointsLedgerEntry).where(PointsLedgerEntry.reason == "redemption"))
    assert (entry.delta, entry.balance_after, entry.reference) == (-100, 150, f"redemption:{redemption.id}")


def test_a_required_field_left_empty_is_refused(app, fan):
    give_points(fan, 250)
    reward = RewardFactory(input_fields=WALLET)
    with pytest.raises(RedemptionInvalid) as refused:
        redeem(fan.id, reward, {"wallet_id": "   "})
    assert refused.value.errors == {"wallet_id": ["Wallet id is required."]}


def test_not_enough_points_creates_nothing(app, fan):
    give_points(fan, 99)
    reward = RewardFactory(points_cost=100)
    with pytest.raises(NotEnoughPoints):
        redeem(fan.id, reward, {})
    db.session.rollback()
    assert count(Redemption) == 0
    assert balance(fan.id).current_points == 99


def test_a_disabled_reward_cannot_be_redeemed(app, fan):
    give_points(fan, 500)
    with pytest.raises(RedemptionConflict):
        redeem(fan.id, RewardFactory(enabled=False), {})


def test_concurrent_redemptions_never_overspend(app, fan):
    require_postgresql()
    give_points(fan, 1000)  # covers 7 of the 20 attempts at 140 points
    reward = RewardFactory(points_cost=140)
    db.session.commit()
    reward_id, user_id = reward.id, fan.id

    def attempt(_):
        from portal.rewards.models import Reward

        try:
            redeem(user_id, db.session.get(Reward, reward_id), {})
            db.session.commit()
            return "redeemed"
        except NotEnoughPoints:
            db.session.rollback()
            return "refused"

    outcomes = run_together(app, attempt, range(20))
    assert outcomes.count("redeemed") == 7 and outcomes.count("refused") == 13
    db.session.expire_all()
    assert balance(fan.id).current_points == 1000 - 7 * 140 == 20
    assert count(Redemption) == 7
    spent = db.session.scalar(select(func.sum(PointsLedgerEntry.delta)).where(PointsLedgerEntry.reason == "redemption"))
    assert spent == -980


def test_refund_returns_the_points_once(app, fan, admin_user):
    give_points(fan, 300)
    redemption = redeem(fan.id, RewardFactory(points_cost=120), {})
    db.session.commit()

    refund(redemption, admin_user.id)
    db.session.commit()
    with pytest.raises(RedemptionConflict, match="refunded already"):
        refund(redemption, admin_user.id)

    assert redemption.refunded is True
    assert balance(fan.id).current_points == 300 and balance(fan.id).total_points == 300
    refund_entry = db.session.scalar(select(PointsLedgerEntry).where(PointsLedgerEntry.reason == "refund"))
    assert (refund_entry.delta, refund_entry.reference) == (120, f"refund:redemption:{redemption.id}")
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "redemption.refunded"))
    assert audit.actor_id == admin_user.id and audit.object_id == str(redemption.id)


def test_a_completed_redemption_is_not_refunded_and_a_refunded_one_not_completed(app, fan, admin_user):
    give_points(fan, 300)
    done = redeem(fan.id, RewardFactory(points_cost=100), {})
    undone = redeem(fan.id, RewardFactory(points_cost=100), {})
    set_completed(done, True, admin_user.id)
    refund(undone, admin_user.id)
    db.session.commit()
    with pytest.raises(RedemptionConflict, match="completed"):
        refund(done, admin_user.id)
    with pytest.raises(RedemptionConflict, match="refunded"):
        set_completed(undone, True, admin_user.id)
    assert balance(fan.id).current_points == 200


def test_bonus_adds_and_deduction_floors_at_zero(app, fan, admin_user):
    give_bonus(fan, 500, admin_user.id)
    give_bonus(fan, -200, admin_user.id)
    assert (balance(fan.id).current_points, balance(fan.id).total_points) == (300, 500)
    entry = give_bonus(fan, -1_000_000, admin_user.id)
    assert entry.delta == -300 and entry.balance_after == 0
    assert give_bonus(fan, -5, admin_user.id) is None  # nothing left to take
    assert balance(fan.id).current_points == 0
    actions = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "points.bonus")).all()
    assert len(actions) == 4 and actions[2]["current_points"] == [300, 0]


@pytest.mark.parametrize("amount", [1_000_001, -1_000_001, 0, 1.5, "10", True, None])
def test_bonus_outside_the_bounds_is_refused(app, fan, amount):
    with pytest.raises(PointsError):
        give_bonus(fan, amount, None)
    assert db.session.get(PointsAccount, fan.id) is None


@pytest.mark.parametrize("amount", [1_000_000, -1_000_000])
def test_bonus_at_the_bounds_is_accepted(app, fan, amount):
    give_bonus(fan, amount, None)
    assert balance(fan.id).current_points == max(amount, 0)


def test_the_guarded_spend_refuses_what_the_balance_does_not_cover(app, fan):
    give_points(fan, 10)
    with pytest.raises(NotEnoughPoints):
        spend(fan.id, 11, "redemption", "test:too-much")
    assert spend(fan.id, 10, "redemption", "test:exact").balance_after == 0
