"""Tracklane's app factory: configuration, extensions, models, blueprints, errors and commands."""
from __future__ import annotations

import importlib
import os

from flask import Flask

import portal.sqlite  # noqa: F401  (connection settings for the embedded database)
from portal import formatting, timezones
from portal.config import PROJECT_ROOT, engine_options, instance_path, load_config
from portal.security import install_security_headers

# Every domain package; each may hold models.py, views.py / api.py (blueprints) and cli.py.
DOMAINS = (
    "accounts",
    "network",
    "links",
    "creatives",
    "subids",
    "tracking",
    "events",
    "conversions",
    "reports",
    "exports",
    "logs",
    "rewards",
    "audit",
    "dashboard",
    "ops",
    "demo",
)


def create_app(overrides: dict | None = None) -> Flask:
    """Build a configured app; `overrides` replace settings read from the environment (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(instance_path()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config())
    app.config.update(overrides or {})
    register_converters(app)
    register_redis(app)
    register_extensions(app)
    register_domains(app)
    timezones.register_template_filters(app)
    formatting.register_template_filters(app)
    register_logging(app)
    register_errorhandlers(app)
    register_commands(app)
    register_periodic_jobs(app)
    install_security_headers(app)  # before the traffic endpoints are mounted: their fast path sends its own
    register_tracking(app)
    register_proxies(app)
    return app


def register_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from exactly as many proxies as configured, no more."""
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_converters(app: Flask) -> None:
    """Before any route is added: `<int:…>` matches only numbers an id column can hold."""
    from portal.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_redis(app: Flask) -> None:
    from portal.queues import connect_redis, redis_url_for

    conn = connect_redis(app)
    app.extensions["tracklane.redis"] = conn
    url = redis_url_for(conn)
    app.config.setdefault("RATELIMIT_STORAGE_URI", url.replace("unix://", "redis+unix://", 1))


def register_extensions(app: Flask) -> None:
    from portal.accounts.auth import load_user
    from portal.extensions import (
        LIMITER_RETRY_AFTER,
        csrf,
        db,
        htmx,
        limiter,
        login_manager,
        migrate,
        retry_after_on_refusals,
    )

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    # Not Retry-After itself: the limiter would send it on every 2xx and stretch a 503's own to its reset.
    app.config["RATELIMIT_HEADER_RETRY_AFTER"] = LIMITER_RETRY_AFTER
    # Registered before the limiter's own hook, so it runs after it (Flask runs after_request hooks last first).
    app.after_request(retry_after_on_refusals)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    with app.app_context():
        engine = db.engine
    # A forked RQ work-horse must not reuse the parent's pooled connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def register_domains(app: Flask) -> None:
    """Import each domain's models, then register the blueprints its package's `blueprints()` returns.

    Packages import their views only inside `blueprints()` and `commands()`, so importing a domain's
    models never drags in another domain's views (and never forms an import cycle)."""
    for name in DOMAINS:
        _import_optional(f"portal.{name}.models")
    for name in DOMAINS:
        for blueprint in _hook(name, "blueprints"):
            app.register_blueprint(blueprint)


def _hook(domain: str, name: str) -> tuple:
    hook = getattr(importlib.import_module(f"portal.{domain}"), name, ())
    return tuple(hook() if callable(hook) else hook)


def _import_optional(module: str) -> None:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as missing:
        if missing.name != module:
            raise


def register_logging(app: Flask) -> None:
    from portal.ops.logging import install_request_logging

    install_request_logging(app)


def register_errorhandlers(app: Flask) -> None:
    from portal.ops.errors import install_error_handlers
    from portal.ops.nul_bytes import install_nul_guard

    install_error_handlers(app)
    install_nul_guard(app)


def register_tracking(app: Flask) -> None:
    from portal.tracking.wsgi import mount_tracking

    mount_tracking(app)


def register_commands(app: Flask) -> None:
    for name in DOMAINS:
        for command in _hook(name, "commands"):
            app.cli.add_command(command)


def register_periodic_jobs(app: Flask) -> None:
    """Each domain's (job, seconds between runs), for `flask scheduler`."""
    app.extensions["periodic_jobs"] = tuple(job for name in DOMAINS for job in _hook(name, "periodic_jobs"))
