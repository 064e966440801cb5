"""Flask-WTF forms of the links and marketing-source pages; the choices come from the domain layer."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import optional_int
from portal.links.click_params import MAX_SUB_LENGTH, SUB_FIELDS, ClickRefused, check_relative_path
from portal.links.service import (
    LINK_STATUSES,
    MAX_LINK_NAME,
    MAX_SOURCE_NAME,
    MAX_URL,
    SOURCE_KINDS,
    LinkFields,
    filter_offers,
    list_marketing_sources,
    offer_creatives,
)
from portal.network.offers.access import pickable_landing_pages, promotable_offers


class MarketingSourceForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the source a name."), Length(max=MAX_SOURCE_NAME)]
    )
    kind = SelectField("Kind", choices=[SelectChoice(kind, kind) for kind in SOURCE_KINDS], default="Other")
    url = URLField("URL", validators=[Optional(), Length(max=MAX_URL)], description="Optional: the site, list or account.")


def _relative_path(form, field) -> None:
    try:
        check_relative_path(field.data or "")
    except ClickRefused as refused:
        raise ValidationError(str(refused)) from refused


class LinkForm(FlaskForm):
    """The link builder; sub1–sub5 and the relative path only feed the preview, they are not stored."""

    offer_id = SelectField("Offer", coerce=optional_int, validators=[DataRequired(message="Pick an offer.")])
    landing_page_id = SelectField("Landing page", coerce=optional_int)
    name = StringField("Link name", validators=[DataRequired(message="Name the link."), Length(max=MAX_LINK_NAME)])
    marketing_source_id = SelectField("Marketing source", coerce=optional_int)
    creative_id = SelectField("Creative", coerce=optional_int)
    geo_target = StringField(
        "Geo target", validators=[Optional(), Length(max=2)], description="Optional two-letter country code, e.g. GB."
    )
    sub1 = StringField("sub1", validators=[Length(max=MAX_SUB_LENGTH)])
    sub2 = StringField("sub2", validators=[Length(max=MAX_SUB_LENGTH)])
    sub3 = StringField("sub3", validators=[Length(max=MAX_SUB_LENGTH)])
    sub4 = StringField("sub4", validators=[Length(max=MAX_SUB_LENGTH)])
    sub5 = StringField("sub5", validators=[Length(max=MAX_SUB_LENGTH)])
    relativepath = StringField(
        "Relative path", validators=[Length(max=MAX_URL), _relative_path], description="Appended to the landing page's path, e.g. promo/spring."
    )

    PREVIEW_FIELDS = (*SUB_FIELDS, "relativepath")

    def fill_choices(self, publisher_id: int, current_offer_id: int | None = None) -> None:
        """Offer choices are the promotable offers (plus the link's own, so an edit shows it);
        landing page and creative choices follow the picked offer."""
        offers = promotable_offers(publisher_id)
        self.offer_id.choices = [SelectChoice("", "Pick an offer…")] + [SelectChoice(o.id, o.name) for o in offers]
        if current_offer_id is not None and current_offer_id not in {o.id for o in offers}:
            self.offer_id.choices.append(SelectChoice(current_offer_id, "(no longer available to you)"))
        offer_id = self.offer_id.data if self.offer_id.data in {o.id for o in offers} else current_offer_id
        self.set_offer_choices(offer_id)
        self.marketing_source_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(source.id, source.name) for source, _ in list_marketing_sources(publisher_id)
        ]

    def set_offer_choices(self, offer_id: int | None) -> None:
        self.landing_page_id.choices = [SelectChoice("", "Offer's default destination")] + [
            SelectChoice(page.id, page.name) for page in pickable_landing_pages(offer_id)
        ]
        self.creative_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(c.id, f"{c.name} ({c.width}×{c.height})") for c in offer_creatives(offer_id)
        ]

    def link_fields(self) -> LinkFields:
        return LinkFields(
            offer_id=self.offer_id.data,
            name=self.name.data or "",
            landing_page_id=self.landing_page_id.data,
            marketing_source_id=self.marketing_source_id.data,
            creative_id=self.creative_id.data,
            geo_target=self.geo_target.data or "",
        )

    def preview_errors(self) -> dict[str, list[str]]:
        return {name: getattr(self, name).errors for name in self.PREVIEW_FIELDS if getattr(self, name).errors}

    def subs(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in SUB_FIELDS}


class LinkFilterForm(FlaskForm):
    """The links list's search and filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField("Name or link id", validators=[Optional(), Length(max=200)])
    offer = SelectField("Offer", coerce=optional_int, validators=[Optional()])
    source = SelectField("Marketing source", coerce=optional_int, validators=[Optional()])
    status = SelectField(
        "Status", choices=[SelectChoice("active", "Active"), SelectChoice("archived", "Archived"), SelectChoice("all", "All")], default="active",
        validators=[Optional()],
    )

    def fill_choices(self, publisher_id: int) -> None:
        self.offer.choices = [SelectChoice("", "All offers")] + [SelectChoice(o.id, o.name) for o in filter_offers(publisher_id)]
        self.source.choices = [SelectChoice("", "All sources")] + [
            SelectChoice(source.id, source.name) for source, _ in list_marketing_sources(publisher_id)
        ]

    def criteria(self) -> dict:
        """The valid filters only: a value that is not one of the choices is ignored, never trusted."""
        status = self.status.data if self.status.data in LINK_STATUSES and not self.status.errors else "active"
        return {
            "query": "" if self.q.errors else (self.q.data or ""),
            "offer_id": None if self.offer.errors else self.offer.data,
            "marketing_source_id": None if self.source.errors else self.source.data,
            "status": status,
        }

    def query_args(self) -> dict:
        """The filters to keep in pager links."""
        args = {"q": self.q.data, "offer": self.offer.data, "source": self.source.data}
        args = {name: value for name, value in args.items() if value not in (None, "")}
        if self.status.data and self.status.data != "active":
            args["status"] = self.status.data
        return args
