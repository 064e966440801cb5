"""Helpers shared by the Flask-WTF forms of every domain."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField

from portal.ids import parse_id
from portal.timezones import check_day
from portal.validation import Invalid


def optional_int(value) -> int | None:
    """'' and None mean "none picked"; anything that is not an id (a word, a number no row can have) is no
    choice at all (-1)."""
    if value is None or value == "":
        return None
    number = parse_id(value)
    return -1 if number is None else number


class DayField(DateField):
    """A date field that takes only the days Tracklane can place (portal.timezones.FIRST_DAY … LAST_DAY);
    a day outside them is an error on the field and no value, like a malformed date."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                check_day(self.data, "The date")
            except ValueError:
                self.data = None
                raise


def apply_errors(form: FlaskForm, errors: dict[str, list[str]], prefix: str = "") -> None:
    """Put the domain layer's messages on the form's fields (the key "" or an unknown name: the whole form)."""
    for name, messages in errors.items():
        target = getattr(form, prefix + name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


class ServiceForm(FlaskForm):
    """A form whose values go to a service verb as a dict, and which shows that verb's errors inline."""

    def values(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

    def apply(self, error: Invalid) -> None:
        apply_errors(self, {name: [message] for name, message in error.errors.items()})


class ActionForm(FlaskForm):
    """No fields: the CSRF token is the whole form (archive, restore, approve, delete …)."""
