"""Flask-WTF forms of the rewards pages; the rules themselves live in the domain modules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.forms import optional_int
from portal.rewards.catalogue import MAX_DESCRIPTION, MAX_TITLE
from portal.rewards.points import MAX_BONUS
from portal.rewards.redemptions import MAX_INPUT

INPUT_PREFIX = "in_"  # keeps a reward's field names clear of the form's own attributes


class RewardForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": MAX_TITLE})
    description = TextAreaField("Description", render_kw={"maxlength": MAX_DESCRIPTION, "rows": 2})
    points_cost = IntegerField("Points cost", render_kw={"min": 1})
    enabled = BooleanField("Enabled (publishers can redeem it)", default=True)
    input_fields = TextAreaField(
        "Input fields, one per line",
        render_kw={"rows": 3, "placeholder": "Shipping address *\nPhone"},
        description="The label of each field the publisher fills in; end it with * when it is required.",
    )


class RuleForm(FlaskForm):
    currency = StringField("Currency", render_kw={"maxlength": 3, "placeholder": "EUR"})
    offer_id = SelectField("Offer", coerce=optional_int, validate_choice=False)
    points_per_unit = StringField(
        "Points per 1.00 of approved payout", render_kw={"inputmode": "decimal", "placeholder": "1"}
    )

    def fill_choices(self, offers) -> None:
        every = SelectChoice("", "Every offer in this currency")
        self.offer_id.choices = [every] + [SelectChoice(o.id, o.name) for o in offers]


class RateForm(FlaskForm):
    points_per_unit = StringField("Points per 1.00", render_kw={"inputmode": "decimal"})


class BonusForm(FlaskForm):
    amount = IntegerField(
        "Points to add (negative to take away)",
        render_kw={"min": -MAX_BONUS, "max": MAX_BONUS},
        description=f"A whole number from -{MAX_BONUS:,} to {MAX_BONUS:,}; the balance never goes below zero.",
    )


class RedemptionFilterForm(FlaskForm):
    """The admin list's filters, read from the query string."""

    class Meta:
        csrf = False

    completed = SelectField(
        "Completed",
        choices=[SelectChoice("", "Any"), SelectChoice("true", "Completed"), SelectChoice("false", "Not completed")],
        validators=[Optional()],
    )
    refunded = SelectField(
        "Refunded",
        choices=[SelectChoice("", "Any"), SelectChoice("true", "Refunded"), SelectChoice("false", "Not refunded")],
        validators=[Optional()],
    )
    reward_id = SelectField("Reward", coerce=optional_int, validators=[Optional()])

    def fill_choices(self, rewards) -> None:
        self.reward_id.choices = [SelectChoice("", "All rewards")] + [SelectChoice(r.id, r.title) for r in rewards]

    def criteria(self) -> dict:
        """Only valid choices count; anything else is ignored, never trusted."""
        flag = {"true": True, "false": False}
        return {
            "completed": None if self.completed.errors else flag.get(self.completed.data),
            "refunded": None if self.refunded.errors else flag.get(self.refunded.data),
            "reward_id": None if self.reward_id.errors else self.reward_id.data,
        }

    def query_args(self) -> dict:
        args = {}
        for name, value in self.criteria().items():
            if value is not None:
                args[name] = ("true" if value else "false") if isinstance(value, bool) else value
        return args


class FanSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Username or email", validators=[Optional(), Length(max=200)])


def redeem_form(reward, formdata=None) -> FlaskForm:
    """A form with one text field per input field of `reward` (named with INPUT_PREFIX)."""

    class RedeemForm(FlaskForm):
        pass

    for spec in reward.input_fields or []:
        render = {"maxlength": MAX_INPUT, "required": True} if spec.get("required") else {"maxlength": MAX_INPUT}
        label = spec["label"] + ("" if spec.get("required") else " (optional)")
        setattr(RedeemForm, INPUT_PREFIX + spec["name"], StringField(label, render_kw=render))
    return RedeemForm(formdata=formdata) if formdata is not None else RedeemForm()


def typed_input(form: FlaskForm, reward) -> dict:
    return {spec["name"]: getattr(form, INPUT_PREFIX + spec["name"]).data or "" for spec in reward.input_fields or []}
