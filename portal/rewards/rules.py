"""The admin's points rules: points per 1.00 of approved payout, per currency, optionally per offer."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, true

from portal.audit.service import record
from portal.extensions import db
from portal.network.models import Offer
from portal.rewards.models import PointsRule

MAX_RATE = Decimal("1000000")
CURRENCY = re.compile(r"^[A-Z]{3}$")


class RuleInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


def list_rules(within=true()) -> list[PointsRule]:
    """By currency, the currency-wide rule before the offers' rules (`within` the staff user's reach)."""
    stmt = select(PointsRule).where(within)
    stmt = stmt.order_by(PointsRule.currency, PointsRule.offer_id.is_not(None), PointsRule.id)
    return list(db.session.scalars(stmt))


def _checked(
    currency: str, offer_id: int | None, rate, rule_id: int | None = None, offers=true()
) -> tuple[str, int | None, Decimal]:
    errors: dict[str, list[str]] = {}
    currency = (currency or "").strip().upper()
    if not CURRENCY.match(currency):
        errors["currency"] = ["Use a three-letter currency code such as EUR."]
    if offer_id is not None and db.session.scalar(select(Offer.id).where(Offer.id == offer_id, offers)) is None:
        errors["offer_id"] = ["Pick an offer from the list."]
    try:
        rate = Decimal(str(rate)).quantize(Decimal("0.0001"))
    except (InvalidOperation, TypeError, ValueError):
        errors["points_per_unit"] = ["Enter a number such as 1 or 2.5."]
    else:
        if not Decimal(0) < rate <= MAX_RATE:
            errors["points_per_unit"] = [f"Must be more than 0 and at most {MAX_RATE:,}."]
    if not errors:
        clash = select(PointsRule.id).where(
            PointsRule.currency == currency,
            PointsRule.offer_id.is_(None) if offer_id is None else PointsRule.offer_id == offer_id,
        )
        if rule_id is not None:
            clash = clash.where(PointsRule.id != rule_id)
        if db.session.scalar(clash) is not None:
            errors["currency"] = ["A rule for this currency and offer exists already; edit that one."]
    if errors:
        raise RuleInvalid(errors)
    return currency, offer_id, rate


def create_rule(
    currency: str, offer_id: int | None, points_per_unit, actor_id: int | None, offers=true()
) -> PointsRule:
    """A new rule; its offer must be one of `offers` (those the staff user reaches)."""
    currency, offer_id, rate = _checked(currency, offer_id, points_per_unit, offers=offers)
    rule = PointsRule(currency=currency, offer_id=offer_id, points_per_unit=rate)
    db.session.add(rule)
    db.session.flush()
    changes = {"currency": (None, currency), "offer_id": (None, offer_id), "points_per_unit": (None, rate)}
    record(actor_id, "points_rule.created", rule, changes)
    return rule


def update_rule(rule: PointsRule, points_per_unit, actor_id: int | None) -> None:
    """Only the rate changes; it applies to conversions awarded from now on."""
    _, _, rate = _checked(rule.currency, rule.offer_id, points_per_unit, rule.id)
    before = rule.points_per_unit
    rule.points_per_unit = rate
    db.session.flush()
    if before != rate:
        record(actor_id, "points_rule.updated", rule, {"points_per_unit": (before, rate)})


def delete_rule(rule: PointsRule, actor_id: int | None) -> None:
    changes = {"currency": (rule.currency, None), "offer_id": (rule.offer_id, None), "points_per_unit": (rule.points_per_unit, None)}
    record(actor_id, "points_rule.deleted", rule, changes)
    db.session.delete(rule)
    db.session.flush()
