"""Admin pages: the rewards catalogue (create, edit, delete) and the points rules (create, change the
rate, delete, run the award job now). Every change is audited by the domain layer. The catalogue and the
currency-wide rules are network-wide; an offer's rule is within the staff user's reach over offers."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import STAFF_ROLES
from portal.extensions import db
from portal.forms import ActionForm, apply_errors
from portal.htmx import partial_wanted, respond
from portal.network.reach import get_or_404, offers_in_reach, rows_in_reach
from portal.queues import enqueue
from portal.rewards import catalogue, rules
from portal.rewards.forms import RateForm, RewardForm, RuleForm
from portal.rewards.jobs import award_points
from portal.rewards.models import PointsRule, Reward
from portal.subids.blocked import offer_choices

bp = Blueprint("rewards_admin", __name__, url_prefix="/admin/rewards")
staff_only = role_required(*STAFF_ROLES)
EXPIRED = "The form expired; reload the page and try again."


def _reward_or_404(reward_id: int) -> Reward:
    return get_or_404(Reward, reward_id)


def _rule_or_404(rule_id: int) -> PointsRule:
    return get_or_404(PointsRule, rule_id)


def _save_reward(form: RewardForm, reward: Reward | None) -> Reward | None:
    if not form.validate():
        return None
    values = dict(
        title=form.title.data, description=form.description.data, points_cost=form.points_cost.data,
        enabled=form.enabled.data, input_fields=form.input_fields.data, actor_id=current_user.id,
    )
    try:
        if reward is None:
            return catalogue.create_reward(**values)
        catalogue.update_reward(reward, **values)
        return reward
    except catalogue.RewardInvalid as invalid:
        apply_errors(form, invalid.errors)
        return None


@bp.route("", methods=["GET", "POST"])
@staff_only
def index():
    form = RewardForm(formdata=None) if request.method == "GET" else RewardForm()
    status = 200
    if request.method == "POST":
        reward = _save_reward(form, None)
        if reward is not None:
            db.session.commit()
            flash(f"Reward “{reward.title}” created.", "success")
            return redirect(url_for("rewards_admin.index"), 303)
        db.session.rollback()
        status = 400
    page = catalogue.list_rewards(page=request.args.get("page", 1, type=int))
    return respond(render_template("rewards/admin_catalogue.html", form=form, page=page, action_form=ActionForm()), status)


@bp.route("/<int:reward_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(reward_id: int):
    reward = _reward_or_404(reward_id)
    if request.method == "GET":
        form = RewardForm(obj=reward)
        form.input_fields.data = catalogue.format_input_fields(reward.input_fields)
        return respond(render_template("rewards/admin_reward_edit.html", form=form, reward=reward))
    form = RewardForm()
    if _save_reward(form, reward) is not None:
        db.session.commit()
        flash(f"Reward “{reward.title}” saved.", "success")
        return redirect(url_for("rewards_admin.index"), 303)
    db.session.rollback()
    return respond(render_template("rewards/admin_reward_edit.html", form=form, reward=reward), 400)


@bp.post("/<int:reward_id>/delete")
@staff_only
def delete(reward_id: int):
    reward = _reward_or_404(reward_id)
    title = reward.title
    try:
        catalogue.delete_reward(reward, current_user.id)
    except catalogue.RewardInvalid as refused:
        db.session.rollback()
        if partial_wanted():
            body = render_template("rewards/_admin_reward_row.html", reward=reward, action_form=ActionForm(),
                                   row_error=str(refused))
            return respond(body, 409)
        flash(str(refused), "error")
        return redirect(url_for("rewards_admin.index"), 303)
    db.session.commit()
    if partial_wanted():
        return respond("")  # an empty answer removes the row
    flash(f"Reward “{title}” deleted.", "success")
    return redirect(url_for("rewards_admin.index"), 303)


# ---------------------------------------------------------------- points rules


def _rules_page(form: RuleForm, status: int = 200):
    context = dict(form=form, rules=rules.list_rules(rows_in_reach(current_user, PointsRule)), action_form=ActionForm(),
                   rate_form=RateForm)
    return respond(render_template("rewards/admin_rules.html", **context), status)


@bp.route("/rules", methods=["GET", "POST"])
@staff_only
def rules_index():
    form = RuleForm(formdata=None) if request.method == "GET" else RuleForm()
    form.fill_choices(offer_choices(offers_in_reach(current_user)))
    if request.method == "GET":
        return _rules_page(form)
    if form.validate():
        try:
            rule = rules.create_rule(form.currency.data, form.offer_id.data, form.points_per_unit.data, current_user.id,
                                     offers_in_reach(current_user))
        except rules.RuleInvalid as invalid:
            apply_errors(form, invalid.errors)
        else:
            db.session.commit()
            flash(f"Rule saved: {rule.points_per_unit.normalize():f} points per 1.00 {rule.currency}.", "success")
            return redirect(url_for("rewards_admin.rules_index"), 303)
    db.session.rollback()
    return _rules_page(form, 400)


@bp.post("/rules/<int:rule_id>/rate")
@staff_only
def rule_rate(rule_id: int):
    rule = _rule_or_404(rule_id)
    form = RateForm(prefix=f"rule-{rule.id}")
    if not form.validate():
        flash(EXPIRED, "error")
        return redirect(url_for("rewards_admin.rules_index"), 303)
    try:
        rules.update_rule(rule, form.points_per_unit.data, current_user.id)
    except rules.RuleInvalid as invalid:
        db.session.rollback()
        flash(str(invalid), "error")
        return redirect(url_for("rewards_admin.rules_index"), 303)
    db.session.commit()
    flash("Rate saved; it applies to commission awarded from now on.", "success")
    return redirect(url_for("rewards_admin.rules_index"), 303)


@bp.post("/rules/<int:rule_id>/delete")
@staff_only
def rule_delete(rule_id: int):
    rule = _rule_or_404(rule_id)
    rules.delete_rule(rule, current_user.id)
    db.session.commit()
    if partial_wanted():
        return respond("")  # an empty answer removes the row
    flash("Rule deleted.", "success")
    return redirect(url_for("rewards_admin.rules_index"), 303)


@bp.post("/rules/award-now")
@staff_only
def award_now():
    enqueue(award_points)
    flash("Awarding points now: approved commission is turned into points in the background.", "success")
    return redirect(url_for("rewards_admin.rules_index"), 303)
