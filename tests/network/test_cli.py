"""`flask user create` and `flask apikey create`, run through Flask's CLI runner."""
import hashlib
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiKey, Role, User
from portal.accounts.passwords import verify_password
from portal.accounts.service import find_api_key
from portal.extensions import db
from tests.factories import AdvertiserFactory, PublisherFactory

PASSWORD = "cli password 123"


@pytest.fixture
def runner(app):
    PublisherFactory(name="Pia Media")
    AdvertiserFactory(name="Brand Casino")
    db.session.commit()
    return app.test_cli_runner()


def user_create(runner, *args):
    return runner.invoke(args=["user", "create", "--password", PASSWORD, *args])


def stored_user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize(
    "role, extra, organisation",
    [
        ("admin", [], None),
        ("publisher", ["--publisher", "Pia Media"], "Pia Media"),
        ("advertiser", ["--advertiser", "Brand Casino"], "Brand Casino"),
    ],
)
def test_user_create_for_each_role(runner, role, extra, organisation):
    result = user_create(runner, "--role", role, "--email", "New.User@Example.com", *extra)
    assert result.exit_code == 0, result.output
    assert f"Created {role} new.user@example.com" in result.output
    user = stored_user("new.user@example.com")
    assert user.role == Role(role)
    assert verify_password(user.password_hash, PASSWORD)
    owner = user.publisher or user.advertiser
    assert (owner.name if owner else None) == organisation


def test_user_create_asks_for_the_password_twice_when_not_given(runner):
    result = runner.invoke(
        args=["user", "create", "--role", "admin", "--email", "ops@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert verify_password(stored_user("ops@example.com").password_hash, PASSWORD)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "publisher", "--publisher", "Nobody Media"], "no publisher named 'Nobody Media'"),
        (["--role", "advertiser", "--advertiser", "Nobody Casino"], "no advertiser named 'Nobody Casino'"),
    ],
)
def test_user_create_refuses_an_unknown_organisation(runner, args, message):
    result = user_create(runner, "--email", "x@example.com", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert stored_user("x@example.com") is None


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "publisher"],
        ["--role", "advertiser"],
        ["--role", "admin", "--publisher", "Pia Media"],
        ["--role", "publisher", "--publisher", "Pia Media", "--advertiser", "Brand Casino"],
    ],
)
def test_user_create_refuses_a_role_without_its_organisation(runner, args):
    result = user_create(runner, "--email", "x@example.com", *args)
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert stored_user("x@example.com") is None


def test_user_create_refuses_a_duplicate_email(runner):
    assert user_create(runner, "--role", "admin", "--email", "ops@example.com").exit_code == 0
    result = user_create(runner, "--role", "admin", "--email", "OPS@example.com")
    assert result.exit_code == 1
    assert "A user with this email already exists." in result.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_user_create_refuses_a_short_password(runner):
    result = runner.invoke(args=["user", "create", "--role", "admin", "--email", "ops@example.com", "--password", "short"])
    assert result.exit_code == 1 and "at least 10 characters" in result.output


def printed_secret(output: str) -> str:
    secrets = re.findall(r"^(tl_\S+)$", output, re.MULTILINE)
    assert len(secrets) == 1, output
    return secrets[0]


def test_apikey_create_for_an_advertiser_prints_the_key_once_and_stores_only_its_hash(runner):
    result = runner.invoke(args=["apikey", "create", "--advertiser", "Brand Casino", "--name", "CRM"])
    assert result.exit_code == 0, result.output
    secret = printed_secret(result.output)
    assert result.output.count(secret) == 1
    db.session.expire_all()
    key = db.session.scalar(select(ApiKey))
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.advertiser.name == "Brand Casino" and key.name == "CRM"
    assert secret not in {key.prefix, key.key_hash, key.name}
    assert find_api_key(secret) == key


def test_apikey_create_without_advertiser_makes_a_network_key(runner):
    result = runner.invoke(args=["apikey", "create"])
    assert result.exit_code == 0, result.output
    assert "for the network" in result.output
    key = find_api_key(printed_secret(result.output))
    assert key.advertiser_id is None and key.name == "CLI key"


def test_apikey_create_refuses_an_unknown_advertiser(runner):
    result = runner.invoke(args=["apikey", "create", "--advertiser", "Nobody Casino"])
    assert result.exit_code != 0 and "no advertiser named" in result.output
    assert db.session.scalar(select(ApiKey.id)) is None
