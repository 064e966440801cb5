"""The common case of the two traffic endpoints, answered without Flask's request machinery.

A click on a known, live link with well-formed arguments, and a pixel for a known creative, are served
here straight from the WSGI environ: no request context, URL routing, Response object or after-request
hooks. Everything else (an unknown or expired cache entry, a malformed argument, a blocked sub ID, a
fallback, HEAD requests, storage that failed) is handed to the Flask tracking app, which stays the one
place for those rules and fills the cache the next request reads. Both paths record through the same
service functions."""
from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.urls import iri_to_uri

from portal.links.click_params import ClickRefused, check_relative_path, check_subs
from portal.ops.logging import REQUEST_ID_HEADER, loggable_path, request_id, traffic_log
from portal.security import NOSNIFF
from portal.tracking import service
from portal.tracking.api import NO_CACHE, PIXEL, impression_matches
from portal.tracking.bots import is_bot
from portal.tracking.geo import visitor_country
from portal.tracking.targets import cached_target

CLICK_PREFIX = "/api/v1/track/click/"
IMPRESSION_PREFIX = "/api/v1/track/impression/"
# The fast path's answers skip the security-header middleware: they carry its one header themselves.
_NO_CACHE_HEADERS = [*NO_CACHE.items(), NOSNIFF]
_PIXEL_HEADERS = [("Content-Type", "image/gif"), ("Content-Length", str(len(PIXEL))), *_NO_CACHE_HEADERS]


def _args(environ) -> dict[str, str]:
    """The query string's first value per name, decoded as werkzeug's `request.args.get` decodes it."""
    args: dict[str, str] = {}
    for name, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        args.setdefault(name, value)
    return args


def _header(environ, name: str) -> str:
    return environ.get("HTTP_" + name.upper().replace("-", "_"), "")


class FastTracking:
    """WSGI: serve the common case of a click or an impression here, delegate the rest to `flask_app`."""

    def __init__(self, flask_app: Flask):
        self.flask_app = flask_app
        self.delegate = flask_app.wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET":
            try:
                if path.startswith(CLICK_PREFIX):
                    answer = self._click(environ, path[len(CLICK_PREFIX):])
                elif path.startswith(IMPRESSION_PREFIX):
                    answer = self._impression(environ, path[len(IMPRESSION_PREFIX):])
                else:
                    answer = None
            except (RedisError, SQLAlchemyError):  # nothing was stored (Redis and the database down): Flask answers
                answer = None
            if answer is not None:
                return self._respond(environ, start_response, started, *answer)
        return self.delegate(environ, start_response)

    def _click(self, environ, public_id: str):
        hit, target = cached_target(self.flask_app, "link", public_id)
        if not hit or target is None or not target.live:
            return None
        args = _args(environ)
        try:
            subs, truncated = check_subs(args)
            relative_path = check_relative_path(args.get("relativepath", ""))
        except ClickRefused:
            return None  # the Flask route renders the 400 page
        if service.is_blocked(target, subs):
            return None
        geo = self.flask_app.config.get("GEO_COUNTRY_HEADER")
        ip = environ.get("REMOTE_ADDR") or ""
        visit = service.ClickRequest(
            subs=subs,
            subs_truncated=truncated,
            relative_path=relative_path,
            user_agent=_header(environ, "User-Agent"),
            referrer=_header(environ, "Referer"),
            ip=ip,
            country=visitor_country(self.flask_app, _header(environ, geo) if geo else None, ip),
            purpose=_header(environ, "Sec-Purpose") or _header(environ, "Purpose"),
        )
        click_id = service.record_click(
            self.flask_app, target, visit, bot=is_bot(visit.user_agent, visit.purpose), blocked=False
        )
        location = service.redirect_url(target.destination, relative_path, str(click_id))
        if not location.isascii():
            location = iri_to_uri(location)
        return "302 FOUND", [("Location", location), ("Content-Length", "0"), *_NO_CACHE_HEADERS], b""

    def _impression(self, environ, public_id: str):
        hit, creative = cached_target(self.flask_app, "creative", public_id)
        if not hit:
            return None
        args = _args(environ)
        if creative is not None:
            hit, link = cached_target(self.flask_app, "link", args.get("lid", ""))
            if not hit:
                return None
            if link is not None and impression_matches(creative, link, args.get("aid", "")):
                service.record_impression(self.flask_app, creative.id, link.id, link.publisher_id)
            else:
                service.record_impression(self.flask_app, creative.id, None, None)  # unattributed
        return "200 OK", list(_PIXEL_HEADERS), PIXEL

    def _respond(self, environ, start_response, started: float, status: str, headers: list, body: bytes):
        rid = request_id(_header(environ, REQUEST_ID_HEADER))
        headers.append((REQUEST_ID_HEADER, rid))
        start_response(status, headers)
        if traffic_log.isEnabledFor(logging.INFO):
            traffic_log.info(
                "%s %s %s %.1fms request_id=%s",
                "GET",
                loggable_path(environ.get("PATH_INFO", "")),
                status[:3],
                (time.perf_counter() - started) * 1000,
                rid,
            )
        return [body]
