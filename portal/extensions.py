"""Flask extensions, created unbound; `create_app` binds them."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Flask-Limiter writes its wait under this name on every limited answer (RATELIMIT_HEADER_RETRY_AFTER);
# `retry_after_on_refusals` turns it into Retry-After on a 429 and drops it everywhere else.
LIMITER_RETRY_AFTER = "X-Limiter-Retry-After"


def retry_after_on_refusals(response):
    """Retry-After only where the client must wait: the limiter's on a 429; a 503 keeps its own."""
    wait = response.headers.pop(LIMITER_RETRY_AFTER, None)
    if wait is not None and response.status_code == 429:
        response.headers["Retry-After"] = wait
    return response
