"""Forms of the earnings ledger (publisher filters) and of admin payouts (filters, new payout)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.dateranges import DATE_RANGES, MAX_DAYS, resolve_range
from portal.forms import DayField, optional_int
from portal.rewards.earnings import STATUSES, LedgerFilters
from portal.rewards.payouts import MAX_NOTE

DEFAULT_RANGE = "last_30_days"
CURRENCY = Regexp(r"^[A-Z]{3}$", message="Three capital letters, e.g. EUR.")


class EarningsFilterForm(FlaskForm):
    """Read from the query string; any invalid value is a field error (and a 400), never ignored."""

    class Meta:
        csrf = False

    range = SelectField(
        "Dates", choices=[SelectChoice(k, v) for k, v in DATE_RANGES.items()], default=DEFAULT_RANGE, validators=[Optional()]
    )
    start = DayField("From", validators=[Optional()])
    end = DayField("To", validators=[Optional()])
    offer_id = SelectField("Offer", coerce=optional_int, validators=[Optional()])
    status = SelectField("Status", validators=[Optional()])

    def fill_choices(self, offers) -> None:
        self.offer_id.choices = [SelectChoice("", "All offers")] + [SelectChoice(o.id, o.name) for o in offers]
        self.status.choices = [SelectChoice("", "Any status")] + [SelectChoice(s, s.capitalize()) for s in STATUSES]

    def to_filters(self, timezone: str, today) -> LedgerFilters | None:
        """The filters, or None with field errors set."""
        if not self.validate():
            return None
        name = self.range.data or DEFAULT_RANGE
        if name == "custom":
            for date_field in (self.start, self.end):
                if date_field.data is None:
                    date_field.errors = list(date_field.errors) + ["Pick a date for a custom range."]
                    return None
            start, end = self.start.data, self.end.data
            if end < start:
                self.end.errors = list(self.end.errors) + ["Must not be before “From”."]
                return None
            if (end - start).days >= MAX_DAYS:
                self.end.errors = list(self.end.errors) + [f"A range spans at most {MAX_DAYS} days."]
                return None
        else:
            start, end = resolve_range(name, today)
            self.start.data, self.end.data = start, end
        return LedgerFilters(start, end, timezone, self.offer_id.data, self.status.data or None)

    def query_args(self) -> dict:
        args = {"range": self.range.data or DEFAULT_RANGE}
        if args["range"] == "custom":
            args |= {"start": self.start.data.isoformat(), "end": self.end.data.isoformat()}
        for name in ("offer_id", "status"):
            if getattr(self, name).data:
                args[name] = getattr(self, name).data
        return args


class PayoutFilterForm(FlaskForm):
    class Meta:
        csrf = False

    publisher_id = SelectField("Publisher", coerce=optional_int, validators=[Optional()])
    currency = SelectField("Currency", validators=[Optional()])

    def fill_choices(self, publishers, currencies) -> None:
        self.publisher_id.choices = [SelectChoice("", "All publishers")] + [SelectChoice(p.id, p.name) for p in publishers]
        self.currency.choices = [SelectChoice("", "All currencies")] + [SelectChoice(c, c) for c in currencies]

    def query_args(self) -> dict:
        return {name: getattr(self, name).data for name in ("publisher_id", "currency") if getattr(self, name).data}


class PayoutForm(FlaskForm):
    publisher_id = SelectField("Publisher", coerce=optional_int, validators=[DataRequired(message="Pick a publisher.")])
    currency = StringField(
        "Currency", validators=[DataRequired(message="Name the currency."), CURRENCY],
        filters=[lambda v: v.strip().upper() if v else v], render_kw={"maxlength": 3, "placeholder": "EUR"},
    )  # fmt: skip
    cut_off = DayField(
        "Pay commission created up to (inclusive)", validators=[DataRequired(message="Pick the cut-off date.")],
        description="Whole days in your time zone.",
    )  # fmt: skip
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_NOTE)], render_kw={"rows": 2, "maxlength": MAX_NOTE})
    # Set by the preview: the confirmation pays only if exactly this is still payable.
    expected_count = HiddenField()
    expected_amount = HiddenField()

    def fill_choices(self, publishers) -> None:
        self.publisher_id.choices = [SelectChoice("", "Pick a publisher")] + [SelectChoice(p.id, p.name) for p in publishers]

    def expected(self) -> tuple[int, Decimal] | None:
        try:
            return int(self.expected_count.data), Decimal(self.expected_amount.data)
        except (TypeError, ValueError, InvalidOperation):
            return None
