"""Flask-WTF forms of the accounts pages."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


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


class SetPasswordForm(FlaskForm):
    """The public page an invite or reset link opens."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )
