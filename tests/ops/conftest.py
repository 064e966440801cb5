"""Ops test helpers: the `slow` marker and throwaway apps for states the shared session app must never be in."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_SETTINGS, CsrfClient


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: starts real processes (deselect with -m 'not slow')")


@pytest.fixture
def make_app(tmp_path):
    """Build a separate app with settings of the test's choosing; routes may be added before its first request."""
    built = []

    def build(**overrides):
        settings = {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'throwaway.db'}", **overrides}
        app = create_app(settings)
        app.test_client_class = CsrfClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()
