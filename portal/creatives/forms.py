"""Flask-WTF forms of the creatives pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from portal.creatives.service import MAX_SIDE, Size
from portal.ids import parse_id

EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]


class UploadCreativeForm(FlaskForm):
    offer_id = SelectField("Offer", coerce=int, validators=[InputRequired(message="Choose the offer.")])
    name = StringField("Name", validators=[DataRequired(message="Name the banner."), Length(max=200)])
    alt_text = StringField(
        "Alt text",
        validators=[Optional(), Length(max=255)],
        description="What the banner says, for screen readers and blocked images; the name when left empty.",
    )
    width = IntegerField(
        "Width (px)", validators=[InputRequired(message="Give the width."), NumberRange(min=1, max=MAX_SIDE)]
    )
    height = IntegerField(
        "Height (px)", validators=[InputRequired(message="Give the height."), NumberRange(min=1, max=MAX_SIDE)]
    )
    file = FileField(
        "Image (PNG, JPEG, GIF or WebP)",
        validators=[
            FileRequired(message="Choose the image file."),
            FileAllowed(EXTENSIONS, message="Only PNG, JPEG, GIF or WebP images."),
        ],
        render_kw={"accept": ".png,.jpg,.jpeg,.gif,.webp,image/png,image/jpeg,image/gif,image/webp"},
    )

    def set_offers(self, offers) -> None:
        self.offer_id.choices = [(0, "Choose an offer…")] + [(offer.id, offer.name) for offer in offers]


class CreativeFilterForm(FlaskForm):
    """The offer and size filters of the admin list and the publisher gallery (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    offer = SelectField("Offer", validators=[Optional()], validate_choice=False)
    size = SelectField("Size", validators=[Optional()], validate_choice=False)

    def set_choices(self, offers, sizes: list[Size]) -> None:
        self.offer.choices = [("", "All offers")] + [(str(offer.id), offer.name) for offer in offers]
        self.size.choices = [("", "All sizes")] + [(size.key, f"{size.width}×{size.height}") for size in sizes]

    def offer_id(self) -> int | None:
        return parse_id(self.offer.data)

    def selected_size(self) -> Size | None:
        return Size.parse(self.size.data)

    def active(self) -> dict:
        """The filters in force, for links that keep them (pager)."""
        return {name: value for name, value in (("offer", self.offer.data), ("size", self.size.data)) if value}
