import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.links.click_params import MAX_SUB_LENGTH, ClickRefused, check_relative_path, check_subs
from portal.tracking.bots import is_bot
from portal.tracking.geo import normalise_country
from portal.tracking.service import hash_ip, redirect_url


def test_redirect_keeps_destination_query_and_appends_click_id():
    url = redirect_url("https://brand.example/join?utm_source=aff&lang=en", "", "abc")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "brand.example", "/join")
    assert parse_qs(parts.query) == {"utm_source": ["aff"], "lang": ["en"], "click_id": ["abc"]}


def test_redirect_replaces_a_click_id_already_in_the_destination():
    url = redirect_url("https://brand.example/?click_id=forged", "", "real")
    assert parse_qs(urlsplit(url).query)["click_id"] == ["real"]


def test_relative_path_is_appended_to_the_path_only():
    url = redirect_url("https://brand.example/casino/?x=1#top", "games/slots/book-of-ra.html", "c1")
    parts = urlsplit(url)
    assert parts.netloc == "brand.example"
    assert parts.path == "/casino/games/slots/book-of-ra.html"
    assert parts.fragment == "top"


def test_sub_ids_within_the_maximum_are_kept_as_given():
    subs, truncated = check_subs({"sub1": "a" * MAX_SUB_LENGTH, "sub3": "x y"})
    assert subs == {"sub1": "a" * MAX_SUB_LENGTH, "sub2": "", "sub3": "x y", "sub4": "", "sub5": ""}
    assert truncated is False


def test_a_sub_id_over_the_maximum_is_cut_to_it_and_flagged_never_refused():
    subs, truncated = check_subs({"sub2": "é" * (MAX_SUB_LENGTH + 1), "sub5": "b" * 10_000})
    assert subs["sub2"] == "é" * MAX_SUB_LENGTH and subs["sub5"] == "b" * MAX_SUB_LENGTH
    assert truncated is True


def test_a_nul_byte_in_a_sub_id_stays_a_refusal_unless_it_is_cut_off():
    with pytest.raises(ClickRefused, match="sub4"):
        check_subs({"sub4": "a\x00b"})
    subs, truncated = check_subs({"sub4": "a" * MAX_SUB_LENGTH + "\x00"})
    assert subs["sub4"] == "a" * MAX_SUB_LENGTH and truncated


@pytest.mark.parametrize("value", ["games/slots", "a.b_c-d/e", "/leading/slash", "x"])
def test_allowed_relative_paths(value):
    assert check_relative_path(value) == value


@pytest.mark.parametrize(
    "value", ["../admin", "a/../../b", "a?b=c", "http://evil.example", "a%2f..", "a b", "a\\b", "@evil.example", "a#b"]
)
def test_refused_relative_paths(value):
    with pytest.raises(ClickRefused):
        check_relative_path(value)


@given(st.text(min_size=1))
def test_any_accepted_relative_path_keeps_the_host(value):
    try:
        checked = check_relative_path(value)
    except ClickRefused:
        assert ".." in value or any(ch not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-" for ch in value)
        return
    parts = urlsplit(redirect_url("https://brand.example/lp", checked, "c"))
    assert parts.scheme == "https" and parts.netloc == "brand.example"
    assert parts.path.startswith("/lp/")


@given(st.text(alphabet=st.characters(blacklist_characters="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-"), min_size=1))
def test_any_character_outside_the_allowed_set_is_refused(value):
    with pytest.raises(ClickRefused):
        check_relative_path("ok/" + value)


@pytest.mark.parametrize(
    "agent,purpose,expected",
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "", True),
        ("facebookexternalhit/1.1", "", True),
        ("Slackbot-LinkExpanding 1.0", "", True),
        ("curl/8.4.0", "", True),
        ("MOZILLA/5.0 (COMPATIBLE; BINGPREVIEW/1.0B)", "", True),
        ("", "", True),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "", False),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", "prefetch", True),
    ],
)
def test_bot_detection(agent, purpose, expected):
    assert is_bot(agent, purpose) is expected


def test_country_codes_are_normalised_and_unknowns_dropped():
    assert normalise_country(" de ") == "DE"
    assert normalise_country("XX") == ""
    assert normalise_country("<script>") == ""


def test_ip_hash_is_an_hmac_of_the_address_under_a_key_derived_from_the_secret():
    key = hashlib.sha256(b"tracklane-ip:" + b"secret-one").digest()
    assert hash_ip("203.0.113.7", "secret-one") == hmac.new(key, b"203.0.113.7", hashlib.sha256).hexdigest()
    # the keyed state is copied per address: one hash never leaks into the next
    assert hash_ip("203.0.113.7", "secret-one") == hash_ip("203.0.113.7", "secret-one") != hash_ip("203.0.113.8", "secret-one")
    assert hash_ip("203.0.113.7", "secret-two") != hash_ip("203.0.113.7", "secret-one")
