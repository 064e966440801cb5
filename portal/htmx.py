"""The answers every HTMX-aware view shares: does this request want a partial, the page or its partial from
one route, and a response that says it varies on HX-Request."""
from __future__ import annotations

from collections.abc import Callable

from flask import make_response, render_template, request


def partial_wanted() -> bool:
    """True for an HTMX request that swaps a fragment; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def respond(body: str, status: int = 200, **headers):
    response = make_response(body, status)
    response.headers.update(headers)
    response.vary.add("HX-Request")
    return response


def page_or_partial(page: str, partial: str, status: int = 200, headers: dict | None = None, /,
                    page_only: Callable[[], dict] | None = None, **context):
    """The whole page, or only its partial (which the page includes) when HTMX swaps a fragment.

    `page_only` returns what the page shows around its partial (a balance, the filters' choices); it runs only
    when the page is rendered, so a partial never pays for it. Page, partial, status and headers are
    positional-only, so the context may hold a `page` (a page of rows) or a `status` of its own."""
    if partial_wanted():
        template = partial
    else:
        template, context = page, context | (page_only() if page_only else {})
    return respond(render_template(template, **context), status, **(headers or {}))
