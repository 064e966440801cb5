"""Demo rewards: a small catalogue, points rules for the demo currencies, and a welcome bonus for the
demo publishers so they can redeem at once. Safe to run again: each piece is looked up first."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.demo.catalogue import DEMO_LOGINS
from portal.extensions import db
from portal.rewards.models import PointsLedgerEntry, PointsRule, Reward
from portal.rewards.points import credit

# (title, description, points cost, input fields)
REWARDS = [
    ("Amazon gift card, 50 EUR", "Sent by email within two working days.", 500,
     [{"name": "email_address", "label": "Email address", "required": True}]),
    ("Tracklane hoodie", "Organic cotton, black. Tell us your size.", 300,
     [{"name": "shipping_address", "label": "Shipping address", "required": True},
      {"name": "size", "label": "Size", "required": True}]),
    ("USDT payout, 100", "Paid to your wallet on the TRON network.", 1000,
     [{"name": "wallet_id", "label": "Wallet id", "required": True}]),
    ("Priority support for a month", "A named account manager for thirty days.", 150, []),
]
RULES = [("EUR", Decimal("1")), ("USD", Decimal("1"))]  # one point per 1.00 of approved payout
WELCOME_BONUS = 600


def seed_rewards() -> Counter:
    created: Counter = Counter()
    titles = set(db.session.scalars(select(Reward.title)))
    for title, description, cost, fields in REWARDS:
        if title not in titles:
            db.session.add(Reward(title=title, description=description, points_cost=cost, enabled=True, input_fields=fields))
            created[Reward.__tablename__] += 1
    for currency, rate in RULES:
        existing = select(PointsRule.id).where(PointsRule.currency == currency, PointsRule.offer_id.is_(None))
        if db.session.scalar(existing) is None:
            db.session.add(PointsRule(currency=currency, offer_id=None, points_per_unit=rate))
            created[PointsRule.__tablename__] += 1
    db.session.flush()
    emails = [email for role, email, _ in DEMO_LOGINS if role == Role.PUBLISHER.value]
    for user in db.session.scalars(select(User).where(User.email.in_(emails))):
        reference = f"demo:welcome:{user.id}"
        if db.session.scalar(select(PointsLedgerEntry.id).where(PointsLedgerEntry.reference == reference)) is None:
            credit(user.id, WELCOME_BONUS, "bonus", reference)
            created[PointsLedgerEntry.__tablename__] += 1
    return created
