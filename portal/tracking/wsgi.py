"""The traffic endpoints run as their own lean WSGI app in the same process: no rate limiter, CSRF or
sign-in hooks on every click. It shares the portal's settings, extensions (database, Redis, caches)
and logging; the portal keeps build-only routes so `url_for('tracking.click', …)` still works."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SessionInterface

from portal.extensions import db
from portal.ops.errors import install_error_handlers
from portal.ops.logging import install_request_logging, traffic_log
from portal.security import install_security_headers
from portal.tracking.api import bp
from portal.tracking.fastpath import FastTracking

PREFIX = "/api/v1/track/"


class NoSession(SessionInterface):
    """Traffic endpoints never read or write the portal session: skip decoding its cookie."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


class TrackingDispatcher:
    """Send /api/v1/track/… to the tracking app and everything else to the portal."""

    def __init__(self, portal_wsgi, tracking_wsgi):
        self.portal_wsgi = portal_wsgi
        self.tracking_wsgi = tracking_wsgi

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return self.tracking_wsgi(environ, start_response)
        return self.portal_wsgi(environ, start_response)


def mount_tracking(portal: Flask) -> Flask:
    tracking = Flask(__name__, root_path=portal.root_path, template_folder=portal.template_folder, static_folder=None)
    tracking.config = portal.config  # the same object: later changes apply to both
    db.init_app(tracking)
    # One set of extensions for both apps: the same Redis client, caches and SQLAlchemy registry.
    tracking.extensions = portal.extensions
    tracking.session_interface = NoSession()
    tracking.register_blueprint(bp)
    install_request_logging(tracking, served=traffic_log)
    install_error_handlers(tracking)
    for rule in tracking.url_map.iter_rules():
        if rule.endpoint != "static":
            portal.add_url_rule(rule.rule, endpoint=rule.endpoint, build_only=True)
    install_security_headers(tracking)  # what Flask answers here; the fast path's answers carry their own
    portal.wsgi_app = TrackingDispatcher(portal.wsgi_app, FastTracking(tracking))
    portal.extensions["tracklane.tracking_app"] = tracking
    return tracking
