"""Error pages for people and JSON errors for /api, each carrying the request id."""
from __future__ import annotations

import logging
from html import escape

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from portal.ops.logging import loggable_path

log = logging.getLogger("tracklane.error")
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The database cannot be reached just now. Try again in a minute."
QUEUE_UNAVAILABLE = "Background work cannot be queued just now (Redis is unreachable). Try again in a minute."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached (refused, dropped, or every pooled connection busy),
    not that a statement was wrong: connecting failed (no statement yet), or the driver saw the link drop."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or (isinstance(exc, (OperationalError, InterfaceError)) and exc.statement is None)


def nul_byte_refused(exc: BaseException) -> bool:
    """True when PostgreSQL's driver refused a NUL byte in a value: a request body portal.ops.nul_bytes could not
    read before its view (a multipart form on a route outside the CSRF check) carried one."""
    return isinstance(exc, DataError) and "NUL (0x00)" in str(exc.orig)


def error_response(status: int, title: str, message: str, headers: dict | None = None, bare: bool = False):
    """The error as JSON for /api, else as a page; `bare` skips the page chrome (it reads the signed-in user)."""
    request_id = g.get("request_id", "")
    if wants_json():
        body = jsonify(error=message, trace_id=request_id)
    elif bare:
        body = _bare_error_page(status, title, message, request_id)
    else:
        try:
            body = render_template(
                "errors/error.html", status=status, title=title, message=message, request_id=request_id
            )
        except Exception:  # the page chrome may need what just failed (database, session); still answer
            log.exception("error page failed to render request_id=%s", request_id or "-")
            body = _bare_error_page(status, title, message, request_id)
    headers = dict(headers or {})
    if request.headers.get("HX-Request"):  # base.html swaps 400/409 answers (forms with errors), never an error page
        headers["HX-Reswap"] = "none"
    return body, status, headers


def _bare_error_page(status: int, title: str, message: str, request_id: str) -> str:
    return (
        f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{status} {escape(title)} · Tracklane</title>"
        f"<h1>{status} · {escape(title)}</h1><p>{escape(message)}</p>"
        f"<p><small>Request id: <code>{escape(request_id)}</code></small></p></html>"
    )


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(
            400, "Form expired", "The form was missing its security token. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = dict(exc.get_response().headers) if exc.code in (405, 429) else {}
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        return error_response(exc.code or 500, exc.name, exc.description or exc.name, headers)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        # Log the path without query string or body: those may carry passwords, keys or tokens.
        if isinstance(exc, StatementError):
            exc.hide_parameters = True  # SQL parameters can hold password hashes, API key hashes or tokens
        _rollback()
        if nul_byte_refused(exc):
            return error_response(400, "Bad Request", "A value contains a NUL byte, which no field accepts.")
        if database_unavailable(exc):
            return _unavailable("database", getattr(exc, "orig", None) or exc, UNAVAILABLE, bare=True)
        if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):  # queuing a job while Redis is away
            return _unavailable("redis", exc, QUEUE_UNAVAILABLE, bare=False)
        log.exception(
            "unhandled error on %s %s request_id=%s",
            request.method,
            loggable_path(request.path),
            g.get("request_id", "-"),
        )
        return error_response(
            500, "Internal Server Error", "Something went wrong on our side. Quote the request id when you report it."
        )


def _unavailable(part: str, cause: BaseException, message: str, bare: bool):
    """503 with Retry-After for a part that is down, not broken: the client should simply try again."""
    log.error(
        "%s unavailable on %s %s request_id=%s: %s",
        part,
        request.method,
        loggable_path(request.path),
        g.get("request_id", "-"),
        cause,
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error_response(503, "Service Unavailable", message, headers, bare=bare)


def _rollback() -> None:
    """A failed transaction must not poison the error page's own queries (the signed-in user)."""
    from portal.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
