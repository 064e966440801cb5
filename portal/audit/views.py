"""Admin → Audit log: who changed what and when, filtered by object type, actor and date; admins only."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.audit.service import actor_names, actors, object_types, search_entries
from portal.forms import DayField, optional_int
from portal.htmx import page_or_partial

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    object_type = SelectField("Object type", validate_choice=False)
    object_id = StringField("Object id", validators=[Optional()])
    actor = SelectField("Who", coerce=optional_int, validate_choice=False)
    day_from = DayField("From", validators=[Optional()])
    day_to = DayField("To", validators=[Optional()])

    def fill_choices(self) -> None:
        self.object_type.choices = [SelectChoice("", "All types")] + [SelectChoice(t, t) for t in object_types()]
        self.actor.choices = [SelectChoice("", "Anyone")] + [SelectChoice(u.id, u.email) for u in actors()]

    def criteria(self) -> dict:
        """The valid filters only; a malformed date is shown as an error and ignored."""
        return {
            "object_type": self.object_type.data or "",
            "object_id": (self.object_id.data or "").strip(),
            "actor_id": self.actor.data,
            "day_from": None if self.day_from.errors else self.day_from.data,
            "day_to": None if self.day_to.errors else self.day_to.data,
        }

    def query_args(self) -> dict:
        args = {name: request.args.get(name, "") for name in ("object_type", "object_id", "actor", "day_from", "day_to")}
        return {name: value for name, value in args.items() if value}


@bp.get("")
@role_required(Role.ADMIN)
def index():
    form = AuditFilterForm(formdata=request.args)
    form.fill_choices()
    form.validate()
    page = search_entries(**form.criteria(), timezone=current_user.timezone, page=request.args.get("page", 1, type=int))
    return page_or_partial("audit/index.html", "audit/_entries_table.html",
                           form=form, page=page, filters=form.query_args(), names=actor_names(page.items))
