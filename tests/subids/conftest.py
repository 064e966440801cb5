"""Fixtures for the sub ID tests: two publishers' rows, and a clean click cache around every test."""
import pytest

from portal.extensions import db
from portal.tracking.targets import clear_cache
from tests.factories import SubIdFactory

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fresh_tracking_cache(app):
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def publisher(publisher_user):
    return publisher_user.publisher


@pytest.fixture
def my_sub(publisher):
    sub = SubIdFactory(publisher=publisher, external_id="spring_promo", name="Spring promo")
    db.session.commit()
    return sub


@pytest.fixture
def their_sub(app):
    sub = SubIdFactory(external_id="their_secret", name="Their secret campaign")
    db.session.commit()
    return sub


def body(response) -> str:
    return response.get_data(as_text=True)
