"""The two answers every HTMX-aware view shares: does this request want a partial, and a response that
says it varies on HX-Request."""
from __future__ import annotations

from flask import make_response, request


def partial_wanted() -> bool:
    """True for an HTMX request that swaps a fragment; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def respond(body: str, status: int = 200, **headers):
    response = make_response(body, status)
    response.headers.update(headers)
    response.vary.add("HX-Request")
    return response
