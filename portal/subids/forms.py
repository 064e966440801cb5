"""Flask-WTF forms of the sub ID pages. The rules themselves are in the domain layer (service, blocked)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.forms import optional_int
from portal.subids.blocked import MAX_BLOCK_DESCRIPTION, MAX_BLOCKED_SUB_ID
from portal.subids.service import (
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_EXTERNAL_LINK,
    MAX_NAME,
    SubIdFields,
)


class SubIdForm(FlaskForm):
    external_id = StringField(
        "Sub ID value",
        render_kw={"maxlength": MAX_EXTERNAL_ID, "autocomplete": "off", "spellcheck": "false"},
        description=f"What you put in sub1–sub5: up to {MAX_EXTERNAL_ID} letters, digits, - and _.",
    )
    name = StringField("Name", render_kw={"maxlength": MAX_NAME})
    description = TextAreaField("Description", render_kw={"maxlength": MAX_DESCRIPTION, "rows": 2})
    external_link = URLField("External link", render_kw={"maxlength": MAX_EXTERNAL_LINK}, description="Optional http(s) address.")

    def fields(self) -> SubIdFields:
        return SubIdFields(
            external_id=self.external_id.data or "",
            name=self.name.data or "",
            description=self.description.data or "",
            external_link=self.external_link.data or "",
        )


class SubIdSearchForm(FlaskForm):
    """The list's search, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField("Search value or name", validators=[Optional(), Length(max=200)])

    def query(self) -> str:
        return "" if self.q.errors else (self.q.data or "").strip()

    def query_args(self) -> dict:
        return {"q": self.query()} if self.query() else {}


class BulkPasteForm(FlaskForm):
    lines = TextAreaField(
        "Sub IDs, one per line",
        render_kw={"rows": 10, "spellcheck": "false", "placeholder": "summer_promo\nnewsletter-june,June newsletter"},
        description="Optionally followed by a name, description and link, separated by commas or tabs.",
    )


class BulkUploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        render_kw={"accept": ".csv,text/csv"},
        description="UTF-8, header row external_id,name,description,external_link; at most 1 MB and 5,000 rows.",
    )


class BulkConfirmForm(FlaskForm):
    """The input of a preview, carried back so the confirm step can read and check it again."""

    kind = HiddenField()
    payload = HiddenField()


class BlockForm(FlaskForm):
    publisher_id = SelectField("Publisher", coerce=optional_int, validate_choice=False)
    offer_id = SelectField("Offer", coerce=optional_int, validate_choice=False)
    sub_id = StringField(
        "Sub ID value",
        render_kw={"maxlength": MAX_BLOCKED_SUB_ID, "autocomplete": "off", "spellcheck": "false"},
        description=f"Up to {MAX_BLOCKED_SUB_ID} letters, digits, - and _; matched in sub1–sub5.",
    )
    description = StringField("Why", render_kw={"maxlength": MAX_BLOCK_DESCRIPTION})

    def fill_choices(self, publishers, offers) -> None:
        self.publisher_id.choices = [SelectChoice("", "Pick a publisher…")] + [SelectChoice(p.id, p.name) for p in publishers]
        self.offer_id.choices = [SelectChoice("", "Pick an offer…")] + [SelectChoice(o.id, o.name) for o in offers]


class BlockDescriptionForm(FlaskForm):
    description = StringField("Why", render_kw={"maxlength": MAX_BLOCK_DESCRIPTION})


class BlockFilterForm(FlaskForm):
    """The admin list's filters, read from the query string."""

    class Meta:
        csrf = False

    publisher = SelectField("Publisher", coerce=optional_int, validators=[Optional()])
    offer = SelectField("Offer", coerce=optional_int, validators=[Optional()])
    q = SearchField("Search value or description", validators=[Optional(), Length(max=200)])

    def fill_choices(self, publishers, offers) -> None:
        self.publisher.choices = [SelectChoice("", "All publishers")] + [SelectChoice(p.id, p.name) for p in publishers]
        self.offer.choices = [SelectChoice("", "All offers")] + [SelectChoice(o.id, o.name) for o in offers]

    def criteria(self) -> dict:
        """The valid filters only: a value that is not one of the choices is ignored, never trusted."""
        return {
            "publisher_id": None if self.publisher.errors else self.publisher.data,
            "offer_id": None if self.offer.errors else self.offer.data,
            "query": "" if self.q.errors else (self.q.data or "").strip(),
        }

    def query_args(self) -> dict:
        criteria = self.criteria()
        args = {"publisher": criteria["publisher_id"], "offer": criteria["offer_id"], "q": criteria["query"]}
        return {name: value for name, value in args.items() if value not in (None, "")}
