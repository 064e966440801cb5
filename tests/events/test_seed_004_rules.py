"""The rules that map a seed-004 user-batch event onto ours, and the Bearer scheme, one by one."""
from decimal import Decimal

import pytest

from portal.accounts.api_auth import bearer_secret
from portal.events.players import Identity
from portal.events.schemas import InvalidItem
from portal.events.service import _seed_004_event

WHO = Identity("u-1")


def mapped(raw):
    return _seed_004_event(raw, WHO, "e")


def test_a_player_event_name_is_its_type_and_another_name_a_custom_event():
    assert mapped({"event_name": "deposit"}) == {"type": "deposit", "player_id": "u-1"}
    assert mapped({"event_name": "purchase"}) == {"type": "custom", "name": "purchase", "player_id": "u-1"}


def test_our_own_type_wins_over_event_name():
    assert mapped({"type": "registration", "event_name": "signup"})["type"] == "registration"


@pytest.mark.parametrize("raw, message", [
    ({}, "e.event_name: is required"),
    ({"event_name": None}, "e.event_name: is required"),
    ({"event_name": 7}, "e.event_name: must be a string of 1 to 100 characters"),
    ({"event_name": ""}, "e.event_name: must be a string of 1 to 100 characters"),
    ({"event_name": "x", "revenue": "abc"}, "e.revenue: must be a number"),
    ({"event_name": "x", "revenue": Decimal("NaN")}, "e.revenue: must be a number"),
    ({"event_name": "x", "event_value": False}, "e.event_value: must be a number"),
    ({"event_name": "ftd", "revenue": 5}, "e.currency: required with revenue"),
    ({"event_name": "ftd", "revenue": Decimal("1.23456"), "currency": "EUR"}, "e.revenue: has more than"),
    ({"event_name": "x", "player_id": "other"}, "e.player_id: differs"),
])
def test_refusals_name_the_seeds_field(raw, message):
    with pytest.raises(InvalidItem) as refused:
        mapped(raw)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("name", ["ftd", "deposit", "withdrawal", "chargeback"])
def test_revenue_of_a_money_event_is_its_amount(name):
    raw = mapped({"event_name": name, "revenue": 50, "currency": "EUR"})
    assert raw["amount"] == Decimal("50.00") and "revenue" not in raw


def test_revenue_with_a_currency_is_a_custom_events_amount_and_without_one_a_property():
    assert mapped({"event_name": "purchase", "revenue": Decimal("9.99"), "currency": "USD"})["amount"] == Decimal("9.99")
    assert mapped({"event_name": "purchase", "revenue": 3})["revenue"] == 3


def test_revenue_beside_an_amount_stays_a_property():
    raw = mapped({"event_name": "deposit", "amount": "10", "currency": "EUR", "revenue": 4})
    assert raw["amount"] == "10" and raw["revenue"] == 4


@pytest.mark.parametrize("header, secret", [
    ("Bearer tl_abc", "tl_abc"),
    ("bearer   tl_abc  ", "tl_abc"),
    ("Bearer", None),
    ("Bearer ", None),
    ("Basic tl_abc", None),
    ("tl_abc", None),
    ("", None),
])
def test_bearer_secret(app, header, secret):
    with app.test_request_context(headers={"Authorization": header}):
        assert bearer_secret() == secret
