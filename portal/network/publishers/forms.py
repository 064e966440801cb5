"""Flask-WTF forms of Admin → Publishers: the list's filters and bulk actions, the publisher, inviting its users,
its custom payouts and throttles."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.forms import ServiceForm, optional_int
from portal.network.forms import BulkForm, FilterForm, ManagerFilter, PayoutTermsMixin, enum_choices, manager_choices
from portal.network.models import PublisherStatus, ThrottleStatus
from portal.network.publishers.service import PUBLISHER_BULK_ACTIONS, PUBLISHER_STATUSES


class PublisherBulkForm(BulkForm):
    action = SelectField("With the selected", choices=[SelectChoice("", "Choose an action…")] + [
        SelectChoice(value, label) for value, label in PUBLISHER_BULK_ACTIONS.items()
    ], validate_choice=False)


class PublisherFilterForm(ManagerFilter, FilterForm):
    q = SearchField("Name, email or id", validators=[Optional()])
    status = SelectField("Status", choices=[SelectChoice(k, v) for k, v in PUBLISHER_STATUSES.items()], default="current",
                         validate_choice=False)

    def status_value(self) -> str:
        return self.status.data if self.status.data in PUBLISHER_STATUSES else "current"


class PublisherForm(ServiceForm):
    name = StringField("Name")
    status = SelectField("Status", choices=enum_choices(PublisherStatus), default="Active", validate_choice=False,
                         description="Only an Active publisher's links send traffic to offers.")
    email = StringField("Email")
    website = StringField("Website")
    country = StringField("Country", description="Two-letter ISO code, e.g. DE.")
    timezone = StringField("Time zone", default="UTC", description="e.g. Europe/Berlin.")
    postback_url = StringField("Postback URL")
    manager_id = SelectField("Account manager", coerce=optional_int, validate_choice=False)

    def fill_choices(self, managers) -> None:
        self.manager_id.choices = manager_choices(managers)


class InviteUserForm(ServiceForm):
    email = EmailField("Email")
    first_name = StringField("First name")
    last_name = StringField("Last name")


class _OfferEventChoice:
    offer_id = SelectField("Offer", coerce=optional_int, validate_choice=False)
    offer_event_id = SelectField("Offer event", coerce=optional_int, validate_choice=False)

    def fill_choices(self, offers) -> None:
        self.offer_id.choices = [SelectChoice("", "Pick an offer…")] + [SelectChoice(o.id, o.name) for o in offers]
        self.offer_event_id.choices = [SelectChoice("", "Whole offer (every event)")] + [
            SelectChoice(e.id, f"{o.name} › {e.name} ({e.code})") for o in offers for e in o.events
        ]


class CustomPayoutForm(_OfferEventChoice, PayoutTermsMixin, ServiceForm):
    active = BooleanField("Active", default=True)


class CustomThrottleForm(_OfferEventChoice, ServiceForm):
    percentage = StringField("Throttle percentage", description="0–100: the share of conversions sent to the status.")
    throttle_status = SelectField("Resulting status", choices=enum_choices(ThrottleStatus), default="Rejected",
                                  validate_choice=False)
    sub1 = StringField("sub1", description="Optional: only traffic with this value.")
    sub2 = StringField("sub2")
    sub3 = StringField("sub3")
    sub4 = StringField("sub4")
    sub5 = StringField("sub5")
    active = BooleanField("Active", default=True)
