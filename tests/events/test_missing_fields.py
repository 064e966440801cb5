"""A body missing several required fields is refused naming every one of them, not only the first."""
from __future__ import annotations

import pytest

from portal.events.schemas import InvalidItem, validate_event


def refusal(raw, prefix: str = "") -> str:
    with pytest.raises(InvalidItem) as refused:
        validate_event(raw, prefix)
    return str(refused.value)


def fields_named(message: str) -> list[str]:
    return [part.split(": ", 1)[0] for part in message.split("; ")]


def test_an_empty_body_names_type_site_and_session():
    assert fields_named(refusal({})) == ["type", "site_id", "session_id"]


def test_a_web_event_without_type_names_the_other_missing_fields_too():
    message = refusal({"site_id": "w", "url": "https://brand.example/"})
    assert fields_named(message) == ["type", "session_id"]
    assert message == "type: is required; session_id: is required"


def test_a_body_without_type_also_names_wrong_web_fields():
    message = refusal({"site_id": 7, "session_id": "s"})
    assert fields_named(message) == ["type", "site_id"] and "site_id: must be a string" in message


def test_a_player_event_without_type_names_only_the_type():
    assert refusal({"player_id": "p", "amount": "1", "currency": "EUR"}) == "type: is required"


def test_a_typed_web_event_names_every_missing_field():
    assert fields_named(refusal({"type": "pageview"})) == ["site_id", "session_id"]
    assert fields_named(refusal({"type": "custom_event", "site_id": "w"})) == ["session_id", "event_name"]
    assert fields_named(refusal({"type": "pageleave"})) == ["site_id", "session_id", "duration"]


def test_a_player_event_names_the_missing_player_with_the_other_faults():
    message = refusal({"type": "revenue", "amount": "5", "currency": "EUR"})
    assert fields_named(message) == ["period_start", "period_end", "player_id"]


def test_the_fields_carry_the_items_prefix_in_a_batch():
    assert fields_named(refusal({}, "events[2]")) == ["events[2].type", "events[2].site_id", "events[2].session_id"]


def test_a_body_that_is_only_missing_the_type_still_says_so():
    assert refusal({"site_id": "w", "session_id": "s"}) == "type: is required"


def test_a_money_event_without_amount_or_currency_names_both():
    assert fields_named(refusal({"type": "ftd", "player_id": "p"})) == ["amount", "currency"]
    assert fields_named(refusal({"type": "deposit", "player_id": "p"}, "events[1]")) == [
        "events[1].amount", "events[1].currency",
    ]


def test_a_money_event_with_its_currency_names_only_the_amount():
    assert refusal({"type": "ftd", "player_id": "p", "currency": "EUR"}) == "amount: required for this event type"
