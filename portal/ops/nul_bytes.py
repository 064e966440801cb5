"""Requests with a NUL byte in the path, the query or a form field are refused with a 400 naming the field:
no text here may hold one, and PostgreSQL refuses it in any statement (a 500 on every route otherwise)."""
from __future__ import annotations

from urllib.parse import unquote_plus

from flask import Flask, request

from portal.ops.errors import error_response

NUL = "\x00"
FORM = "application/x-www-form-urlencoded"


def nul_field() -> str | None:
    """The name of the first request value holding a NUL byte, or None."""
    if NUL in request.path:
        return "the address"
    # The form only when it is parsed already (the CSRF check reads it): a view exempt from that check may raise
    # the form size limit before it parses a large form itself.
    parsed = "form" in request.__dict__
    for values in (request.args, request.form) if parsed else (request.args,):
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                return name
    if not parsed and request.mimetype == FORM:
        # The raw body then: an encoded NUL is "%00" (a typed "%00" arrives as "%2500").
        for pair in request.get_data(cache=True).split(b"&"):
            if b"%00" in pair:
                return unquote_plus(pair.split(b"=", 1)[0].decode("ascii", "replace"))
    return None


def install_nul_guard(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        field = nul_field()
        if field is not None:
            shown = field.replace(NUL, "\\0") or "a field"
            return error_response(400, "Bad Request", f"{shown} contains a NUL byte, which no field accepts.")
        return None
