"""Configuration from the environment: production refuses to start without a real SECRET_KEY."""
from __future__ import annotations

import pytest

from portal.config import ConfigError, engine_options, load_config

STRONG_KEY = "k9VhQ2xR7mT4pL8sW3nB6yF1"


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKLANE_ENV", "production")
    monkeypatch.setenv("TRACKLANE_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRACKLANE_HTTPS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(production, tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    assert not (tmp_path / "instance" / "secret_key").exists()  # no silent fallback key either


@pytest.mark.parametrize("weak", ["dev", "change-me", "secret", "too-short-key"])
def test_production_refuses_a_weak_secret_key(production, weak):
    production.setenv("SECRET_KEY", weak)
    with pytest.raises(ConfigError):
        load_config()


def test_production_with_a_real_secret_key_uses_secure_cookies(production):
    production.setenv("SECRET_KEY", STRONG_KEY)
    config = load_config()
    assert config["SECRET_KEY"] == STRONG_KEY
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["PREFERRED_URL_SCHEME"] == "https"


def test_development_keeps_one_generated_key_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKLANE_ENV", "development")
    monkeypatch.setenv("TRACKLANE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, second = load_config()["SECRET_KEY"], load_config()["SECRET_KEY"]
    assert first == second == (tmp_path / "secret_key").read_text().strip()
    assert len(first) >= 32


@pytest.mark.parametrize(
    "given", ["postgres://u@db:5432/tl", "postgresql://u@db:5432/tl", "postgresql+psycopg://u@db:5432/tl"]
)
def test_database_urls_are_normalised_to_psycopg3(production, given):
    production.setenv("SECRET_KEY", STRONG_KEY)
    production.setenv("DATABASE_URL", given)
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/tl"


def test_embedded_defaults_live_in_the_instance_folder(production, tmp_path):
    production.setenv("SECRET_KEY", STRONG_KEY)
    config = load_config()
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{(tmp_path / 'instance' / 'tracklane.db').resolve()}"
    assert config["REDIS_URL"] is None


def test_postgresql_connections_give_up_after_the_connect_timeout(production):
    production.setenv("SECRET_KEY", STRONG_KEY)
    production.setenv("DATABASE_URL", "postgresql://u@db:5432/tl")
    production.setenv("DATABASE_CONNECT_TIMEOUT", "3")
    assert engine_options(load_config())["connect_args"] == {"connect_timeout": 3}


def test_sqlite_connections_take_no_connect_timeout(production, tmp_path):
    production.setenv("SECRET_KEY", STRONG_KEY)
    assert "connect_args" not in engine_options(load_config())
