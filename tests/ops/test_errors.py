"""Unexpected errors: JSON for /api, a page for people, the request id in both and in the log."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.ops.logging import REQUEST_ID_HEADER


@pytest.fixture
def failing_app(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    @app.get("/sql-boom")
    def sql_boom():
        secret = "-".join(["pa55word", "in", "sql", "param"])  # built at run time: tracebacks show source lines
        db.session.execute(text("SELECT * FROM no_such_table WHERE secret = :s"), {"s": secret})

    return app


@pytest.fixture
def error_log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def _error_records(caplog):
    return [r for r in caplog.records if r.name == "tracklane.error"]


def test_a_500_on_an_api_path_is_json_with_the_trace_id_and_is_logged(failing_app, error_log):
    response = failing_app.test_client().get("/api/v1/boom?token=t0ken-in-query")
    request_id = response.headers[REQUEST_ID_HEADER]
    assert response.status_code == 500
    assert response.is_json
    assert response.get_json()["trace_id"] == request_id
    assert "kaboom" not in response.get_data(as_text=True)
    [record] = _error_records(error_log)
    assert record.levelno == logging.ERROR and record.exc_info
    assert f"request_id={request_id}" in record.getMessage()
    assert "GET /api/v1/boom" in record.getMessage()
    assert "t0ken-in-query" not in error_log.text


def test_a_500_elsewhere_is_an_html_page_with_the_request_id(failing_app, error_log):
    response = failing_app.test_client().get("/boom", headers={REQUEST_ID_HEADER: "trace-from-proxy-1"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "trace-from-proxy-1" in page and "500" in page
    assert "<title>500 Internal Server Error · Tracklane</title>" in page and "property object" not in page
    assert "kaboom" not in page
    assert "request_id=trace-from-proxy-1" in _error_records(error_log)[0].getMessage()
    # The request line is logged too, with the 500.
    assert any(r.getMessage().startswith("GET /boom 500 ") for r in error_log.records if r.name == "tracklane.request")


def test_sql_parameters_never_reach_the_error_log(failing_app, error_log):
    response = failing_app.test_client().get("/sql-boom")
    assert response.status_code == 500
    assert _error_records(error_log)
    assert "no_such_table" in error_log.text  # the statement helps; its values might be secrets
    assert "pa55word-in-sql-param" not in error_log.text


def test_a_404_on_an_api_path_is_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.get_json()["trace_id"] == response.headers[REQUEST_ID_HEADER]


def test_a_404_page_is_html_with_the_request_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert response.headers[REQUEST_ID_HEADER] in response.get_data(as_text=True)
