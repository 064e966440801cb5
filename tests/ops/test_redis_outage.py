"""With Redis unreachable the portal keeps answering: sign-in works, and failed attempts are still limited."""
from __future__ import annotations

from flask_migrate import upgrade

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
