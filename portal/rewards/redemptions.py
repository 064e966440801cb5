"""Redeeming rewards for points, and the admin's answers: complete or refund (once)."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, true, update
from sqlalchemy.orm import selectinload

from portal.audit.service import record
from portal.extensions import db
from portal.paging import paginate
from portal.rewards.models import Redemption, Reward
from portal.rewards.points import PointsError, credit, spend
from portal.types import utcnow

MAX_INPUT = 500
REDEMPTIONS_PER_PAGE = 25


class RedemptionInvalid(PointsError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


class RedemptionConflict(PointsError):
    """The redemption is not in a state that allows this (already refunded, completed, …)."""


def clean_input(reward: Reward, values: dict) -> dict:
    """The reward's fields as typed (trimmed); required ones must be filled. Unknown keys are dropped."""
    cleaned, errors = {}, {}
    for spec in reward.input_fields or []:
        value = str(values.get(spec["name"]) or "").strip()
        if spec.get("required") and not value:
            errors[spec["name"]] = [f"{spec['label']} is required."]
        elif len(value) > MAX_INPUT:
            errors[spec["name"]] = [f"At most {MAX_INPUT} characters."]
        cleaned[spec["name"]] = value
    if errors:
        raise RedemptionInvalid(errors)
    return cleaned


def redeem(user_id: int, reward: Reward, values: dict) -> Redemption:
    """Spend the reward's cost and record the redemption; raises NotEnoughPoints and creates nothing
    when the balance does not cover it (the view rolls back)."""
    if not reward.enabled:
        raise RedemptionConflict("This reward is not available any more.")
    user_input = clean_input(reward, values)
    redemption = Redemption(reward_id=reward.id, user_id=user_id, points_spent=reward.points_cost, user_input=user_input)
    db.session.add(redemption)
    db.session.flush()
    spend(user_id, reward.points_cost, "redemption", f"redemption:{redemption.id}")
    return redemption


def _guarded(redemption: Redemption, *conditions, **values) -> bool:
    done = db.session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, *conditions)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(redemption)
    return done


def set_completed(redemption: Redemption, completed: bool, actor_id: int | None) -> None:
    """Mark done (or not done again); a refunded redemption cannot change."""
    before = redemption.completed
    if not _guarded(redemption, Redemption.refunded.is_(False), completed=completed):
        raise RedemptionConflict("This redemption was refunded; it cannot be completed.")
    if before != completed:
        action = "redemption.completed" if completed else "redemption.reopened"
        record(actor_id, action, redemption, {"completed": (before, completed)})


def refund(redemption: Redemption, actor_id: int | None) -> None:
    """Give the points back, once; a completed redemption was delivered and is not refunded."""
    if not _guarded(redemption, Redemption.refunded.is_(False), Redemption.completed.is_(False), refunded=True):
        if redemption.refunded:
            raise RedemptionConflict("This redemption was refunded already.")
        raise RedemptionConflict("This redemption is completed; a completed redemption is not refunded.")
    points = redemption.points_spent
    credit(redemption.user_id, points, "refund", f"refund:redemption:{redemption.id}", counts_as_earned=False)
    record(actor_id, "redemption.refunded", redemption, {"refunded": (False, True), "points": (None, points)})


def search_redemptions(
    user_id: int | None = None,
    completed: bool | None = None,
    refunded: bool | None = None,
    reward_id: int | None = None,
    page: int = 1,
    per_page: int = REDEMPTIONS_PER_PAGE,
    within=true(),
) -> Pagination:
    """Newest first, `within` the staff user's reach; `user_id` scopes to one fan (the publisher pages pass it)."""
    stmt = (
        select(Redemption)
        .where(within)
        .options(selectinload(Redemption.reward), selectinload(Redemption.user))
        .order_by(Redemption.id.desc())
    )
    if user_id is not None:
        stmt = stmt.where(Redemption.user_id == user_id)
    if completed is not None:
        stmt = stmt.where(Redemption.completed.is_(completed))
    if refunded is not None:
        stmt = stmt.where(Redemption.refunded.is_(refunded))
    if reward_id is not None:
        stmt = stmt.where(Redemption.reward_id == reward_id)
    return paginate(stmt, page, per_page)
