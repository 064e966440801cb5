"""The form pieces the network admin pages share: enum and manager choices, the bulk-action form, payout terms,
the list filters. The forms themselves sit with their pages (advertisers/, offers/, publishers/); they only carry
what was typed: the rules live in the service modules, whose errors the views put back on the fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.forms import optional_int
from portal.network.lifecycle import BULK_ACTIONS
from portal.network.models import PayoutType, RevenueType
from portal.paging import STATUSES


def enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.value) for member in enum_cls]


def manager_choices(managers) -> list[SelectChoice]:
    return [SelectChoice("", "None")] + [SelectChoice(user.id, f"{user.display_name} ({user.role.label})") for user in managers]


class BulkForm(FlaskForm):
    action = SelectField("With the selected", choices=[SelectChoice("", "Choose an action…")] + [
        SelectChoice(value, label) for value, label in BULK_ACTIONS.items()
    ], validate_choice=False)


class PayoutTermsMixin:
    payout_type = SelectField("Payout type", choices=enum_choices(PayoutType), default="CPA", validate_choice=False)
    payout = StringField("Payout amount", description="CPA, CPAxCPS, CPC, CPM: up to 4 decimal places.")
    payout_percent = StringField("Payout percent", description="CPS, CPAxCPS, PRV: 0–100.")
    revenue_type = SelectField("Revenue type", choices=enum_choices(RevenueType), default="RPA", validate_choice=False)
    revenue = StringField("Revenue amount")
    revenue_percent = StringField("Revenue percent")


class FilterForm(FlaskForm):
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


class ManagerFilter:
    manager = SelectField("Account manager", validate_choice=False)

    def fill_managers(self, managers) -> None:
        self.manager.choices = [SelectChoice("", "Any manager"), SelectChoice("me", "Managed by me")] + [
            SelectChoice(str(user.id), user.display_name) for user in managers
        ]

    def manager_value(self, me: int) -> int | None:
        """The manager to filter by ("me" is the viewer), or None for any."""
        value = self.manager.data or ""
        return me if value == "me" else optional_int(value) if value.isdigit() else None
