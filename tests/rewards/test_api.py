"""The rewards API: seed 002 shapes, network keys only, pagination, filters, errors and the rate limit."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiKey
from portal.accounts.service import create_api_key, revoke_api_key
from portal.extensions import db
from portal.rewards.points import balance
from portal.rewards.redemptions import redeem, refund
from tests.factories import AdvertiserFactory, RewardFactory
from tests.rewards.conftest import give_points

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def redemptions_of(user, *costs):
    give_points(user, sum(costs))
    made = [redeem(user.id, RewardFactory(points_cost=cost, input_fields=[{"name": "song", "label": "Song", "required": False}]), {"song": "x"}) for cost in costs]
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/rewards"), ("get", "/api/v1/redemptions"), ("get", "/api/v1/redemptions/1"), ("patch", "/api/v1/redemptions/1"),
     ("get", "/api/v1/fans/someone/points"), ("post", "/api/v1/fans/someone/points/bonus")],
)
def test_every_endpoint_needs_a_live_network_key_and_refuses_an_advertisers_with_403(app, api, method, url):
    _, advertiser_secret = create_api_key("events", AdvertiserFactory().id)
    revoked, revoked_secret = create_api_key("old", None)
    revoke_api_key(revoked)
    db.session.commit()
    for key in (None, "tlk_not-a-real-key", revoked_secret):
        response = api(method, url, key=key, json={})
        assert response.status_code == 401, key
        assert response.is_json and response.get_json()["error"]
    wrong_kind = api(method, url, key=advertiser_secret, json={})  # a valid key, but an advertiser's
    assert wrong_kind.status_code == 403
    assert "network API key" in wrong_kind.get_json()["error"]


def test_rewards_list_in_the_seed_shape(app, api):
    reward = RewardFactory(title="Song request", points_cost=100, input_fields=[{"name": "song", "label": "Song", "required": True}])
    RewardFactory(enabled=False)
    db.session.commit()

    response = api("get", "/api/v1/rewards")

    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 2 and data["page_size"] == 25
    newest, oldest = data["rewards"]
    assert newest["enabled"] is False
    assert set(oldest) >= {"reward_id", "created_at", "title", "bot_command", "enabled", "points", "sub_only", "input_fields"}
    assert (oldest["reward_id"], oldest["title"], oldest["points"], oldest["enabled"], oldest["sub_only"]) == (reward.id, "Song request", 100, True, False)
    assert oldest["input_fields"] == [{"name": "song", "label": "Song", "required": True}]
    assert STAMP.match(oldest["created_at"])


def test_pages_hold_25_with_the_total(app, api):
    for _ in range(27):
        RewardFactory()
    db.session.commit()
    first, second, beyond = (api("get", f"/api/v1/rewards?page={n}").get_json() for n in (1, 2, 3))
    assert (len(first["rewards"]), len(second["rewards"]), len(beyond["rewards"])) == (25, 2, 0)
    assert first["total"] == second["total"] == 27
    ids = [r["reward_id"] for r in first["rewards"] + second["rewards"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 27


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "completed=yes", "refunded=1", "reward_id=abc"])
def test_bad_query_parameters_are_400(app, api, query):
    response = api("get", f"/api/v1/redemptions?{query}")
    assert response.status_code == 400 and response.get_json()["error"]


def test_redemptions_filters(app, api, fan, other_fan):
    done, refunded, waiting = redemptions_of(fan, 10, 20, 30)
    [theirs] = redemptions_of(other_fan, 40)
    done.completed = True
    refund(refunded, None)
    db.session.commit()

    def ids(query=""):
        data = api("get", f"/api/v1/redemptions?{query}").get_json()
        return [r["redemption_id"] for r in data["redemptions"]], data["total"]

    assert ids() == ([theirs.id, waiting.id, refunded.id, done.id], 4)
    assert ids("completed=true") == ([done.id], 1)
    assert ids("completed=false&refunded=false") == ([theirs.id, waiting.id], 2)
    assert ids("refunded=true") == ([refunded.id], 1)
    assert ids(f"reward_id={waiting.reward_id}") == ([waiting.id], 1)
    item = api("get", "/api/v1/redemptions").get_json()["redemptions"][0]
    assert item == {
        "reward_id": theirs.reward_id, "redemption_id": theirs.id, "created_at": item["created_at"], "refunded": False,
        "completed": False, "user_input": {"song": "x"}, "username": other_fan.username,
    }
    assert STAMP.match(item["created_at"])


def test_get_and_patch_one_redemption(app, api, fan):
    [redemption] = redemptions_of(fan, 50)

    got = api("get", f"/api/v1/redemptions/{redemption.id}")
    assert got.status_code == 200 and got.get_json()["redemption"]["completed"] is False

    patched = api("patch", f"/api/v1/redemptions/{redemption.id}", json={"completed": True})
    assert patched.status_code == 200
    assert patched.get_json()["redemption"]["completed"] is True
    db.session.refresh(redemption)
    assert redemption.completed is True


@pytest.mark.parametrize("payload", [{}, {"completed": "yes"}, {"completed": 1}, ["completed"]])
def test_patch_needs_a_boolean_completed(app, api, fan, payload):
    [redemption] = redemptions_of(fan, 50)
    response = api("patch", f"/api/v1/redemptions/{redemption.id}", json=payload)
    assert response.status_code == 400


def test_patching_a_refunded_redemption_is_400(app, api, fan):
    [redemption] = redemptions_of(fan, 50)
    refund(redemption, None)
    db.session.commit()
    assert api("patch", f"/api/v1/redemptions/{redemption.id}", json={"completed": True}).status_code == 400


def test_unknown_redemption_is_404(app, api):
    for method in ("get", "patch"):
        response = api(method, "/api/v1/redemptions/999999", json={"completed": True})
        assert response.status_code == 404 and response.get_json()["error"]


def test_fan_points_in_the_loyalty_shape(app, api, fan):
    fresh = api("get", f"/api/v1/fans/{fan.username}/points").get_json()["loyalty"]
    assert (fresh["fan"], fresh["total_points"], fresh["current_points"]) == (fan.username, 0, 0)
    assert STAMP.match(fresh["updated_at"])

    give_points(fan, 70)
    redemptions_of(fan, 30)
    loyalty = api("get", f"/api/v1/fans/{fan.username}/points").get_json()["loyalty"]
    assert (loyalty["total_points"], loyalty["current_points"]) == (100, 70)


def test_unknown_fan_and_non_publisher_users_are_404(app, api, admin_user):
    db.session.commit()
    for username in ("nobody", admin_user.username):
        assert api("get", f"/api/v1/fans/{username}/points").status_code == 404
        assert api("post", f"/api/v1/fans/{username}/points/bonus", json={"amount": 5}).status_code == 404


def test_bonus_adds_and_subtracts_down_to_zero(app, api, fan):
    added = api("post", f"/api/v1/fans/{fan.username}/points/bonus", json={"amount": 100})
    assert added.status_code == 200
    assert added.get_json()["loyalty"]["current_points"] == 100
    taken = api("post", f"/api/v1/fans/{fan.username}/points/bonus", json={"amount": -250})
    assert taken.status_code == 200
    assert taken.get_json()["loyalty"]["current_points"] == 0
    assert balance(fan.id).total_points == 100


@pytest.mark.parametrize("payload", [{}, {"amount": 1_000_001}, {"amount": -1_000_001}, {"amount": 0}, {"amount": 2.5}, {"amount": "5"}, {"amount": True}, [1]])
def test_bonus_out_of_bounds_or_malformed_is_400(app, api, fan, payload):
    db.session.commit()
    response = api("post", f"/api/v1/fans/{fan.username}/points/bonus", json=payload)
    assert response.status_code == 400 and response.get_json()["error"]
    assert balance(fan.id).current_points == 0


def test_the_limit_is_per_key_with_retry_after(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "REWARDS_API_RATE_LIMIT", "3 per hour")
    _, other_secret = create_api_key("second", None)
    db.session.commit()
    assert [api("get", url).status_code for url in ("/api/v1/rewards", "/api/v1/redemptions", "/api/v1/rewards")] == [200, 200, 200]
    limited = api("get", "/api/v1/rewards")
    assert limited.status_code == 429
    assert limited.is_json and limited.get_json()["error"]
    assert int(limited.headers["Retry-After"]) > 0
    assert api("get", "/api/v1/rewards", key=other_secret).status_code == 200


def test_using_a_key_records_when(app, api, network_key):
    api("get", "/api/v1/rewards")
    assert db.session.scalar(select(ApiKey.last_used_at)) is not None


def test_patch_can_reopen_a_completed_redemption(app, api, fan):
    [redemption] = redemptions_of(fan, 50)
    api("patch", f"/api/v1/redemptions/{redemption.id}", json={"completed": True})
    reopened = api("patch", f"/api/v1/redemptions/{redemption.id}", json={"completed": False})
    assert reopened.status_code == 200 and reopened.get_json()["redemption"]["completed"] is False


def test_an_empty_page_parameter_means_the_first_page(app, api):
    RewardFactory()
    db.session.commit()
    assert len(api("get", "/api/v1/rewards?page=").get_json()["rewards"]) == 1
