"""Helpers shared by the Flask-WTF forms of every domain."""
from __future__ import annotations

from wtforms import DateField

from portal.ids import parse_id
from portal.timezones import check_day


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
