"""Security headers for every response of the process, the traffic endpoints' fast path included.

| response                               | headers added (a header the response already sets wins)                |
| -------------------------------------- | ---------------------------------------------------------------------- |
| any                                    | X-Content-Type-Options: nosniff                                        |
| an HTML page (text/html, not a 3xx)    | Content-Security-Policy, X-Frame-Options: DENY, Referrer-Policy        |
| anything else: click redirects, pixels | nothing more: a Referrer-Policy on the click redirect would replace the |
| banners, report pulls, JSON            | publisher page's own for the hop to the advertiser, and pixels and     |
|                                        | banners load on other sites, so no Cross-Origin-Resource-Policy either |

A WSGI middleware rather than an `after_request` hook, installed on the portal and on the traffic endpoints'
Flask app (portal/tracking/wsgi.py). The click and impression fast path answers before both: it adds NOSNIFF
from its constant header list, so the hot path does no header work per request."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask

# Scripts and styles only from our own static files (no inline code, no eval); images also as data: URIs
# (Pico's form icons) and from the public base URL (the embed code's banner preview); never framed.
PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}
NOSNIFF = ("X-Content-Type-Options", "nosniff")


@lru_cache(maxsize=8)
def page_headers(public_base_url: str) -> tuple[tuple[str, str], ...]:
    """The headers of an HTML page, with banner previews allowed from `public_base_url`'s origin."""
    policy = dict(PAGE_POLICY)
    parts = urlsplit(public_base_url)
    if parts.scheme and parts.netloc:
        policy["img-src"] += f" {parts.scheme}://{parts.netloc}"
    return (
        ("Content-Security-Policy", "; ".join(f"{name} {value}" for name, value in policy.items())),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        NOSNIFF,
    )


class SecurityHeaders:
    """WSGI middleware: add the headers of the table above to each response as it starts."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower(): value for name, value in headers}
            if status[0] != "3" and present.get("content-type", "").startswith("text/html"):
                base_url = self.config.get("PUBLIC_BASE_URL", "")
                headers.extend(pair for pair in page_headers(base_url) if pair[0].lower() not in present)
            elif "x-content-type-options" not in present:
                headers.append(NOSNIFF)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def install_security_headers(app: Flask) -> None:
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config)
