"""Points from approved commission: the rule, the rounding, the owner, idempotency and reversal."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.models import UserStatus
from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.rewards.awards import award_batch, points_for, points_owner
from portal.rewards.jobs import award_points
from portal.rewards.models import PointsAward, PointsLedgerEntry
from portal.rewards.points import balance, spend
from portal.types import utcnow
from tests.concurrency import require_postgresql, run_together
from tests.factories import OfferFactory, PointsRuleFactory, UserFactory
from tests.rewards.conftest import approved


@pytest.mark.parametrize(
    ("payout", "rate", "points"),
    [("25.00", "1", 25), ("25.00", "1.5", 37), ("0.99", "1", 0), ("10.0050", "100", 1000), ("3.3333", "3", 9), ("0", "5", 0)],
)
def test_points_are_payout_times_rate_rounded_down(payout, rate, points):
    assert points_for(Decimal(payout), Decimal(rate)) == points


def test_approved_conversion_earns_points_for_the_publishers_first_active_user(app, fan):
    later = UserFactory(is_publisher=True, publisher=fan.publisher)
    PointsRuleFactory(currency="EUR", points_per_unit=Decimal("2"))
    conversion = approved(fan.publisher, "12.50")
    db.session.commit()

    assert award_points() == {"awarded": 1, "points": 25, "reversed": 0}

    assert balance(fan.id).current_points == 25 and balance(fan.id).total_points == 25
    assert balance(later.id).current_points == 0
    entry = db.session.scalar(select(PointsLedgerEntry))
    assert (entry.user_id, entry.delta, entry.balance_after, entry.reason, entry.reference) == (
        fan.id, 25, 25, "earned", f"conversion:{conversion.id}"
    )


def test_an_inactive_first_user_is_passed_over(app, fan):
    fan.status = UserStatus.DEACTIVATED
    second = UserFactory(is_publisher=True, publisher=fan.publisher)
    db.session.commit()
    assert points_owner(fan.publisher_id) == second.id


def test_offer_rule_overrides_the_currency_rule(app, fan):
    special = OfferFactory(currency="EUR")
    PointsRuleFactory(currency="EUR", points_per_unit=Decimal("1"))
    PointsRuleFactory(currency="EUR", offer_id=special.id, points_per_unit=Decimal("3"))
    approved(fan.publisher, "10.00")
    approved(fan.publisher, "10.00", offer=special)
    db.session.commit()

    award_points()

    assert sorted(db.session.scalars(select(PointsLedgerEntry.delta))) == [10, 30]
    assert balance(fan.id).current_points == 40


def test_pending_rejected_and_unruled_conversions_earn_nothing(app, fan):
    PointsRuleFactory(currency="EUR")
    approved(fan.publisher, status=ConversionStatus.PENDING)
    approved(fan.publisher, status=ConversionStatus.REJECTED)
    approved(fan.publisher, currency="USD")  # no USD rule
    db.session.commit()

    assert award_points()["awarded"] == 0
    assert balance(fan.id).current_points == 0

    PointsRuleFactory(currency="USD", points_per_unit=Decimal("0.5"))  # a rule added later applies on the next run
    db.session.commit()
    assert award_points() == {"awarded": 1, "points": 12, "reversed": 0}


def test_running_the_job_twice_awards_each_conversion_once(app, fan):
    PointsRuleFactory(currency="EUR")
    approved(fan.publisher, "25.00")
    approved(fan.publisher, "5.00")
    db.session.commit()

    first, second = award_points(), award_points()

    assert first == {"awarded": 2, "points": 30, "reversed": 0}
    assert second == {"awarded": 0, "points": 0, "reversed": 0}
    assert balance(fan.id).current_points == 30
    assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 2


def test_batches_cover_every_conversion(app, fan):
    PointsRuleFactory(currency="EUR")
    for _ in range(5):
        approved(fan.publisher, "1.00")
    db.session.commit()
    run, last = award_batch(limit=2)
    assert run.awarded == 2 and last is not None
    db.session.commit()
    assert award_points()["awarded"] == 3
    assert balance(fan.id).current_points == 5


def test_concurrent_runs_award_each_conversion_exactly_once(app, fan):
    require_postgresql()
    PointsRuleFactory(currency="EUR")
    for _ in range(30):
        approved(fan.publisher, "2.00")
    db.session.commit()
    run_together(app, lambda _: award_points(), range(6), timeout=120)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PointsAward)) == 30
    assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 30
    assert balance(fan.id).current_points == 60 and balance(fan.id).total_points == 60


def test_a_conversion_rejected_after_its_award_is_reversed_once(app, fan):
    PointsRuleFactory(currency="EUR")
    conversion = approved(fan.publisher, "40.00")
    db.session.commit()
    award_points()

    conversion.status = ConversionStatus.REJECTED
    db.session.commit()
    assert award_points() == {"awarded": 0, "points": 0, "reversed": 1}
    assert award_points()["reversed"] == 0

    assert balance(fan.id).current_points == 0
    reversal = db.session.scalar(select(PointsLedgerEntry).where(PointsLedgerEntry.reason == "reversal"))
    assert (reversal.delta, reversal.balance_after, reversal.reference) == (-40, 0, f"reversal:conversion:{conversion.id}")
    assert db.session.get(PointsAward, conversion.id).reversed_at is not None


def test_a_reversal_stops_at_zero_when_the_points_were_spent(app, fan):
    PointsRuleFactory(currency="EUR")
    conversion = approved(fan.publisher, "40.00")
    db.session.commit()
    award_points()
    spend(fan.id, 30, "redemption", "test:spent")
    conversion.status = ConversionStatus.REJECTED
    conversion.updated_at = utcnow()
    db.session.commit()

    award_points()

    assert balance(fan.id).current_points == 0
    reversal = db.session.scalar(select(PointsLedgerEntry).where(PointsLedgerEntry.reason == "reversal"))
    assert reversal.delta == -10


def test_the_job_runs_on_a_real_worker(app, fan):
    from rq import SimpleWorker

    from portal.queues import enqueue, get_queue, redis_connection

    PointsRuleFactory(currency="EUR")
    approved(fan.publisher, "8.00")
    db.session.commit()
    job = enqueue(award_points)
    SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert job.return_value() == {"awarded": 1, "points": 8, "reversed": 0}
    db.session.expire_all()
    assert balance(fan.id).current_points == 8


def test_the_scheduler_runs_the_award_every_minute(app):
    assert (award_points, 60) in app.extensions["periodic_jobs"]
