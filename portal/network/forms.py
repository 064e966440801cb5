"""Flask-WTF forms of the network admin pages. They only carry what was typed: the rules live in the
service modules, whose errors the views put back on these fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.forms import ServiceForm, optional_int
from portal.network.models import PayoutType, PublisherStatus, RevenueType, ThrottleStatus, Visibility
from portal.network.publishers import PUBLISHER_BULK_ACTIONS, PUBLISHER_STATUSES
from portal.network.service import BULK_ACTIONS
from portal.paging import STATUSES


def _enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.value) for member in enum_cls]


def manager_choices(managers) -> list[SelectChoice]:
    return [SelectChoice("", "None")] + [SelectChoice(user.id, f"{user.display_name} ({user.role.label})") for user in managers]


class BulkForm(FlaskForm):
    action = SelectField("With the selected", choices=[SelectChoice("", "Choose an action…")] + [
        SelectChoice(value, label) for value, label in BULK_ACTIONS.items()
    ], validate_choice=False)


class PayoutTermsMixin:
    payout_type = SelectField("Payout type", choices=_enum_choices(PayoutType), default="CPA", validate_choice=False)
    payout = StringField("Payout amount", description="CPA, CPAxCPS, CPC, CPM: up to 4 decimal places.")
    payout_percent = StringField("Payout percent", description="CPS, CPAxCPS, PRV: 0–100.")
    revenue_type = SelectField("Revenue type", choices=_enum_choices(RevenueType), default="RPA", validate_choice=False)
    revenue = StringField("Revenue amount")
    revenue_percent = StringField("Revenue percent")


class AdvertiserForm(ServiceForm):
    name = StringField("Name")
    active = BooleanField("Active", default=True)
    company_name = StringField("Company name")
    first_name = StringField("Contact first name")
    last_name = StringField("Contact last name")
    email = StringField("Email")
    phone = StringField("Phone")
    messenger = StringField("Messenger")
    address = StringField("Address")
    country = StringField("Country", description="Two-letter ISO code, e.g. US.")
    website = StringField("Website")
    default_currency = StringField("Default currency", default="EUR")
    manager_id = SelectField("Account manager", coerce=optional_int, validate_choice=False)
    description = TextAreaField("Description")

    def fill_choices(self, managers) -> None:
        self.manager_id.choices = manager_choices(managers)


class OfferForm(PayoutTermsMixin, ServiceForm):
    advertiser_id = SelectField("Advertiser", coerce=optional_int, validate_choice=False)
    name = StringField("Name")
    description = TextAreaField("Description")
    active = BooleanField("Active", default=True)
    visibility = SelectField("Visibility", choices=_enum_choices(Visibility), default="Public", validate_choice=False)
    currency = StringField("Currency", default="EUR", description="Three capital letters, e.g. EUR.")
    destination_url = StringField("Default destination URL")
    fallback_url = StringField("Fallback URL", description="Where unknown, archived or blocked traffic goes.")
    conversion_name = StringField("Conversion name", default="Conversion")
    manually_approve_conversions = BooleanField("Approve conversions manually")
    allow_duplicate_conversions = BooleanField("Allow duplicate conversions")
    block_on_reject = BooleanField("Block on reject")
    terms_and_conditions_enabled = BooleanField("Publishers must accept the terms")
    terms_and_conditions = TextAreaField("Terms and conditions")
    restriction_note = TextAreaField("Restriction note")
    primary_domain = StringField("Primary tracking domain")
    deep_link_enabled = BooleanField("Deep links")
    enable_js_tracking = BooleanField("JavaScript tracking")
    offer_preview_enabled = BooleanField("Offer preview")
    view_through_attribution_enabled = BooleanField("View-through attribution")
    targeting_simple_enabled = BooleanField("Simple targeting")
    targeting_group_id = StringField("Targeting group id")
    impression_forwarding_enabled = BooleanField("Forward impressions")
    impression_forwarding_url = StringField("Impression forwarding URL")
    parallel_tracking_enabled = BooleanField("Parallel tracking")
    parallel_tracking_url = StringField("Parallel tracking URL")

    def fill_choices(self, advertisers) -> None:
        self.advertiser_id.choices = [SelectChoice("", "Pick an advertiser…")] + [
            SelectChoice(a.id, a.name + (" (archived)" if a.archived_at else "")) for a in advertisers
        ]


class OfferEventForm(PayoutTermsMixin, ServiceForm):
    code = StringField("Code", description="What the advertiser's events call it, e.g. ftd.")
    name = StringField("Name")
    description = StringField("Description")
    active = BooleanField("Active", default=True)
    allow_multiple_events = BooleanField("Allow multiple events per player")
    manually_approve_events = BooleanField("Approve manually")


class LandingPageForm(ServiceForm):
    name = StringField("Name")
    url = StringField("Redirect URL")
    preview_url = StringField("Preview URL")
    hidden = BooleanField("Hide from publishers")


class GrantAccessForm(ServiceForm):
    publisher_id = SelectField("Publisher", coerce=optional_int, validate_choice=False)

    def fill_choices(self, publishers) -> None:
        self.publisher_id.choices = [SelectChoice("", "Pick a publisher…")] + [SelectChoice(p.id, p.name) for p in publishers]


class _FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional()])
    status = SelectField("Status", choices=[SelectChoice(k, v) for k, v in STATUSES.items()], default="current",
                         validate_choice=False)
    sort = HiddenField()

    def status_value(self) -> str:
        return self.status.data if self.status.data in STATUSES else "current"

    def query_args(self) -> dict:
        """The state to keep in pager, sort and bulk links (defaults left out)."""
        args = {name: field.data for name, field in self._fields.items() if field.data not in (None, "")}
        if args.get("status") == "current":
            del args["status"]
        return {name: value for name, value in args.items() if name != "page"}


class _ManagerFilter:
    manager = SelectField("Account manager", validate_choice=False)

    def fill_managers(self, managers) -> None:
        self.manager.choices = [SelectChoice("", "Any manager"), SelectChoice("me", "Managed by me")] + [
            SelectChoice(str(user.id), user.display_name) for user in managers
        ]

    def manager_value(self, me: int) -> int | None:
        """The manager to filter by ("me" is the viewer), or None for any."""
        value = self.manager.data or ""
        return me if value == "me" else optional_int(value) if value.isdigit() else None


class AdvertiserFilterForm(_ManagerFilter, _FilterForm):
    q = SearchField("Name, company, email or id", validators=[Optional()])


class OfferFilterForm(_FilterForm):
    q = SearchField("Name or id", validators=[Optional()])
    advertiser = SelectField("Advertiser", coerce=optional_int, validate_choice=False)
    visibility = SelectField("Visibility", choices=[SelectChoice("", "Any visibility")] + _enum_choices(Visibility),
                             validate_choice=False)

    def fill_choices(self, advertisers) -> None:
        self.advertiser.choices = [SelectChoice("", "All advertisers")] + [SelectChoice(a.id, a.name) for a in advertisers]

    def visibility_value(self) -> Visibility | None:
        return next((v for v in Visibility if v.value == self.visibility.data), None)


# ---------------------------------------------------------------- publishers


class PublisherBulkForm(BulkForm):
    action = SelectField("With the selected", choices=[SelectChoice("", "Choose an action…")] + [
        SelectChoice(value, label) for value, label in PUBLISHER_BULK_ACTIONS.items()
    ], validate_choice=False)


class PublisherFilterForm(_ManagerFilter, _FilterForm):
    q = SearchField("Name, email or id", validators=[Optional()])
    status = SelectField("Status", choices=[SelectChoice(k, v) for k, v in PUBLISHER_STATUSES.items()], default="current",
                         validate_choice=False)

    def status_value(self) -> str:
        return self.status.data if self.status.data in PUBLISHER_STATUSES else "current"


class PublisherForm(ServiceForm):
    name = StringField("Name")
    status = SelectField("Status", choices=_enum_choices(PublisherStatus), default="Active", validate_choice=False,
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
    throttle_status = SelectField("Resulting status", choices=_enum_choices(ThrottleStatus), default="Rejected",
                                  validate_choice=False)
    sub1 = StringField("sub1", description="Optional: only traffic with this value.")
    sub2 = StringField("sub2")
    sub3 = StringField("sub3")
    sub4 = StringField("sub4")
    sub5 = StringField("sub5")
    active = BooleanField("Active", default=True)


class OfferSearchForm(FlaskForm):
    """The publisher's offer list: a name search (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField("Offer name", validators=[Optional()])

    def query_args(self) -> dict:
        return {"q": self.q.data} if self.q.data else {}
