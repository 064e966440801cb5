"""The account rules, tested on the domain layer directly."""
import hashlib

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiKey, Role, User, UserStatus
from portal.accounts.passwords import verify_password
from portal.accounts.service import (
    AccountError,
    api_key_owner,
    authenticate,
    change_password,
    create_api_key,
    create_user,
    find_api_key,
    list_api_keys,
    revoke_api_key,
    search_users,
)
from portal.extensions import db
from tests.factories import (
    DEFAULT_PASSWORD,
    AdvertiserFactory,
    PublisherFactory,
    UserFactory,
)

GOOD_PASSWORD = "a long enough secret"


# create_user

def test_create_user_normalises_the_email(app):
    user = create_user("  Ana.Smith@Example.COM ", GOOD_PASSWORD, Role.ADMIN)
    assert user.email == "ana.smith@example.com"
    assert user.username == "ana.smith"
    assert verify_password(user.password_hash, GOOD_PASSWORD)


def test_create_user_refuses_an_email_already_taken_in_another_case(app):
    create_user("ana@example.com", GOOD_PASSWORD, Role.ADMIN)
    with pytest.raises(AccountError) as refused:
        create_user("ANA@Example.com", GOOD_PASSWORD, Role.ADMIN)
    assert refused.value.field == "email"
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_create_user_refuses_an_invalid_email(app):
    with pytest.raises(AccountError) as refused:
        create_user("not an email", GOOD_PASSWORD, Role.ADMIN)
    assert refused.value.field == "email"


def test_create_user_gives_each_user_its_own_username(app):
    first = create_user("sam@one.example", GOOD_PASSWORD, Role.ADMIN)
    second = create_user("sam@two.example", GOOD_PASSWORD, Role.ADMIN)
    assert first.username != second.username


def test_publisher_user_belongs_to_its_publisher(app):
    publisher = PublisherFactory()
    user = create_user("pub@example.com", GOOD_PASSWORD, Role.PUBLISHER, publisher_id=publisher.id)
    assert (user.publisher, user.advertiser_id) == (publisher, None)


def test_advertiser_user_belongs_to_its_advertiser(app):
    advertiser = AdvertiserFactory()
    user = create_user("adv@example.com", GOOD_PASSWORD, Role.ADVERTISER, advertiser_id=advertiser.id)
    assert (user.advertiser, user.publisher_id) == (advertiser, None)


@pytest.mark.parametrize(
    "role, organisations",
    [
        (Role.PUBLISHER, {}),
        (Role.ADVERTISER, {}),
        (Role.PUBLISHER, {"advertiser": True}),
        (Role.ADVERTISER, {"publisher": True}),
        (Role.PUBLISHER, {"publisher": True, "advertiser": True}),
        (Role.ADMIN, {"publisher": True}),
        (Role.ADMIN, {"advertiser": True}),
    ],
)
def test_role_and_organisation_must_match(app, role, organisations):
    ids = {}
    if organisations.get("publisher"):
        ids["publisher_id"] = PublisherFactory().id
    if organisations.get("advertiser"):
        ids["advertiser_id"] = AdvertiserFactory().id
    with pytest.raises(AccountError):
        create_user("someone@example.com", GOOD_PASSWORD, role, **ids)
    assert db.session.scalar(select(User.id)) is None


@pytest.mark.parametrize("password", ["short", "123456789", "x" * 257])
def test_create_user_refuses_a_password_too_short_or_too_long(app, password):
    with pytest.raises(AccountError) as refused:
        create_user("someone@example.com", password, Role.ADMIN)
    assert refused.value.field == "password"


def test_a_ten_character_password_is_enough(app):
    assert create_user("someone@example.com", "0123456789", Role.ADMIN).password_hash


# authenticate

def test_authenticate_with_the_right_password_returns_the_user_and_stamps_the_sign_in(app):
    user = UserFactory(email="ana@example.com")
    assert user.last_login_at is None
    assert authenticate(" ANA@example.com", DEFAULT_PASSWORD) is user
    assert user.last_login_at is not None


def test_authenticate_with_a_wrong_password_returns_nothing(app):
    user = UserFactory(email="ana@example.com")
    assert authenticate("ana@example.com", DEFAULT_PASSWORD + "!") is None
    assert user.last_login_at is None


def test_authenticate_an_unknown_email_returns_nothing(app):
    UserFactory(email="ana@example.com")
    assert authenticate("bob@example.com", DEFAULT_PASSWORD) is None


def test_a_user_without_a_password_cannot_sign_in(app):
    UserFactory(email="invited@example.com", password_hash=None)
    assert authenticate("invited@example.com", "") is None
    assert authenticate("invited@example.com", DEFAULT_PASSWORD) is None


@pytest.mark.parametrize("status", [UserStatus.DEACTIVATED, UserStatus.SUSPENDED])
def test_deactivated_and_suspended_users_are_refused_even_with_the_right_password(app, status):
    UserFactory(email="ana@example.com", status=status)
    assert authenticate("ana@example.com", DEFAULT_PASSWORD) is None


# change_password

def test_change_password_replaces_the_hash(app):
    user = UserFactory()
    change_password(user, DEFAULT_PASSWORD, GOOD_PASSWORD)
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    assert not verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_change_password_needs_the_current_password(app):
    user = UserFactory()
    before = user.password_hash
    with pytest.raises(AccountError) as refused:
        change_password(user, "not the password", GOOD_PASSWORD)
    assert refused.value.field == "current_password"
    assert user.password_hash == before


def test_change_password_refuses_a_short_new_password(app):
    user = UserFactory()
    with pytest.raises(AccountError) as refused:
        change_password(user, DEFAULT_PASSWORD, "short")
    assert refused.value.field == "new_password"
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


# API keys

def test_a_new_api_key_secret_starts_with_tl_and_only_its_sha256_is_stored(app):
    advertiser = AdvertiserFactory()
    key, secret = create_api_key("CRM", advertiser.id)
    assert secret.startswith("tl_") and len(secret) > 40
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:10]
    stored = db.session.execute(select(ApiKey.__table__)).one()._asdict()
    assert secret not in {str(value) for value in stored.values()}


def test_each_api_key_secret_is_different(app):
    assert create_api_key("one", None)[1] != create_api_key("two", None)[1]


def test_find_api_key_by_its_secret(app):
    key, secret = create_api_key("CRM", AdvertiserFactory().id)
    assert find_api_key(secret) is key


@pytest.mark.parametrize("secret", [None, "", "tl_wrong", "no-prefix", "tl_" + "A" * 43])
def test_a_wrong_secret_finds_no_key(app, secret):
    create_api_key("CRM", AdvertiserFactory().id)
    assert find_api_key(secret) is None


def test_a_revoked_key_is_not_found(app):
    key, secret = create_api_key("CRM", AdvertiserFactory().id)
    revoke_api_key(key)
    assert key.revoked_at is not None
    assert find_api_key(secret) is None


def test_revoking_twice_keeps_the_first_time(app):
    key, _ = create_api_key("CRM", None)
    revoke_api_key(key)
    first = key.revoked_at
    revoke_api_key(key)
    assert key.revoked_at == first


def test_a_blank_key_name_gets_a_default(app):
    key, _ = create_api_key("   ", None)
    assert key.name == "API key"


def test_api_key_owner_is_the_advertiser_or_the_network(app):
    assert api_key_owner(UserFactory()) is None
    advertiser_user = UserFactory(is_advertiser=True)
    assert api_key_owner(advertiser_user) == advertiser_user.advertiser_id
    with pytest.raises(AccountError):
        api_key_owner(UserFactory(is_publisher=True))


def test_list_api_keys_keeps_owners_apart(app):
    mine, theirs = AdvertiserFactory(), AdvertiserFactory()
    my_key, _ = create_api_key("mine", mine.id)
    their_key, _ = create_api_key("theirs", theirs.id)
    network_key, _ = create_api_key("network", None)
    assert list_api_keys(mine.id) == [my_key]
    assert list_api_keys(theirs.id) == [their_key]
    assert list_api_keys(None) == [network_key]


# Admin users list

def test_search_users_filters_by_role_and_email(app):
    admin = UserFactory(email="boss@network.test")
    publisher_user = UserFactory(email="ana@pub.test", is_publisher=True)
    UserFactory(email="bob@adv.test", is_advertiser=True)
    assert search_users(Role.PUBLISHER).items == [publisher_user]
    assert search_users(email="NETWORK").items == [admin]
    assert search_users(email="%").items == []  # a LIKE wildcard is searched for literally
    assert search_users(Role.ADMIN, "pub").items == []
    assert search_users().total == 3


def test_search_users_pages_by_fifty(app):
    for n in range(51):
        UserFactory(email=f"u{n:02}@tracklane.test", password_hash=None)
    first, second = search_users(page=1), search_users(page=2)
    assert (len(first.items), len(second.items), first.total, first.pages) == (50, 1, 51, 2)
    assert second.items[0].email == "u50@tracklane.test"
    assert search_users(page=3).items == []
