"""Flask-WTF forms of the conversion pages: list filters (GET) and the review actions (POST, CSRF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.conversions.listing import ConversionFilters, Scope, advertisers, scope_offers, scope_publishers
from portal.conversions.models import ConversionStatus
from portal.conversions.review import MAX_REASON
from portal.events.schemas import EVENT_TYPES
from portal.forms import DayField, optional_int
from portal.links.click_params import MAX_SUB_LENGTH, SUB_FIELDS

STATUS_CHOICES = [SelectChoice("", "Any status")] + [SelectChoice(s.value, s.value.capitalize()) for s in ConversionStatus]


class PublisherFilterForm(FlaskForm):
    """A publisher's filters: dates in its time zone, offer and status, read from the query string."""

    class Meta:
        csrf = False

    day_from = DayField("From", validators=[Optional()])
    day_to = DayField("To", validators=[Optional()])
    offer = SelectField("Offer", coerce=optional_int, validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[Optional()])

    ARGS = ("day_from", "day_to", "offer", "status")

    def fill_choices(self, scope: Scope) -> None:
        self.offer.choices = [SelectChoice("", "All offers")] + [SelectChoice(o.id, o.name) for o in scope_offers(scope)]

    def criteria(self, timezone: str) -> ConversionFilters:
        """The valid filters only: a value that is not a choice or a date is shown as an error and ignored."""
        return ConversionFilters(timezone=timezone, **self._values())

    def _values(self) -> dict:
        return {
            "day_from": None if self.day_from.errors else self.day_from.data,
            "day_to": None if self.day_to.errors else self.day_to.data,
            "offer_id": None if self.offer.errors else self.offer.data,
            "status": ConversionStatus(self.status.data) if self.status.data and not self.status.errors else None,
        }

    def query_args(self) -> dict:
        """The valid filters, to keep in pager links and after an action."""
        fields = [getattr(self, name) for name in self.ARGS]
        return {field.name: field.raw_data[0] for field in fields if field.raw_data and field.raw_data[0] and not field.errors}


class ReviewFilterForm(PublisherFilterForm):
    """The advertiser's (and admin's) filters add publisher, sub ID, event type and, for admins, advertiser."""

    advertiser = SelectField("Advertiser", coerce=optional_int, validators=[Optional()])
    publisher = SelectField("Publisher", coerce=optional_int, validators=[Optional()])
    sub = SearchField("Sub ID", validators=[Optional(), Length(max=MAX_SUB_LENGTH)])
    sub_field = SelectField(
        "In", choices=[SelectChoice("", "sub1–sub5")] + [SelectChoice(name, name) for name in SUB_FIELDS], validators=[Optional()]
    )
    event = SelectField(
        "Event type", choices=[SelectChoice("", "Any event")] + [SelectChoice(t, t) for t in EVENT_TYPES], validators=[Optional()]
    )

    ARGS = ("day_from", "day_to", "advertiser", "offer", "status", "publisher", "sub", "sub_field", "event")

    def fill_choices(self, scope: Scope, all_advertisers: bool = False) -> None:
        if all_advertisers:
            choices = [SelectChoice(a.id, a.name) for a in advertisers(scope)]
            self.advertiser.choices = [SelectChoice("", "All advertisers")] + choices
        else:
            self.advertiser.choices = [SelectChoice("", "")]
        picked = self.advertiser.data if all_advertisers and self.advertiser.data not in (None, -1) else None
        self.offer.choices = [SelectChoice("", "All offers")] + [SelectChoice(o.id, o.name) for o in scope_offers(scope, picked)]
        self.publisher.choices = [SelectChoice("", "All publishers")] + [
            SelectChoice(p.id, p.name) for p in scope_publishers(scope)
        ]

    def criteria(self, timezone: str, all_advertisers: bool = False) -> ConversionFilters:
        return ConversionFilters(
            timezone=timezone,
            advertiser_id=None if not all_advertisers or self.advertiser.errors else self.advertiser.data,
            publisher_id=None if self.publisher.errors else self.publisher.data,
            sub="" if self.sub.errors else (self.sub.data or "").strip(),
            sub_field="" if self.sub_field.errors else (self.sub_field.data or ""),
            event_type="" if self.event.errors else (self.event.data or ""),
            **self._values(),
        )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason", validators=[Length(max=MAX_REASON)], description="Required: the publisher sees it next to the conversion."
    )


class PayoutForm(FlaskForm):
    # Text, not DecimalField: the service parses it exactly and explains what is wrong.
    payout = StringField("New payout", description="Not negative, up to 4 decimal places; the status stays.")
    note = StringField("Note", validators=[Length(max=MAX_REASON)], description="Optional: why the payout changed.")
