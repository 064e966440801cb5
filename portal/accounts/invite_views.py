"""The public set-password page an invite (or an admin's reset) link opens: `/set-password/<token>`.

A bad, used or expired link gets a 400 page that says so, never a form."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from portal.accounts.forms import SetPasswordForm
from portal.accounts.invites import InvalidLink, set_password_with_token, user_for_token
from portal.accounts.service import AccountError
from portal.accounts.views import bp
from portal.extensions import db

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        user = user_for_token(token)
    except InvalidLink as invalid:
        return render_template("accounts/set_password.html", form=None, problem=str(invalid)), 400, NO_STORE
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_with_token(token, form.password.data)
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password is set. Sign in with your email and the new password.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/set_password.html", form=form, user=user, problem=None), status, NO_STORE
