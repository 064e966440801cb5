"""Error pages for people and JSON errors for /api, each carrying the request id."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.ops.logging import loggable_path

log = logging.getLogger("tracklane.error")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_response(status: int, title: str, message: str, headers: dict | None = None):
    request_id = g.get("request_id", "")
    if wants_json():
        body = jsonify(error=message, trace_id=request_id)
    else:
        body = render_template("errors/error.html", status=status, title=title, message=message, request_id=request_id)
    return body, status, headers or {}


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "Form expired", "The form was missing its security token. Reload the page and try again.")

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
        log.exception("unhandled error on %s %s request_id=%s", request.method, loggable_path(request.path), g.get("request_id", "-"))
        return error_response(500, InternalServerError.name, "Something went wrong on our side. Quote the request id when you report it.")
