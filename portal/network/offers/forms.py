"""Flask-WTF forms of Admin → Offers (the list's filters, the offer, its events, landing pages and publisher
access) and of the publisher's offer list."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.forms import ServiceForm, optional_int
from portal.network.forms import FilterForm, PayoutTermsMixin, enum_choices
from portal.network.models import Visibility


class OfferForm(PayoutTermsMixin, ServiceForm):
    advertiser_id = SelectField("Advertiser", coerce=optional_int, validate_choice=False)
    name = StringField("Name")
    description = TextAreaField("Description")
    active = BooleanField("Active", default=True)
    visibility = SelectField("Visibility", choices=enum_choices(Visibility), default="Public", validate_choice=False)
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


class OfferFilterForm(FilterForm):
    q = SearchField("Name or id", validators=[Optional()])
    advertiser = SelectField("Advertiser", coerce=optional_int, validate_choice=False)
    visibility = SelectField("Visibility", choices=[SelectChoice("", "Any visibility")] + enum_choices(Visibility),
                             validate_choice=False)

    def fill_choices(self, advertisers) -> None:
        self.advertiser.choices = [SelectChoice("", "All advertisers")] + [SelectChoice(a.id, a.name) for a in advertisers]

    def visibility_value(self) -> Visibility | None:
        return next((v for v in Visibility if v.value == self.visibility.data), None)


class OfferSearchForm(FlaskForm):
    """The publisher's offer list: a name search (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField("Offer name", validators=[Optional()])

    def query_args(self) -> dict:
        return {"q": self.q.data} if self.q.data else {}
