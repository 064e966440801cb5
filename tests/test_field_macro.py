"""The shared form-field macro: label, hint and errors, tied to the input for screen readers."""
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

MACRO = '{% from "_field.html" import field %}{{ field(form.country) }}{{ field(form.active) }}{{ field(form.name) }}'


class Sample(FlaskForm):
    class Meta:
        csrf = False

    country = StringField("Country", validators=[DataRequired("Enter a country.")], description="Two-letter ISO code, e.g. DE.")
    active = BooleanField("Active", description="Only active ones send traffic.")
    name = StringField("Name")


def test_a_hint_is_shown_and_described_with_any_error(app):
    with app.test_request_context(method="POST", data={"name": "<b>x</b>"}):
        form = Sample()
        form.validate()
        html = render_template_string(MACRO, form=form)
    assert '<small class="field-hint" id="country-hint">Two-letter ISO code, e.g. DE.</small>' in html
    assert 'aria-describedby="country-error country-hint"' in html and 'aria-invalid="true"' in html
    assert '<small class="field-hint" id="active-hint">Only active ones send traffic.</small>' in html
    assert 'aria-describedby="active-hint"' in html
    assert 'id="name-hint"' not in html and 'value="&lt;b&gt;x&lt;/b&gt;"' in html
