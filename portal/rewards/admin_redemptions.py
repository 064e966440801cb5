"""Admin pages: redemptions (filters, mark completed, refund once) and fans' points (look up a publisher
user, see their history, give or take a bonus), of the publishers within the staff user's reach
(portal.network.reach). Every change is audited by the domain layer."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.forms import ActionForm, apply_errors
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.network.reach import get_or_404, publisher_pages, rows_in_reach
from portal.rewards.forms import BonusForm, FanSearchForm, RedemptionFilterForm
from portal.rewards.models import PointsAccount, Redemption, Reward
from portal.rewards.points import PointsError, balance, give_bonus, history
from portal.rewards.redemptions import (
    RedemptionConflict,
    refund,
    search_redemptions,
    set_completed,
)

bp = Blueprint("redemptions_admin", __name__, url_prefix="/admin/redemptions")
FANS_SHOWN = 50


def _filters(formdata) -> RedemptionFilterForm:
    filters = RedemptionFilterForm(formdata=formdata)
    filters.fill_choices(db.session.scalars(select(Reward).order_by(Reward.title, Reward.id)))
    filters.validate()
    return filters


@bp.get("")
@publisher_pages
def index():
    filters = _filters(request.args)
    page = search_redemptions(
        **filters.criteria(), page=request.args.get("page", 1, type=int), within=rows_in_reach(current_user, Redemption)
    )
    context = dict(filters=filters, page=page, params=filters.query_args(), action_form=ActionForm())
    return page_or_partial("rewards/admin_redemptions.html", "rewards/_admin_redemptions.html", **context)


def _redemption_or_404(redemption_id: int) -> Redemption:
    return get_or_404(Redemption, redemption_id)


def _act(redemption_id: int, action, done: str):
    redemption = _redemption_or_404(redemption_id)
    error, status = None, 200
    try:
        action(redemption)
    except RedemptionConflict as conflict:
        db.session.rollback()
        db.session.refresh(redemption)
        error, status = str(conflict), 409
    else:
        db.session.commit()
    if partial_wanted():
        body = render_template("rewards/_admin_redemption_row.html", r=redemption, action_form=ActionForm(), row_error=error)
        return respond(body, status)
    flash(error or done, "error" if error else "success")
    return redirect(url_for("redemptions_admin.index"), 303)


@bp.post("/<int:redemption_id>/complete")
@publisher_pages
def complete(redemption_id: int):
    return _act(redemption_id, lambda r: set_completed(r, True, current_user.id), "Redemption marked completed.")


@bp.post("/<int:redemption_id>/refund")
@publisher_pages
def refund_points(redemption_id: int):
    return _act(redemption_id, lambda r: refund(r, current_user.id), "Redemption refunded: the points are back.")


# ---------------------------------------------------------------- fans


@bp.get("/fans")
@publisher_pages
def fans():
    search = FanSearchForm(formdata=request.args)
    search.validate()
    query = "" if search.q.errors else (search.q.data or "").strip().lower()
    stmt = (
        select(User, PointsAccount.current_points)
        .outerjoin(PointsAccount, PointsAccount.user_id == User.id)
        .where(User.role == Role.PUBLISHER, rows_in_reach(current_user, User))
        .order_by(User.username)
        .limit(FANS_SHOWN)
    )
    if query:
        stmt = stmt.where(
            or_(func.lower(User.username).contains(query, autoescape=True), func.lower(User.email).contains(query, autoescape=True))
        )
    return respond(render_template("rewards/admin_fans.html", search=search, fans=db.session.execute(stmt).all()))


def _fan_or_404(user_id: int) -> User:
    fan = get_or_404(User, user_id)
    if fan.role != Role.PUBLISHER:
        abort(404)
    return fan


@bp.route("/fans/<int:user_id>", methods=["GET", "POST"])
@publisher_pages
def fan(user_id: int):
    fan = _fan_or_404(user_id)
    if request.method == "GET":
        return page_or_partial("rewards/admin_fan.html", "rewards/_history.html",
                               page_only=lambda: _fan_page(fan, BonusForm(formdata=None)), **_history_of(fan))
    form = BonusForm()
    if form.validate():
        try:
            give_bonus(fan, form.amount.data, current_user.id)
        except PointsError as invalid:
            apply_errors(form, {"amount": [str(invalid)]})
        else:
            db.session.commit()
            flash(f"Points of {fan.username} changed by {form.amount.data:+,}.", "success")
            return redirect(url_for("redemptions_admin.fan", user_id=fan.id), 303)
    db.session.rollback()
    return respond(render_template("rewards/admin_fan.html", **_history_of(fan), **_fan_page(fan, form)), 400)


def _history_of(fan: User) -> dict:
    """A page of the fan's points history, paged in place."""
    page = history(fan.id, request.args.get("page", 1, type=int))
    return dict(page=page, history_endpoint="redemptions_admin.fan", history_params={"user_id": fan.id})


def _fan_page(fan: User, form: BonusForm) -> dict:
    """The fan page around the history: the fan, the bonus form and the balance."""
    return dict(fan=fan, form=form, balance=balance(fan.id))
