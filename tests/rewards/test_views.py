"""Publisher and admin pages: reading, redeeming, the admin's actions, CSRF, 403 and isolation."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.rewards.models import PointsRule, Redemption, Reward
from portal.rewards.points import balance
from portal.rewards.redemptions import redeem
from portal.types import utcnow
from tests.factories import PointsRuleFactory, RewardFactory
from tests.rewards.conftest import HX, approved, body, give_points

WALLET = [{"name": "wallet_id", "label": "Wallet id", "required": True}]
PUBLISHER_PAGES = ["/rewards", "/rewards/points", "/rewards/catalogue", "/rewards/redemptions"]
ADMIN_PAGES = ["/admin/rewards", "/admin/rewards/rules", "/admin/redemptions", "/admin/redemptions/fans"]


@pytest.mark.parametrize("url", PUBLISHER_PAGES)
def test_publisher_pages_are_for_publishers(app, client, admin_client, advertiser_client, publisher_client, url):
    assert client.get(url).status_code == 302  # to sign-in
    assert admin_client.get(url).status_code == 403
    assert advertiser_client.get(url).status_code == 403
    assert publisher_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_are_for_admins(app, admin_client, publisher_client, advertiser_client, url):
    assert publisher_client.get(url).status_code == 403
    assert advertiser_client.get(url).status_code == 403
    assert admin_client.get(url).status_code == 200


def test_earnings_by_month_status_and_currency(app, fan, publisher_client, other_fan):
    approved(fan.publisher, "10.00")
    paid = approved(fan.publisher, "5.50")
    paid.paid_at = utcnow()
    approved(fan.publisher, "2.25", status=ConversionStatus.PENDING)
    approved(fan.publisher, "7.00", status=ConversionStatus.REJECTED)
    approved(fan.publisher, "3.00", currency="USD")
    approved(other_fan.publisher, "999.00")  # someone else's
    db.session.commit()

    page = body(publisher_client.get("/rewards"))

    month = utcnow().strftime("%Y-%m")
    assert month in page
    assert "<td>EUR</td><td class=\"num\">2.25</td><td class=\"num\">10.00</td><td class=\"num\">5.50</td><td class=\"num\">7.00</td>" in page
    assert "<td>USD</td><td class=\"num\">0.00</td><td class=\"num\">3.00</td>" in page
    assert "999.00" not in page


def test_points_history_shows_only_my_entries(app, fan, other_fan, publisher_client):
    give_points(fan, 42)
    give_points(other_fan, 777)
    page = body(publisher_client.get("/rewards/points"))
    assert "+42" in page and "777" not in page
    partial = publisher_client.get("/rewards/points", headers=HX)
    assert 'id="points-history"' in body(partial) and "<html" not in body(partial)


def test_catalogue_lists_enabled_rewards_only(app, publisher_client):
    RewardFactory(title="Hoodie")
    RewardFactory(title="Retired mug", enabled=False)
    db.session.commit()
    page = body(publisher_client.get("/rewards/catalogue"))
    assert "Hoodie" in page and "Retired mug" not in page


def test_redeem_form_is_built_from_the_input_fields(app, publisher_client):
    reward = RewardFactory(input_fields=WALLET + [{"name": "note", "label": "Note", "required": False}])
    db.session.commit()
    page = body(publisher_client.get(f"/rewards/catalogue/{reward.id}/redeem"))
    assert 'name="in_wallet_id"' in page and "Wallet id" in page and "Note (optional)" in page


def test_redeeming_spends_points_and_lists_the_redemption(app, fan, publisher_client):
    give_points(fan, 300)
    reward = RewardFactory(title="Crypto voucher", points_cost=120, input_fields=WALLET)
    db.session.commit()

    response = publisher_client.post(f"/rewards/catalogue/{reward.id}/redeem", data={"in_wallet_id": "bc1qxyz"})

    assert response.status_code == 303 and response.headers["Location"].endswith("/rewards/redemptions")
    assert balance(fan.id).current_points == 180
    listing = body(publisher_client.get("/rewards/redemptions"))
    assert "Crypto voucher" in listing and "bc1qxyz" in listing and "Pending" in listing


def test_htmx_redeem_redirects_with_a_header(app, fan, publisher_client):
    give_points(fan, 300)
    reward = RewardFactory(points_cost=100)
    db.session.commit()
    response = publisher_client.post(f"/rewards/catalogue/{reward.id}/redeem", data={}, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith("/rewards/redemptions")


def test_a_missing_required_field_shows_inline_and_keeps_what_was_typed(app, fan, publisher_client):
    give_points(fan, 300)
    reward = RewardFactory(input_fields=WALLET + [{"name": "note", "label": "Note", "required": False}])
    db.session.commit()
    response = publisher_client.post(f"/rewards/catalogue/{reward.id}/redeem", data={"in_wallet_id": " ", "in_note": "fast please"})
    assert response.status_code == 400
    page = body(response)
    assert "Wallet id is required." in page and 'value="fast please"' in page
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0
    assert balance(fan.id).current_points == 300


def test_not_enough_points_is_a_clear_error_and_creates_nothing(app, fan, publisher_client):
    give_points(fan, 50)
    reward = RewardFactory(points_cost=100)
    db.session.commit()
    response = publisher_client.post(f"/rewards/catalogue/{reward.id}/redeem", data={}, headers=HX)
    assert response.status_code == 409
    assert "Not enough points" in body(response)
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_redeem_without_csrf_is_refused(app, fan, publisher_client):
    give_points(fan, 300)
    reward = RewardFactory()
    db.session.commit()
    response = publisher_client.post(f"/rewards/catalogue/{reward.id}/redeem", data={}, csrf=False)
    assert response.status_code == 400
    assert balance(fan.id).current_points == 300


def test_disabled_or_unknown_rewards_are_404(app, publisher_client):
    reward = RewardFactory(enabled=False)
    db.session.commit()
    assert publisher_client.get(f"/rewards/catalogue/{reward.id}/redeem").status_code == 404
    assert publisher_client.post("/rewards/catalogue/999999/redeem", data={}).status_code == 404


def test_a_publisher_never_sees_another_fans_redemptions(app, fan, other_fan, publisher_client):
    give_points(other_fan, 500)
    redeem(other_fan.id, RewardFactory(title="Their secret prize"), {})
    db.session.commit()
    assert "Their secret prize" not in body(publisher_client.get("/rewards/redemptions"))
    assert "No redemptions yet." in body(publisher_client.get("/rewards/redemptions"))


# ---------------------------------------------------------------- admin


def test_admin_creates_edits_and_deletes_a_reward(app, admin_client, admin_user):
    created = admin_client.post("/admin/rewards", data={
        "title": "Gift card", "description": "50 EUR", "points_cost": "500", "enabled": "y", "input_fields": "Email address *\nNote",
    })
    assert created.status_code == 303
    reward = db.session.scalar(select(Reward))
    assert (reward.title, reward.points_cost, reward.enabled) == ("Gift card", 500, True)
    assert reward.input_fields == [{"name": "email_address", "label": "Email address", "required": True}, {"name": "note", "label": "Note", "required": False}]

    edit_page = body(admin_client.get(f"/admin/rewards/{reward.id}/edit"))
    assert "Email address *" in edit_page
    saved = admin_client.post(f"/admin/rewards/{reward.id}/edit", data={"title": "Gift card", "points_cost": "600", "input_fields": ""})
    assert saved.status_code == 303
    db.session.refresh(reward)
    assert (reward.points_cost, reward.enabled, reward.input_fields) == (600, False, [])

    assert admin_client.post(f"/admin/rewards/{reward.id}/delete").status_code == 303
    assert db.session.get(Reward, reward.id) is None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"reward.created", "reward.updated", "reward.deleted"} <= actions


@pytest.mark.parametrize(
    ("data", "message"),
    [({"title": "", "points_cost": "5"}, "Enter a title"), ({"title": "T", "points_cost": "0"}, "whole number of points"),
     ({"title": "T", "points_cost": "-3"}, "whole number of points"), ({"title": "T", "points_cost": "5", "input_fields": "A\na"}, "appears twice")],
)
def test_reward_form_errors_show_inline(app, admin_client, data, message):
    response = admin_client.post("/admin/rewards", data=data)
    assert response.status_code == 400 and message in body(response)
    assert db.session.scalar(select(func.count()).select_from(Reward)) == 0


def test_a_redeemed_reward_cannot_be_deleted(app, fan, admin_client):
    give_points(fan, 500)
    reward = RewardFactory()
    redeem(fan.id, reward, {})
    db.session.commit()
    response = admin_client.post(f"/admin/rewards/{reward.id}/delete", follow_redirects=True)
    assert "disable it instead" in body(response)
    assert db.session.get(Reward, reward.id) is not None


def test_catalogue_and_rule_rows_delete_in_place(app, fan, admin_client):
    kept, gone, rule = RewardFactory(title="Redeemed prize"), RewardFactory(title="Spare prize"), PointsRuleFactory()
    give_points(fan, 500)
    redeem(fan.id, kept, {})
    db.session.commit()
    for page, action in (("/admin/rewards", f"/admin/rewards/{gone.id}/delete"),
                         ("/admin/rewards/rules", f"/admin/rewards/rules/{rule.id}/delete")):
        row = body(admin_client.get(page)).split(f'action="{action}"')[1].split("</form>")[0]
        assert f'hx-post="{action}"' in row and 'name="csrf_token"' in row and ">Delete</button>" in row

    refused = admin_client.post(f"/admin/rewards/{kept.id}/delete", headers=HX)
    assert refused.status_code == 409
    assert body(refused).lstrip().startswith(f'<tr id="reward-{kept.id}">') and "disable it instead" in body(refused)
    for action in (f"/admin/rewards/{gone.id}/delete", f"/admin/rewards/rules/{rule.id}/delete"):
        removed = admin_client.post(action, headers=HX)
        assert (removed.status_code, body(removed)) == (200, "")  # an empty answer removes the row
    assert list(db.session.scalars(select(Reward.title))) == ["Redeemed prize"]
    assert db.session.scalar(select(func.count()).select_from(PointsRule)) == 0


def test_admin_manages_points_rules(app, admin_client):
    created = admin_client.post("/admin/rewards/rules", data={"currency": "eur", "offer_id": "", "points_per_unit": "1.5"})
    assert created.status_code == 303
    rule = db.session.scalar(select(PointsRule))
    assert (rule.currency, rule.offer_id, rule.points_per_unit) == ("EUR", None, Decimal("1.5"))
    clash = admin_client.post("/admin/rewards/rules", data={"currency": "EUR", "offer_id": "", "points_per_unit": "2"})
    assert clash.status_code == 400 and "exists already" in body(clash)
    bad = admin_client.post("/admin/rewards/rules", data={"currency": "EURO", "points_per_unit": "0"})
    assert bad.status_code == 400 and "three-letter" in body(bad) and "more than 0" in body(bad)

    assert admin_client.post(f"/admin/rewards/rules/{rule.id}/rate", data={f"rule-{rule.id}-points_per_unit": "2"}).status_code == 303
    db.session.refresh(rule)
    assert rule.points_per_unit == Decimal("2")
    assert admin_client.post(f"/admin/rewards/rules/{rule.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PointsRule)) == 0


def test_award_now_enqueues_the_job(app, admin_client):
    from portal.queues import get_queue

    assert admin_client.post("/admin/rewards/rules/award-now").status_code == 303
    assert [job.func_name for job in get_queue("default").jobs] == ["portal.rewards.jobs.award_points"]


def test_admin_filters_redemptions(app, fan, admin_client):
    give_points(fan, 1000)
    first = redeem(fan.id, RewardFactory(title="Cap"), {})
    redeem(fan.id, RewardFactory(title="Scarf"), {})
    first.completed = True
    db.session.commit()
    page = body(admin_client.get("/admin/redemptions?completed=true"))
    assert "Cap" in page and "Scarf" not in page.split('id="admin-redemptions"')[1]
    partial = admin_client.get("/admin/redemptions?completed=false", headers=HX)
    assert "<html" not in body(partial) and "Scarf" in body(partial)


def test_admin_completes_and_refunds_in_place(app, fan, admin_client):
    give_points(fan, 300)
    one = redeem(fan.id, RewardFactory(points_cost=100), {})
    two = redeem(fan.id, RewardFactory(points_cost=100), {})
    db.session.commit()

    completed = admin_client.post(f"/admin/redemptions/{one.id}/complete", headers=HX)
    assert completed.status_code == 200 and "Completed" in body(completed)
    refunded = admin_client.post(f"/admin/redemptions/{two.id}/refund", headers=HX)
    assert refunded.status_code == 200 and "Refunded" in body(refunded)
    again = admin_client.post(f"/admin/redemptions/{two.id}/refund", headers=HX)
    assert again.status_code == 409 and "refunded already" in body(again)
    assert balance(fan.id).current_points == 200


def test_admin_actions_need_csrf_and_known_ids(app, fan, admin_client):
    give_points(fan, 300)
    redemption = redeem(fan.id, RewardFactory(points_cost=100), {})
    db.session.commit()
    assert admin_client.post(f"/admin/redemptions/{redemption.id}/refund", csrf=False).status_code == 400
    assert balance(fan.id).current_points == 200
    assert admin_client.post("/admin/redemptions/999999/complete").status_code == 404


def test_admin_gives_a_bonus_and_a_deduction(app, fan, admin_client, admin_user):
    assert fan.username in body(admin_client.get(f"/admin/redemptions/fans?q={fan.username}"))
    added = admin_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": "250"})
    assert added.status_code == 303
    taken = admin_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": "-1000"})
    assert taken.status_code == 303
    assert balance(fan.id).current_points == 0
    page = body(admin_client.get(f"/admin/redemptions/fans/{fan.id}"))
    assert "+250" in page and "-250" in page
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "points.bonus")).all()
    assert {a.actor_id for a in audits} == {admin_user.id}


@pytest.mark.parametrize("amount", ["1000001", "-1000001", "0", "ten"])
def test_bonus_outside_the_bounds_shows_inline(app, fan, admin_client, amount):
    response = admin_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": amount})
    assert response.status_code == 400 and 'class="field-error"' in body(response)
    assert balance(fan.id).current_points == 0


def test_only_publisher_users_are_fans(app, admin_client, admin_user):
    db.session.commit()
    assert admin_client.get(f"/admin/redemptions/fans/{admin_user.id}").status_code == 404


def test_admin_rules_page_offers_points_for_the_approved_payout(app, admin_client, fan):
    PointsRuleFactory(currency="EUR", points_per_unit=Decimal("10"))
    db.session.commit()
    page = body(admin_client.get("/admin/rewards/rules"))
    assert 'value="10"' in page


def test_the_fan_page_pages_its_history_in_place(app, fan, admin_client):
    for _ in range(26):
        give_points(fan, 1)
    page = admin_client.get(f"/admin/redemptions/fans/{fan.id}?page=2", headers=HX)
    assert "<html" not in body(page) and 'id="points-history"' in body(page)


def test_admin_forms_need_csrf(app, fan, admin_client):
    assert admin_client.post("/admin/rewards", data={"title": "T", "points_cost": "5"}, csrf=False).status_code == 400
    assert admin_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": "5"}, csrf=False).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Reward)) == 0
    assert balance(fan.id).current_points == 0


def test_unknown_admin_objects_are_404(app, admin_client):
    assert admin_client.get("/admin/rewards/999999/edit").status_code == 404
    assert admin_client.post("/admin/rewards/999999/delete").status_code == 404
    assert admin_client.post("/admin/rewards/rules/999999/delete").status_code == 404
    assert admin_client.get("/admin/redemptions/fans/999999").status_code == 404


def test_publishers_cannot_use_the_admin_actions(app, fan, publisher_client):
    give_points(fan, 300)
    redemption = redeem(fan.id, RewardFactory(points_cost=100), {})
    db.session.commit()
    assert publisher_client.post(f"/admin/redemptions/{redemption.id}/refund").status_code == 403
    assert publisher_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": "1000"}).status_code == 403
    assert balance(fan.id).current_points == 200


def test_the_cli_awards_points(app, fan):
    PointsRuleFactory(currency="EUR")
    approved(fan.publisher, "3.00")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rewards", "award"])
    assert result.exit_code == 0 and "Awarded 1 conversions (3 points)" in result.output
    assert balance(fan.id).current_points == 3
