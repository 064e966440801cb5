"""The value rules of SPEC §2, property-tested: the character set and the lengths of managed and blocked sub IDs."""
import string

from hypothesis import example, given
from hypothesis import strategies as st

from portal.subids.blocked import MAX_BLOCKED_SUB_ID
from portal.subids.service import (
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    SubIdFields,
    external_link_errors,
    field_errors,
    sub_id_value_errors,
)

ALLOWED = string.ascii_letters + string.digits + "-_"
allowed_text = st.text(alphabet=ALLOWED, min_size=1, max_size=MAX_EXTERNAL_ID)
# Anything outside [A-Za-z0-9_-]: other ASCII, accented and non-Latin letters, digits of other scripts, whitespace.
forbidden_char = st.characters(blacklist_characters=ALLOWED, blacklist_categories=("Cs",))


def char_error(errors):
    return any("Use only letters" in e for e in errors)


def length_error(errors):
    return any("Keep the sub ID to" in e for e in errors)


@given(allowed_text)
def test_values_of_allowed_characters_up_to_50_are_valid(value):
    assert sub_id_value_errors(value, MAX_EXTERNAL_ID) == []


@given(st.text(alphabet=ALLOWED, min_size=MAX_EXTERNAL_ID + 1, max_size=MAX_EXTERNAL_ID + 40))
def test_values_over_50_characters_are_refused_for_their_length_only(value):
    errors = sub_id_value_errors(value, MAX_EXTERNAL_ID)
    assert length_error(errors) and not char_error(errors)
    assert f"this one has {len(value)}" in errors[0]


@given(st.text(alphabet=ALLOWED, max_size=20), forbidden_char, st.text(alphabet=ALLOWED, max_size=20))
@example("", "ü", "")
@example("abc", " ", "def")
@example("abc", "\n", "")  # a regex `$` would let a trailing newline through
@example("", "٣", "")  # an Arabic-Indic digit: \d would accept it
@example("a", ".", "b")
def test_any_character_outside_the_set_is_refused_and_named(before, bad, after):
    errors = sub_id_value_errors(before + bad + after, MAX_EXTERNAL_ID)
    assert char_error(errors)
    assert (repr(bad) if bad != " " else "space") in " ".join(errors)


@given(st.text(alphabet=ALLOWED, min_size=1, max_size=MAX_BLOCKED_SUB_ID))
def test_blocked_values_of_allowed_characters_up_to_30_are_valid(value):
    assert sub_id_value_errors(value, MAX_BLOCKED_SUB_ID) == []


@given(st.text(alphabet=ALLOWED, min_size=MAX_BLOCKED_SUB_ID + 1, max_size=MAX_EXTERNAL_ID))
def test_blocked_values_over_30_are_refused_even_when_a_managed_one_could_be_that_long(value):
    assert length_error(sub_id_value_errors(value, MAX_BLOCKED_SUB_ID))
    assert sub_id_value_errors(value, MAX_EXTERNAL_ID) == []


def test_an_empty_value_is_refused():
    assert sub_id_value_errors("", MAX_EXTERNAL_ID) == ["Enter the sub ID value."]


@given(st.text(min_size=1, max_size=MAX_NAME).filter(lambda s: s.strip() == s and s))
def test_names_up_to_100_characters_are_valid(name):
    assert "name" not in field_errors(SubIdFields("ok", name))


@given(st.integers(min_value=MAX_NAME + 1, max_value=MAX_NAME + 50))
def test_names_over_100_characters_are_refused(length):
    assert "100 characters" in field_errors(SubIdFields("ok", "n" * length))["name"][0]


def test_description_may_hold_2000_characters_and_no_more():
    assert "description" not in field_errors(SubIdFields("ok", "n", "d" * MAX_DESCRIPTION))
    assert "2000 characters" in field_errors(SubIdFields("ok", "n", "d" * (MAX_DESCRIPTION + 1)))["description"][0]


def test_external_links_must_be_http_or_https_and_at_most_255_characters():
    assert external_link_errors("") == []
    assert external_link_errors("https://crm.example/campaigns/42") == []
    assert external_link_errors("http://crm.example") == []
    assert external_link_errors("https://x.example/" + "a" * (255 - 18)) == []
    for bad in ("javascript:alert(1)", "ftp://files.example/x", "crm.example/42", "https://", "https://a b.example/"):
        assert external_link_errors(bad) == ["Enter a full http:// or https:// address."], bad
    assert "255 characters" in external_link_errors("https://x.example/" + "a" * 238)[0]
