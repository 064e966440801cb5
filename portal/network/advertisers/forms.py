"""Flask-WTF forms of Admin → Advertisers: the list's filters and the advertiser form."""
from __future__ import annotations

from wtforms import BooleanField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import ServiceForm, optional_int
from portal.network.forms import FilterForm, ManagerFilter, manager_choices


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


class AdvertiserFilterForm(ManagerFilter, FilterForm):
    q = SearchField("Name, company, email or id", validators=[Optional()])
