"""Sign in, sign out, and the signed-in user's own settings."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts.forms import ChangePasswordForm, LoginForm
from portal.accounts.service import AccountError, authenticate, change_password
from portal.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _login_attempt_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `next` must never become an open redirect."""
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil" and "/\t/evil" mean "//evil".
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("dashboard.home")


def _failed_sign_ins(setting: str, key_func):
    """Limit failed sign-ins (a good one redirects) to the configured rate per `key_func`; beyond it a 429."""
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=key_func,
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
        error_message="Too many failed sign-in attempts. Wait a minute and try again.",
    )


@bp.route("/login", methods=["GET", "POST"])
@_failed_sign_ins("LOGIN_RATE_LIMIT", _login_attempt_key)
@_failed_sign_ins("LOGIN_ADDRESS_RATE_LIMIT", get_remote_address)  # one address guessing across many emails
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Email or password is not right.")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("accounts.password"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200
