"""Publisher pages: earnings, points balance and history, the catalogue, redeeming, and redemptions.

A publisher user sees their own points account and redemptions only, and the commission of their own
publisher; other roles get 403. HTMX requests get the partial of the same route."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.chart import build_chart
from portal.extensions import db
from portal.formatting import money_text
from portal.forms import apply_errors
from portal.htmx import page_or_partial, partial_wanted, respond
from portal.rewards.catalogue import list_rewards
from portal.rewards.earnings import (
    STATUSES,
    approved_peaks,
    balances,
    chart_series,
    earning_offers,
    ledger,
    monthly_earnings,
)
from portal.rewards.forms import INPUT_PREFIX, redeem_form, typed_input
from portal.rewards.ledger_forms import EarningsFilterForm
from portal.rewards.models import Reward
from portal.rewards.payouts import search_payouts
from portal.rewards.points import PointsError, balance, history
from portal.rewards.redemptions import RedemptionInvalid, search_redemptions
from portal.rewards.redemptions import redeem as redeem_reward
from portal.timezones import today_in
from portal.types import utcnow

bp = Blueprint("rewards", __name__, url_prefix="/rewards")
publishers_only = role_required(Role.PUBLISHER)


def _page() -> int:
    return request.args.get("page", 1, type=int)


def _ledger_context(publisher_id: int, timezone: str) -> tuple[dict, int]:
    """The filtered ledger and its chart; invalid filters are shown inline with a 400."""
    filters = EarningsFilterForm(formdata=request.args)
    filters.fill_choices(earning_offers(publisher_id))
    criteria = filters.to_filters(timezone, today_in(timezone))
    context = dict(filters=filters, ledger=None, chart=None, params={}, statuses=STATUSES)
    if criteria is None:
        return context, 400
    result = ledger(publisher_id, criteria)
    chart = build_chart([day.isoformat() for day in result.days], chart_series(result), money_text)
    return context | dict(ledger=result, chart=chart, params=filters.query_args()), 200


@bp.get("")
@publishers_only
def index():
    """Earnings: balances, the ledger by day and offer with a chart, the publisher's payouts, months."""
    publisher_id, timezone = current_user.publisher_id, current_user.timezone
    if partial_wanted() and request.headers.get("HX-Target") == "earnings-payouts":  # the payouts' pager
        payouts = search_payouts(publisher_id=publisher_id, page=_page())
        params = {k: v for k, v in request.args.items() if k != "page"}
        return respond(render_template("rewards/_earnings_payouts.html", payouts=payouts, params=params))
    context, status = _ledger_context(publisher_id, timezone)
    return page_or_partial("rewards/index.html", "rewards/_earnings_ledger.html", status,
                           page_only=lambda: _around_the_ledger(publisher_id, timezone), **context)


def _around_the_ledger(publisher_id: int, timezone: str) -> dict:
    """The earnings page around its ledger: the months, the balances, the points and the payouts."""
    rows, totals = monthly_earnings(publisher_id, timezone, utcnow())
    return dict(rows=rows, totals=totals, peaks=approved_peaks(rows), balance=balance(current_user.id),
                balances=balances(publisher_id), payouts=search_payouts(publisher_id=publisher_id, page=_page()))


def _points_balance() -> dict:
    """The publisher's points, shown above each points page's list."""
    return {"balance": balance(current_user.id)}


@bp.get("/points")
@publishers_only
def points():
    return page_or_partial("rewards/points.html", "rewards/_history.html", page_only=_points_balance,
                           page=history(current_user.id, _page()))


@bp.get("/catalogue")
@publishers_only
def catalogue():
    return page_or_partial("rewards/catalogue.html", "rewards/_catalogue.html", page_only=_points_balance,
                           page=list_rewards(enabled_only=True, page=_page()))


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
                apply_errors(form, {"": [str(refused)]})
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
    return page_or_partial("rewards/redeem.html", "rewards/_redeem_form.html", status, **context)


@bp.get("/redemptions")
@publishers_only
def redemptions():
    return page_or_partial("rewards/redemptions.html", "rewards/_redemptions.html", page_only=_points_balance,
                           page=search_redemptions(user_id=current_user.id, page=_page()))
