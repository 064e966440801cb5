"""The review rules on the domain layer: status moves, exact payouts, history rows and audit entries."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.conversions.models import ConversionChange, ConversionStatus
from portal.conversions.review import (
    MAX_BULK,
    ReviewError,
    adjust_payout,
    apply_review_change,
    approve_conversion,
    bulk_approve,
    bulk_reject,
    clean_payout,
    reject_conversion,
)
from portal.extensions import db
from portal.types import utcnow
from tests.factories import ConversionFactory, UserFactory

PENDING, APPROVED, REJECTED = ConversionStatus.PENDING, ConversionStatus.APPROVED, ConversionStatus.REJECTED


@pytest.fixture
def reviewer(app):
    return UserFactory(is_advertiser=True)


def history(conversion):
    return list(db.session.scalars(select(ConversionChange).where(ConversionChange.conversion_id == conversion.id).order_by(ConversionChange.id)))


def audit_entries(conversion):
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Conversion", AuditEntry.object_id == str(conversion.id)).order_by(AuditEntry.id)
    ))


def test_approving_a_pending_conversion_records_who_and_the_move(reviewer):
    conversion = ConversionFactory(payout=Decimal("25.00"))
    change = approve_conversion(conversion, reviewer.id)
    assert conversion.status is APPROVED
    assert (change.changed_by_id, change.from_status, change.to_status) == (reviewer.id, "pending", "approved")
    assert change.from_payout == change.to_payout == Decimal("25.00")
    assert change.changed_at is not None
    [entry] = audit_entries(conversion)
    assert entry.actor_id == reviewer.id and entry.action == "approve"
    assert entry.changes == {"status": ["pending", "approved"]}


def test_rejecting_needs_a_reason_and_keeps_it(reviewer):
    conversion = ConversionFactory()
    for blank in ("", "   ", None):
        with pytest.raises(ReviewError) as refused:
            reject_conversion(conversion, reviewer.id, blank)
        assert refused.value.field == "reason"
    assert conversion.status is PENDING and history(conversion) == []
    reject_conversion(conversion, reviewer.id, "  Duplicate player  ")
    assert conversion.status is REJECTED and conversion.rejection_reason == "Duplicate player"
    [change] = history(conversion)
    assert (change.from_status, change.to_status, change.reason) == ("pending", "rejected", "Duplicate player")
    assert audit_entries(conversion)[0].changes["rejection_reason"] == ["", "Duplicate player"]


def test_a_too_long_reason_is_refused(reviewer):
    with pytest.raises(ReviewError):
        reject_conversion(ConversionFactory(), reviewer.id, "x" * 501)


def test_a_rejected_conversion_can_be_re_approved_and_loses_its_reason(reviewer):
    conversion = ConversionFactory()
    reject_conversion(conversion, reviewer.id, "Fraud suspected")
    approve_conversion(conversion, reviewer.id)
    assert conversion.status is APPROVED and conversion.rejection_reason == ""
    assert [(c.from_status, c.to_status) for c in history(conversion)] == [("pending", "rejected"), ("rejected", "approved")]


def test_an_approved_conversion_can_be_rejected(reviewer):
    conversion = ConversionFactory(status=APPROVED)
    reject_conversion(conversion, reviewer.id, "Chargeback")
    assert conversion.status is REJECTED


def test_repeating_the_current_status_is_a_conflict(reviewer):
    approved, rejected = ConversionFactory(status=APPROVED), ConversionFactory(status=REJECTED, rejection_reason="old")
    with pytest.raises(ReviewError) as again:
        approve_conversion(approved, reviewer.id)
    assert again.value.conflict
    with pytest.raises(ReviewError) as again:
        reject_conversion(rejected, reviewer.id, "new reason")
    assert again.value.conflict and rejected.rejection_reason == "old"
    assert history(approved) == history(rejected) == []


def test_adjusting_the_payout_keeps_the_status_and_is_exact(reviewer):
    conversion = ConversionFactory(status=APPROVED, payout=Decimal("25.00"))
    change = adjust_payout(conversion, reviewer.id, "12.3456", "Partial chargeback")
    db.session.flush()
    db.session.expire(conversion)
    assert conversion.status is APPROVED and conversion.payout == Decimal("12.3456")
    assert (change.from_status, change.to_status) == ("approved", "approved")
    assert (change.from_payout, change.to_payout, change.reason) == (Decimal("25.00"), Decimal("12.3456"), "Partial chargeback")
    [entry] = audit_entries(conversion)
    assert list(entry.changes) == ["payout"] and [Decimal(v) for v in entry.changes["payout"]] == [Decimal("25"), Decimal("12.3456")]


def test_a_payout_can_become_zero(reviewer):
    conversion = ConversionFactory(payout=Decimal("10"))
    adjust_payout(conversion, reviewer.id, Decimal("0"))
    assert conversion.payout == Decimal("0") and conversion.status is PENDING


@pytest.mark.parametrize("bad", ["-0.01", "abc", "", "NaN", "Infinity", "1.23456", "1e20", "10000000000"])
def test_bad_payouts_are_refused_and_nothing_changes(reviewer, bad):
    conversion = ConversionFactory(payout=Decimal("25.00"))
    with pytest.raises(ReviewError) as refused:
        adjust_payout(conversion, reviewer.id, bad)
    assert refused.value.field == "payout"
    assert conversion.payout == Decimal("25.00") and history(conversion) == []


def test_an_adjusted_payout_stays_within_what_an_hour_of_sums_can_hold(reviewer):
    """Two adjustments just under the old bound (the column's 10^14) overflowed an hour's total reward."""
    with pytest.raises(ReviewError, match="less than 10,000,000,000") as refused:
        adjust_payout(ConversionFactory(payout=Decimal("25.00")), reviewer.id, "99999999999999.9999")
    assert refused.value.field == "payout"


def test_the_same_payout_again_is_refused(reviewer):
    with pytest.raises(ReviewError):
        adjust_payout(ConversionFactory(payout=Decimal("25.00")), reviewer.id, "25.0")


def test_clean_payout_keeps_the_exact_decimal():
    assert clean_payout(" 9999999999.9999 ") == Decimal("9999999999.9999")
    assert clean_payout("0.1") + clean_payout("0.2") == Decimal("0.3")


def test_a_paid_conversion_can_no_longer_change(reviewer):
    conversion = ConversionFactory(paid_at=utcnow())
    for change in (
        lambda: approve_conversion(conversion, reviewer.id),
        lambda: reject_conversion(conversion, reviewer.id, "late"),
        lambda: adjust_payout(conversion, reviewer.id, "1"),
    ):
        with pytest.raises(ReviewError) as refused:
            change()
        assert refused.value.conflict
    assert conversion.status is PENDING and history(conversion) == []


def test_bulk_approve_changes_every_one_not_approved_yet(reviewer):
    pending, rejected, approved = ConversionFactory(), ConversionFactory(status=REJECTED), ConversionFactory(status=APPROVED)
    changes = bulk_approve([pending, rejected, approved], reviewer.id)
    assert len(changes) == 2
    assert {c.status for c in (pending, rejected, approved)} == {APPROVED}
    assert history(approved) == []


def test_bulk_reject_uses_one_reason_for_all(reviewer):
    conversions = [ConversionFactory(), ConversionFactory(status=APPROVED)]
    bulk_reject(conversions, reviewer.id, "Incentivised traffic")
    assert [(c.status, c.rejection_reason) for c in conversions] == [(REJECTED, "Incentivised traffic")] * 2
    with pytest.raises(ReviewError):
        bulk_reject([ConversionFactory()], reviewer.id, "")


def test_bulk_is_all_or_nothing_when_one_cannot_change(reviewer):
    open_one, paid = ConversionFactory(), ConversionFactory(paid_at=utcnow())
    with pytest.raises(ReviewError):
        bulk_approve([open_one, paid], reviewer.id)
    assert open_one.status is PENDING and history(open_one) == []


def test_bulk_refuses_an_empty_or_oversized_selection(reviewer):
    with pytest.raises(ReviewError):
        bulk_approve([], reviewer.id)
    conversion = ConversionFactory()
    with pytest.raises(ReviewError):
        bulk_approve([conversion] * (MAX_BULK + 1), reviewer.id)


def test_every_change_goes_through_apply_review_change(reviewer, monkeypatch):
    import portal.conversions.review as review

    seen = []
    original = review.apply_review_change

    def spy(conversion, actor_id, action, **kwargs):
        seen.append(action)
        return original(conversion, actor_id, action, **kwargs)

    monkeypatch.setattr(review, "apply_review_change", spy)
    conversion = ConversionFactory()
    review.reject_conversion(conversion, reviewer.id, "why")
    review.approve_conversion(conversion, reviewer.id)
    review.adjust_payout(conversion, reviewer.id, "3")
    review.bulk_reject([conversion], reviewer.id, "again")
    assert seen == ["reject", "approve", "adjust_payout", "reject"]


def test_apply_review_change_without_status_or_payout_keeps_both(reviewer):
    conversion = ConversionFactory(status=REJECTED, rejection_reason="kept", payout=Decimal("7.50"))
    change = apply_review_change(conversion, None, "note", reason="a note")
    assert (conversion.status, conversion.rejection_reason, conversion.payout) == (REJECTED, "kept", Decimal("7.50"))
    assert change.changed_by_id is None and change.to_status == "rejected"
