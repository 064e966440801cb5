"""Request ids and request logs: one line per request, never a password, key or token."""
from __future__ import annotations

import logging

import pytest

from portal.ops.logging import REQUEST_ID_HEADER, loggable_path


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="tracklane.request")
    return caplog


def _lines(caplog, logger="tracklane.request"):
    return [record.getMessage() for record in caplog.records if record.name == logger]


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers[REQUEST_ID_HEADER]
    second = client.get("/healthz").headers[REQUEST_ID_HEADER]
    assert len(first) == 16 and first != second


def test_a_safe_incoming_request_id_is_reused(client, request_log):
    response = client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-4f2a9c_77.x"})
    assert response.headers[REQUEST_ID_HEADER] == "lb-4f2a9c_77.x"
    assert _lines(request_log)[-1].endswith("request_id=lb-4f2a9c_77.x")


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "<script>alert(1)</script>", "x" * 65])
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    assert client.get("/healthz", headers={REQUEST_ID_HEADER: incoming}).headers[REQUEST_ID_HEADER] != incoming


def test_one_log_line_per_request_with_method_path_status_and_id(client, request_log):
    response = client.get("/healthz")
    client.get("/no-such-page")
    lines = _lines(request_log)
    assert len(lines) == 2
    assert lines[0].startswith("GET /healthz 200 ")
    assert lines[0].endswith(f"request_id={response.headers[REQUEST_ID_HEADER]}")
    assert lines[1].startswith("GET /no-such-page 404 ")


def test_report_tokens_in_paths_are_masked_and_query_strings_never_logged(client, request_log):
    client.get("/api/v1/reports/tok_S3cretReportToken?format=json&api_key=k3y-in-query")
    text = request_log.text
    assert "/api/v1/reports/[token]" in text
    assert "S3cretReportToken" not in text and "k3y-in-query" not in text


def test_form_bodies_are_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/login", data={"email": "someone@example.com", "password": "hunter2-Secret!"})
    assert _lines(caplog)  # the request itself was logged
    assert "hunter2-Secret!" not in caplog.text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/v1/reports/abc123", "/api/v1/reports/[token]"),
        ("/api/v1/reports/abc123/extra", "/api/v1/reports/[token]/extra"),
        ("/api/v1/reportsabc", "/api/v1/reportsabc"),
        ("/reports/abc123", "/reports/abc123"),
    ],
)
def test_loggable_path_masks_only_report_tokens(path, logged):
    assert loggable_path(path) == logged
