"""Flask-WTF forms of the accounts pages."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.accounts.models import Role


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new_password", message="The two new passwords differ.")]
    )


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Name the key after what will use it."), Length(max=100)],
        description="What uses this key, e.g. “CRM events”.",
    )


class RevokeApiKeyForm(FlaskForm):
    """No fields: the CSRF token is the whole form."""


class UserFilterForm(FlaskForm):
    """The admin users list's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    role = SelectField(
        "Role",
        choices=[SelectChoice("", "All roles")] + [SelectChoice(r.value, r.value.capitalize()) for r in Role],
        validators=[Optional()],
    )
    q = SearchField("Email contains", validators=[Optional(), Length(max=254)])

    def selected_role(self) -> Role | None:
        return Role(self.role.data) if self.role.data and not self.role.errors else None

    def email_query(self) -> str:
        return "" if self.q.errors else (self.q.data or "")


class SetPasswordForm(FlaskForm):
    """The public page an invite or reset link opens."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )
