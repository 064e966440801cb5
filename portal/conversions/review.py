"""The advertiser's review of conversions: approve, reject with a reason, adjust the payout, in bulk too.

Every change goes through `apply_review_change`, which writes the ConversionChange row (who, when, from /
to status and payout, reason) and the audit entry. Functions flush, never commit: the view commits once,
so a bulk action is all-or-nothing.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal.audit.service import diff, record, snapshot
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.extensions import db
from portal.signals import hours_touched
from portal.types import AMOUNT_LIMIT, MONEY_SCALE

MAX_REASON = 500
MAX_BULK = 500
# NUMERIC(18, 4): 14 digits before the point.
AUDITED_FIELDS = ("status", "payout", "rejection_reason")


class ReviewError(ValueError):
    """A change the rules refuse; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.field = field
        self.conflict = conflict  # the request was well-formed but the conversion's state forbids it


def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Give a reason for the rejection: the publisher sees it.", field="reason")
    if len(reason) > MAX_REASON:
        raise ReviewError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    return reason


def clean_payout(value) -> Decimal:
    """A payout as an exact Decimal: a number, not negative, at most 4 decimal places."""
    try:
        payout = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ReviewError("Enter the payout as a number, e.g. 25.00.", field="payout") from None
    if not payout.is_finite():
        raise ReviewError("Enter the payout as a number, e.g. 25.00.", field="payout")
    if payout < 0:
        raise ReviewError("The payout cannot be negative.", field="payout")
    if payout >= AMOUNT_LIMIT:
        raise ReviewError(f"The payout must be less than {AMOUNT_LIMIT:,}.", field="payout")
    if payout.as_tuple().exponent < -MONEY_SCALE:
        raise ReviewError(f"Use at most {MONEY_SCALE} decimal places.", field="payout")
    return payout


def _check_open(conversion: Conversion) -> None:
    if conversion.paid_at is not None:
        raise ReviewError(f"Conversion {conversion.id} is already paid out and can no longer change.", conflict=True)


def apply_review_change(
    conversion: Conversion,
    actor_id: int | None,
    action: str,
    *,
    status: ConversionStatus | None = None,
    payout: Decimal | None = None,
    reason: str = "",
) -> ConversionChange:
    """Apply one review change to `conversion` and record it: the history row and the audit entry.

    The single place a reviewed conversion changes; anything that must follow a change (rollups) hooks
    in here. `status` / `payout` None keep the current value."""
    _check_open(conversion)
    before = snapshot(conversion, AUDITED_FIELDS)
    new_status = status if status is not None else conversion.status
    new_payout = payout if payout is not None else conversion.payout
    change = ConversionChange(
        conversion_id=conversion.id,
        changed_by_id=actor_id,
        from_status=conversion.status.value,
        to_status=new_status.value,
        from_payout=conversion.payout,
        to_payout=new_payout,
        reason=reason,
    )
    conversion.status = new_status
    conversion.payout = new_payout
    if status is ConversionStatus.REJECTED:
        conversion.rejection_reason = reason
    elif status is not None:
        conversion.rejection_reason = ""
    db.session.add(change)
    hours_touched.send(times=[conversion.created_at])
    record(actor_id, action, conversion, diff(before, snapshot(conversion, AUDITED_FIELDS)))
    db.session.flush()
    return change


def approve_conversion(conversion: Conversion, actor_id: int | None) -> ConversionChange:
    """Pending or rejected → approved (a rejected conversion can be re-approved)."""
    if conversion.status is ConversionStatus.APPROVED:
        raise ReviewError(f"Conversion {conversion.id} is already approved.", conflict=True)
    return apply_review_change(conversion, actor_id, "approve", status=ConversionStatus.APPROVED)


def reject_conversion(conversion: Conversion, actor_id: int | None, reason: str) -> ConversionChange:
    """Pending or approved → rejected, with the reason the publisher will see."""
    reason = clean_reason(reason)
    if conversion.status is ConversionStatus.REJECTED:
        raise ReviewError(f"Conversion {conversion.id} is already rejected.", conflict=True)
    return apply_review_change(conversion, actor_id, "reject", status=ConversionStatus.REJECTED, reason=reason)


def adjust_payout(conversion: Conversion, actor_id: int | None, payout, reason: str = "") -> ConversionChange:
    """A new payout; the status stays as it is."""
    payout = clean_payout(payout)
    if payout == conversion.payout:
        raise ReviewError("That is already the payout.", field="payout")
    return apply_review_change(conversion, actor_id, "adjust_payout", payout=payout, reason=(reason or "").strip()[:MAX_REASON])


def bulk_approve(conversions: list[Conversion], actor_id: int | None) -> list[ConversionChange]:
    """Approve every conversion not approved yet; one that cannot change refuses the whole selection."""
    return [approve_conversion(c, actor_id) for c in _to_change(conversions, ConversionStatus.APPROVED)]


def bulk_reject(conversions: list[Conversion], actor_id: int | None, reason: str) -> list[ConversionChange]:
    """Reject every conversion not rejected yet with one reason; all or nothing like `bulk_approve`."""
    reason = clean_reason(reason)
    return [reject_conversion(c, actor_id, reason) for c in _to_change(conversions, ConversionStatus.REJECTED)]


def _to_change(conversions: list[Conversion], target: ConversionStatus) -> list[Conversion]:
    if not conversions:
        raise ReviewError("Tick the conversions to change first.")
    if len(conversions) > MAX_BULK:
        raise ReviewError(f"Change at most {MAX_BULK} conversions at a time.")
    for conversion in conversions:
        _check_open(conversion)  # before any change, so a refusal leaves nothing half done
    return [c for c in conversions if c.status is not target]
