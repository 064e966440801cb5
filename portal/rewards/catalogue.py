"""The rewards catalogue: what the admin offers for points, and the fields a fan fills in to redeem.

Input fields are written one per line as a label, with a trailing "*" when the field is required
("Shipping address *"); each gets a name made from its label ("shipping_address")."""
from __future__ import annotations

import re

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, select

from portal.audit.service import diff, record, snapshot
from portal.extensions import db
from portal.paging import paginate
from portal.rewards.models import Redemption, Reward

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_COST = 100_000_000
MAX_FIELDS = 10
MAX_LABEL = 100
REWARDS_PER_PAGE = 25
FIELDS = ("title", "description", "points_cost", "enabled", "input_fields")


class RewardInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


def parse_input_fields(text: str) -> list[dict]:
    """Lines of labels ("Wallet id *") to [{"name", "label", "required"}]; raises RewardInvalid."""
    fields, names, errors = [], set(), []
    for line in (text or "").splitlines():
        label = line.strip()
        if not label:
            continue
        required = label.endswith("*")
        label = label.rstrip("*").strip()
        name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        if not name or len(label) > MAX_LABEL:
            errors.append(f"“{line.strip()[:40]}”: a label needs letters or digits and at most {MAX_LABEL} characters.")
        elif name in names:
            errors.append(f"“{label}” appears twice.")
        else:
            names.add(name)
            fields.append({"name": name, "label": label, "required": required})
    if len(fields) > MAX_FIELDS:
        errors.append(f"At most {MAX_FIELDS} input fields.")
    if errors:
        raise RewardInvalid({"input_fields": errors})
    return fields


def format_input_fields(fields: list[dict]) -> str:
    return "\n".join(f"{f['label']}{' *' if f.get('required') else ''}" for f in fields or [])


def _checked(title: str, description: str, points_cost, input_fields: str) -> dict:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        errors["title"] = [f"Enter a title of at most {MAX_TITLE} characters."]
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [f"At most {MAX_DESCRIPTION:,} characters."]
    if isinstance(points_cost, bool) or not isinstance(points_cost, int) or not 0 < points_cost <= MAX_COST:
        errors["points_cost"] = [f"Enter a whole number of points from 1 to {MAX_COST:,}."]
    try:
        fields = parse_input_fields(input_fields)
    except RewardInvalid as invalid:
        errors.update(invalid.errors)
        fields = []
    if errors:
        raise RewardInvalid(errors)
    return {"title": title, "description": description, "points_cost": points_cost, "input_fields": fields}


def create_reward(
    title: str, description: str, points_cost, enabled: bool, input_fields: str, actor_id: int | None
) -> Reward:
    values = _checked(title, description, points_cost, input_fields)
    reward = Reward(enabled=bool(enabled), **values)
    db.session.add(reward)
    db.session.flush()
    record(actor_id, "reward.created", reward, diff({}, snapshot(reward, FIELDS)))
    return reward


def update_reward(
    reward: Reward, title: str, description: str, points_cost, enabled: bool, input_fields: str, actor_id: int | None
) -> None:
    """Changes apply to new redemptions; past ones keep the cost they were charged and what was typed."""
    values = _checked(title, description, points_cost, input_fields)
    before = snapshot(reward, FIELDS)
    for name, value in values.items():
        setattr(reward, name, value)
    reward.enabled = bool(enabled)
    db.session.flush()
    changes = diff(before, snapshot(reward, FIELDS))
    if changes:
        record(actor_id, "reward.updated", reward, changes)


def has_redemptions(reward: Reward) -> bool:
    return bool(db.session.scalar(select(exists().where(Redemption.reward_id == reward.id))))


def delete_reward(reward: Reward, actor_id: int | None) -> None:
    """Only a reward nobody redeemed can go; otherwise disable it (its redemptions need it)."""
    if has_redemptions(reward):
        raise RewardInvalid({"": ["This reward has redemptions: disable it instead of deleting it."]})
    record(actor_id, "reward.deleted", reward, {name: (value, None) for name, value in snapshot(reward, FIELDS).items()})
    db.session.delete(reward)
    db.session.flush()


def list_rewards(enabled_only: bool = False, page: int = 1, per_page: int = REWARDS_PER_PAGE) -> Pagination:
    """Newest first, as the reference API lists them."""
    stmt = select(Reward).order_by(Reward.id.desc())
    if enabled_only:
        stmt = stmt.where(Reward.enabled.is_(True))
    return paginate(stmt, page, per_page)
