"""/healthz and /readyz: public, JSON; 503 when the database is not usable, 200 "degraded" when only Redis is down."""
from __future__ import annotations

from redis import Redis
from sqlalchemy import text

from portal.extensions import db


def test_healthz_answers_ok_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_200_when_database_redis_and_migrations_are_fine(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "migrations": True,
    }
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["expected"] != []


def test_readyz_expects_the_head_of_the_migration_chain(client):
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from portal.config import PROJECT_ROOT

    config = Config()
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert client.get("/readyz").get_json()["checks"]["migrations"]["expected"] == sorted(heads)


def test_readyz_is_200_degraded_naming_redis_when_redis_is_unreachable(app, client, monkeypatch):
    # Traffic is still served (clicks and impressions go straight to the database): a load balancer must keep
    # sending it, while monitoring sees which part is down.
    monkeypatch.setitem(app.extensions, "tracklane.redis", Redis.from_url("redis://127.0.0.1:1/0"))
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]


def test_readyz_is_503_when_the_database_is_down_even_if_redis_is_too(make_app, tmp_path):
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert set(body["failed"]) == {"database", "migrations", "redis"}


def test_readyz_is_503_when_the_code_ships_a_newer_migration_than_the_database_has(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "tracklane.migration_heads", ("9999_from_newer_code",))
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["expected"] == ["9999_from_newer_code"]
    assert body["checks"]["migrations"]["current"] != ["9999_from_newer_code"]


def test_readyz_is_503_naming_the_database_when_it_cannot_be_opened(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert "database" in body["failed"] and "redis" not in body["failed"]


def test_readyz_is_503_when_the_database_was_never_migrated(make_app):
    app = make_app()  # a fresh, empty SQLite file
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["current"] == []
    assert "db upgrade" in body["checks"]["migrations"]["error"]


def test_readyz_is_503_when_the_database_is_stamped_with_another_revision(make_app):
    app = make_app()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('0000_not_ours')"))
    body = app.test_client().get("/readyz").get_json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["current"] == ["0000_not_ours"]
