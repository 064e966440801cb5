"""With Redis unreachable the portal keeps answering: sign-in works, and failed attempts are still limited."""
from __future__ import annotations

from flask_migrate import upgrade

from portal.extensions import db

UNREACHABLE = "redis://127.0.0.1:1/0"  # a port nothing listens on


def test_sign_in_answers_and_stays_rate_limited_while_redis_is_unreachable(make_app):
    app = make_app(REDIS_URL=UNREACHABLE)
    with app.app_context():
        upgrade()
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": "nobody@example.com", "password": "not-right"}).status_code
        for _ in range(7)
    ]
    # Counted in the process's memory until Redis is back (LOGIN_RATE_LIMIT is 5 per minute in the tests).
    assert codes == [401] * 5 + [429] * 2


def test_queuing_work_while_redis_is_unreachable_answers_503_with_retry_after(make_app):
    """The export's row is kept: `recover_stalled_exports` turns it into a retriable error once Redis is back."""
    from sqlalchemy import func, select

    from portal.exports.models import Export
    from tests.conftest import signed_in_client
    from tests.factories import UserFactory

    app = make_app(REDIS_URL=UNREACHABLE)
    with app.app_context():
        upgrade()
        admin = UserFactory()
        client = signed_in_client(app, admin)
        export = client.post("/exports", data={"kind": "click_logs", "query": ""})
        award = client.post("/admin/rewards/rules/award-now")
        assert db.session.scalar(select(func.count()).select_from(Export)) == 1

    for response in (export, award):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "Background work cannot be queued just now" in response.get_data(as_text=True)
