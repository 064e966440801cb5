"""Seed 002 (the Revlo rewards API) walked call by call against our /api/v1 rewards endpoints: the documented
requests as its examples and reference client send them (`x-api-key`, `Accept: application/json`, and a JSON
body with no Content-Type), the documented answers' shapes, codes and headers."""
from __future__ import annotations

import json

import pytest

from portal.accounts.service import create_api_key
from portal.extensions import db
from portal.rewards.points import balance
from portal.rewards.redemptions import redeem
from tests.factories import AdvertiserFactory, RewardFactory
from tests.rewards.conftest import give_points

BASE = "/api/v1"
REWARD_KEYS = {"reward_id", "created_at", "title", "bot_command", "enabled", "points", "sub_only", "input_fields"}
REDEMPTION_KEYS = {"reward_id", "redemption_id", "created_at", "refunded", "completed", "user_input", "username"}
LOYALTY_KEYS = {"fan", "total_points", "current_points", "updated_at"}


@pytest.fixture
def network_key(app):
    _, secret = create_api_key("rewards scripts", None)
    db.session.commit()
    return secret


@pytest.fixture
def seed_call(client, network_key):
    """A call as the seed writes it: x-api-key and Accept only; a body goes as raw JSON without Content-Type."""

    def call(method: str, path: str, body: dict | None = None, key: str | None = network_key, **headers):
        headers = {"Accept": "application/json", **headers}
        if key is not None:
            headers["x-api-key"] = key
        data = json.dumps(body) if body is not None else None
        return client.open(BASE + path, method=method, headers=headers, data=data)

    return call


@pytest.fixture
def redemption(fan_user):
    give_points(fan_user, 300)
    reward = RewardFactory(title="Song Requests", points_cost=100, input_fields=[{"name": "song", "label": "Song"}])
    made = redeem(fan_user.id, reward, {"song": "https://www.youtube.com/watch?v=mRt0d1O4tiE"})
    db.session.commit()
    return made


@pytest.fixture
def fan_user(publisher_user):
    return publisher_user


def assert_seed_headers(response, status: int = 200) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Retry-After" not in response.headers


def test_get_rewards_page_1(seed_call):
    RewardFactory(title="Reward Suggestions", points_cost=1)
    RewardFactory(title="Song Requests", points_cost=100)
    db.session.commit()
    response = seed_call("GET", "/rewards?page=1")
    assert_seed_headers(response)
    data = response.get_json()
    assert set(data) >= {"rewards", "total", "page_size"}
    assert (data["total"], data["page_size"]) == (2, 25)
    assert all(set(reward) >= REWARD_KEYS for reward in data["rewards"])
    assert [reward["title"] for reward in data["rewards"]] == ["Song Requests", "Reward Suggestions"]


def test_get_redemptions_not_refunded(seed_call, redemption):
    response = seed_call("GET", "/redemptions?page=1&refunded=false")
    assert_seed_headers(response)
    data = response.get_json()
    assert (data["total"], data["page_size"]) == (1, 25)
    [item] = data["redemptions"]
    assert set(item) >= REDEMPTION_KEYS
    assert (item["redemption_id"], item["refunded"], item["completed"]) == (redemption.id, False, False)
    assert item["user_input"] == {"song": "https://www.youtube.com/watch?v=mRt0d1O4tiE"}


def test_get_one_redemption(seed_call, redemption):
    response = seed_call("GET", f"/redemptions/{redemption.id}")
    assert_seed_headers(response)
    assert set(response.get_json()["redemption"]) >= REDEMPTION_KEYS


def test_patch_completed_without_content_type(seed_call, redemption):
    response = seed_call("PATCH", f"/redemptions/{redemption.id}", {"completed": True})
    assert response.request.content_type is None  # sent exactly as the seed's example: no Content-Type
    assert_seed_headers(response)
    assert response.get_json()["redemption"]["completed"] is True
    assert seed_call("GET", f"/redemptions/{redemption.id}").get_json()["redemption"]["completed"] is True


def test_get_fan_points(seed_call, fan_user):
    give_points(fan_user, 40)
    response = seed_call("GET", f"/fans/{fan_user.username}/points")
    assert_seed_headers(response)
    loyalty = response.get_json()["loyalty"]
    assert set(loyalty) >= LOYALTY_KEYS
    assert (loyalty["fan"], loyalty["current_points"], loyalty["total_points"]) == (fan_user.username, 40, 40)


def test_bonus_without_content_type(seed_call, fan_user):
    response = seed_call("POST", f"/fans/{fan_user.username}/points/bonus", {"amount": 100})
    assert response.request.content_type is None
    assert_seed_headers(response)
    loyalty = response.get_json()["loyalty"]
    assert set(loyalty) >= LOYALTY_KEYS and loyalty["current_points"] == 100
    assert balance(fan_user.id).current_points == 100


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_bonus_json_body_whatever_the_content_type(seed_call, fan_user, content_type):
    response = seed_call("POST", f"/fans/{fan_user.username}/points/bonus", {"amount": 5}, **{"Content-Type": content_type})
    assert_seed_headers(response)
    assert balance(fan_user.id).current_points == 5


def test_subtracting_more_than_the_fan_has_leaves_zero(seed_call, fan_user):
    give_points(fan_user, 30)
    response = seed_call("POST", f"/fans/{fan_user.username}/points/bonus", {"amount": -100})
    assert_seed_headers(response)
    assert response.get_json()["loyalty"]["current_points"] == 0


@pytest.mark.parametrize("raw", ["amount=100", "{not json", ""])
def test_a_body_that_is_not_json_is_400_naming_the_field(client, network_key, fan_user, raw):
    response = client.post(
        f"{BASE}/fans/{fan_user.username}/points/bonus", data=raw, headers={"x-api-key": network_key}
    )
    assert_seed_headers(response, 400)
    assert "amount" in response.get_json()["error"]
    assert balance(fan_user.id).current_points == 0


def test_patch_body_that_is_not_json_is_400_and_changes_nothing(client, network_key, redemption):
    response = client.patch(f"{BASE}/redemptions/{redemption.id}", data="completed=true", headers={"x-api-key": network_key})
    assert_seed_headers(response, 400)
    assert "completed" in response.get_json()["error"]
    db.session.refresh(redemption)
    assert redemption.completed is False


@pytest.mark.parametrize("path", ["/rewards", "/redemptions", "/fans/someone/points"])
def test_keys_401_when_missing_or_unknown_403_when_an_advertisers(seed_call, path):
    _, advertiser_secret = create_api_key("events", AdvertiserFactory().id)
    db.session.commit()
    for key in (None, "tlk_not-a-real-key"):
        assert_seed_headers(seed_call("GET", path, key=key), 401)
    wrong_kind = seed_call("GET", path, key=advertiser_secret)
    assert_seed_headers(wrong_kind, 403)
    assert wrong_kind.get_json()["error"]


def test_the_hourly_cap_answers_429_with_retry_after(app, seed_call, monkeypatch):
    monkeypatch.setitem(app.config, "REWARDS_API_RATE_LIMIT", "2 per hour")
    assert [seed_call("GET", "/rewards").status_code for _ in range(2)] == [200, 200]
    refused = seed_call("GET", "/rewards")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
