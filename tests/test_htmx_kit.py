"""The HTML-response kit: a page or its partial from one route, and error pages htmx never swaps in."""
import json
import re

from portal import htmx
from tests.conftest import signed_in_client


def _swaps(rules: list[dict], status: int) -> bool:
    """htmx 2's reading of responseHandling: the first rule whose code pattern is found in the status decides."""
    rule = next((r for r in rules if re.search(r["code"], str(status))), {"swap": False})
    return rule["swap"] and not rule.get("error", False)


def test_one_htmx_config_swaps_form_errors_and_nothing_else(client):
    page = client.get("/login").text
    [config] = re.findall(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    rules = json.loads(config)["responseHandling"]

    assert [status for status in (200, 201, 202, 204, 400, 403, 404, 409, 422, 429, 500, 503)
            if _swaps(rules, status)] == [200, 201, 202, 400, 409]


def test_a_page_and_its_partial_come_from_one_route_that_varies_on_hx_request(app, publisher_user):
    client = signed_in_client(app, publisher_user)
    page = client.get("/links")
    partial = client.get("/links", headers={"HX-Request": "true"})
    restore = client.get("/links", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert page.status_code == partial.status_code == restore.status_code == 200
    assert "<html" in page.text and "<html" in restore.text  # a history restore needs the whole page
    assert "<html" not in partial.text
    assert all("HX-Request" in r.headers["Vary"] for r in (page, partial, restore))


def test_an_htmx_request_refused_with_an_error_page_is_not_swapped_in(app, publisher_user):
    client = signed_in_client(app, publisher_user)
    refused = client.post("/sub-ids", data={"external_id": "x"}, headers={"HX-Request": "true"}, csrf=False)

    assert refused.status_code == 400
    assert "Form expired" in refused.text
    assert refused.headers["HX-Reswap"] == "none"  # base.html swaps 400s: this one is a page, not a form


def test_a_browser_error_page_says_nothing_to_htmx(app, publisher_user):
    refused = signed_in_client(app, publisher_user).post("/sub-ids", data={"external_id": "x"}, csrf=False)

    assert refused.status_code == 400
    assert "HX-Reswap" not in refused.headers


def test_what_only_the_page_shows_is_computed_for_the_page_alone(app, monkeypatch):
    monkeypatch.setattr(htmx, "render_template", lambda name, **context: f"{name} {sorted(context)}")
    calls = []

    def page_only() -> dict:
        calls.append("page_only")
        return {"balance": 300}

    answers = []
    for headers in ({"HX-Request": "true"}, {}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
        with app.test_request_context(headers=headers):
            answers.append(htmx.page_or_partial("page.html", "_rows.html", 400, page_only=page_only, rows=[1]))

    assert [a.get_data(as_text=True) for a in answers] == [
        "_rows.html ['rows']", "page.html ['balance', 'rows']", "page.html ['balance', 'rows']"
    ]
    assert calls == ["page_only", "page_only"]
    assert all(a.status_code == 400 and "HX-Request" in a.headers["Vary"] for a in answers)
