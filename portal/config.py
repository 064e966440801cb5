"""Settings from the environment, with embedded defaults for a laptop and fail-fast rules for production."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.jsontext import json_column_text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEAK_SECRETS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot give a safe configuration."""


def instance_path() -> Path:
    return Path(os.environ.get("TRACKLANE_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def _secret_key(env: str, folder: Path) -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key and key not in WEAK_SECRETS and len(key) >= 16:
        return key
    if env == "production":
        raise ConfigError(
            "SECRET_KEY is missing or too weak: production needs at least 16 random characters, "
            "e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    # Development: one random key kept in instance/ so sessions survive restarts and every process agrees.
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _database_url(folder: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):  # the scheme Heroku-style hosts hand out
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url or f"sqlite:///{folder / 'tracklane.db'}"


def engine_options(config: dict) -> dict:
    """The engine options for the configured database: on PostgreSQL a connect timeout, so a database host that
    drops packets costs a request `DATABASE_CONNECT_TIMEOUT` seconds and a 503, not the kernel's TCP timeout."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        timeout = {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]}
        options["connect_args"] = {**timeout, **options.get("connect_args", {})}
    return options


def load_config() -> dict:
    """Read the environment once and return the Flask config mapping."""
    env = os.environ.get("TRACKLANE_ENV", "development")
    folder = instance_path()
    https = os.environ.get("TRACKLANE_HTTPS", "1" if env == "production" else "0") == "1"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": _secret_key(env, folder),
        "SQLALCHEMY_DATABASE_URI": _database_url(folder),
        # JSON columns keep numbers as sent: a Decimal is written digit for digit (json.dumps refuses it).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": json_column_text},
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")),  # seconds, PostgreSQL only
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "EMBEDDED_REDIS_FILE": str(folder / "redis.db"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "EVENTS_RATE_LIMIT": os.environ.get("EVENTS_RATE_LIMIT", "1200 per minute"),  # per API key
        # Event times the events API accepts around the moment a body arrives: NGR reports and backfills
        # up to a year and a month late, senders' clocks up to a quarter of an hour fast.
        "EVENTS_MAX_AGE_DAYS": int(os.environ.get("EVENTS_MAX_AGE_DAYS", "400")),
        "EVENTS_MAX_FUTURE_MINUTES": int(os.environ.get("EVENTS_MAX_FUTURE_MINUTES", "15")),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute"),  # failed sign-ins per address and email
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute"),  # ... per address
        "REWARDS_API_RATE_LIMIT": os.environ.get("REWARDS_API_RATE_LIMIT", "5000 per hour"),  # per API key
        "RATELIMIT_HEADERS_ENABLED": True,
        # With Redis unreachable, each process counts the limits in memory instead of failing the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Argon2id cost; tests lower it, production keeps the library's recommended defaults.
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("PASSWORD_HASH_TIME_COST", "3")),
        "PASSWORD_HASH_MEMORY_COST": int(os.environ.get("PASSWORD_HASH_MEMORY_COST", "65536")),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # Behind a load balancer: how many proxies' X-Forwarded-* headers to trust (0 = none).
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
        # A header the trusted proxy sets with the visitor's ISO country, e.g. CF-IPCountry.
        "GEO_COUNTRY_HEADER": os.environ.get("GEO_COUNTRY_HEADER", ""),
        # A MaxMind-format country database (GeoLite2-Country, DB-IP Lite …) for visitors without that header.
        "GEOIP_DATABASE": os.environ.get("GEOIP_DATABASE", ""),
        # A log line for every served click and impression (refused and failed ones are always logged).
        "TRAFFIC_LOG": os.environ.get("TRAFFIC_LOG", "0") == "1",
        # Download center: days a finished export's file is kept, minutes a download link stays valid,
        # rows an export job writes between progress reports (and cancel checks).
        "EXPORT_RETENTION_DAYS": int(os.environ.get("EXPORT_RETENTION_DAYS", "7")),
        "EXPORT_LINK_MINUTES": int(os.environ.get("EXPORT_LINK_MINUTES", "60")),
        "EXPORT_CHUNK_ROWS": int(os.environ.get("EXPORT_CHUNK_ROWS", "10000")),
    }
