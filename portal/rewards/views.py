"""Publisher pages: earnings, points balance and history, the catalogue, redeeming, and redemptions.

A publisher user sees their own points account and redemptions only, and the commission of their own
publisher; other roles get 403. HTMX requests get the partial of the same route."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.extensions import db
from portal.htmx import partial_wanted, respond
from portal.rewards.catalogue import list_rewards
from portal.rewards.earnings import STATUSES, approved_peaks, monthly_earnings
from portal.rewards.forms import INPUT_PREFIX, apply_errors, redeem_form, typed_input
from portal.rewards.models import Reward
from portal.rewards.points import PointsError, balance, history
from portal.rewards.redemptions import RedemptionInvalid, redeem as redeem_reward, search_redemptions
from portal.types import utcnow

bp = Blueprint("rewards", __name__, url_prefix="/rewards")
publishers_only = role_required(Role.PUBLISHER)


def _page() -> int:
    return request.args.get("page", 1, type=int)


@bp.get("")
@publishers_only
def index():
    rows, totals = monthly_earnings(current_user.publisher_id, current_user.timezone, utcnow())
    return respond(render_template(
        "rewards/index.html", rows=rows, totals=totals, statuses=STATUSES, peaks=approved_peaks(rows),
        balance=balance(current_user.id),
    ))


@bp.get("/points")
@publishers_only
def points():
    page = history(current_user.id, _page())
    if partial_wanted():
        return respond(render_template("rewards/_history.html", page=page))
    return respond(render_template("rewards/points.html", page=page, balance=balance(current_user.id)))


@bp.get("/catalogue")
@publishers_only
def catalogue():
    page = list_rewards(enabled_only=True, page=_page())
    if partial_wanted():
        return respond(render_template("rewards/_catalogue.html", page=page))
    return respond(render_template("rewards/catalogue.html", page=page, balance=balance(current_user.id)))


def _enabled_reward_or_404(reward_id: int) -> Reward:
    reward = db.session.get(Reward, reward_id)
    if reward is None or not reward.enabled:
        abort(404)
    return reward


@bp.route("/catalogue/<int:reward_id>/redeem", methods=["GET", "POST"])
@publishers_only
def redeem(reward_id: int):
    reward = _enabled_reward_or_404(reward_id)
    form = redeem_form(reward, formdata=None if request.method == "GET" else request.form)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                redemption = redeem_reward(current_user.id, reward, typed_input(form, reward))
            except RedemptionInvalid as invalid:
                apply_errors(form, invalid.errors, INPUT_PREFIX)
            except PointsError as refused:  # not enough points, or the reward went away
                form.form_errors.append(str(refused))
                status = 409
            else:
                db.session.commit()
                flash(f"Redeemed “{reward.title}” for {redemption.points_spent:,} points.", "success")
                target = url_for("rewards.redemptions")
                if partial_wanted():
                    return respond("", 200, **{"HX-Redirect": target})
                return redirect(target, 303)
        db.session.rollback()
    context = dict(reward=reward, form=form, balance=balance(current_user.id))
    template = "rewards/_redeem_form.html" if partial_wanted() else "rewards/redeem.html"
    return respond(render_template(template, **context), status)


@bp.get("/redemptions")
@publishers_only
def redemptions():
    page = search_redemptions(user_id=current_user.id, page=_page())
    if partial_wanted():
        return respond(render_template("rewards/_redemptions.html", page=page))
    return respond(render_template("rewards/redemptions.html", page=page, balance=balance(current_user.id)))
