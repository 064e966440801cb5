"""Publisher sub ID pages over HTTP: roles, tenants, HTMX partials, create / edit / delete in place, bulk delete."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.subids.models import SubId
from tests.factories import SubIdFactory
from tests.subids.conftest import HX, body

URL = "/sub-ids"


def count(publisher_id=None) -> int:
    stmt = select(func.count(SubId.id))
    if publisher_id is not None:
        stmt = stmt.where(SubId.publisher_id == publisher_id)
    return db.session.scalar(stmt)


def new(**values):
    return {"external_id": "june_nl", "name": "June newsletter", "description": "", "external_link": "", **values}


def edit_data(sub, **values):
    prefix = f"subid-{sub.id}-"
    fields = {"external_id": sub.external_id, "name": sub.name, "description": sub.description, "external_link": sub.external_link}
    return {prefix + name: value for name, value in {**fields, **values}.items()}


@pytest.mark.parametrize("role_client", ["admin_client", "advertiser_client"])
def test_other_roles_are_forbidden_on_every_route(request, role_client, my_sub):
    client = request.getfixturevalue(role_client)
    for url in (URL, f"{URL}/{my_sub.id}", f"{URL}/{my_sub.id}/edit", f"{URL}/bulk"):
        assert client.get(url).status_code == 403, url
        assert client.get(url, headers=HX).status_code == 403, url
    for url in (URL, f"{URL}/{my_sub.id}/edit", f"{URL}/{my_sub.id}/delete", f"{URL}/bulk-delete", f"{URL}/bulk/preview", f"{URL}/bulk/create"):
        assert client.post(url, data={**new(), "ids": [my_sub.id], "lines": "x", "kind": "paste", "payload": "x"}).status_code == 403, url
    assert count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, my_sub):
    for url in (URL, f"{URL}/{my_sub.id}/edit", f"{URL}/bulk"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"{URL}/{my_sub.id}/delete").status_code == 302
    assert count() == 1


def test_the_list_is_a_full_page_and_its_table_a_partial_for_htmx(publisher_client, my_sub, their_sub):
    page = publisher_client.get(URL)
    assert page.status_code == 200 and "<html" in body(page) and "HX-Request" in page.headers["Vary"]
    assert "spring_promo" in body(page) and "their_secret" not in body(page) and "Their secret" not in body(page)
    partial = publisher_client.get(URL, headers=HX)
    assert partial.status_code == 200 and "<html" not in body(partial) and 'id="subids-table"' in body(partial)
    assert "HX-Request" in partial.headers["Vary"] and "their_secret" not in body(partial)
    restore = publisher_client.get(URL, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in body(restore)


def test_search_filters_by_value_or_name_and_keeps_the_query_in_pager_links(publisher_client, publisher, their_sub):
    for n in range(55):
        SubIdFactory(publisher=publisher, external_id=f"fb_{n:02d}", name=f"Facebook {n}")
    SubIdFactory(publisher=publisher, external_id="tiktok", name="TikTok spring")
    db.session.commit()
    html = body(publisher_client.get(URL, query_string={"q": "FB_"}, headers=HX))
    assert "55 sub IDs" in html and "page 1 of 2" in html and "tiktok" not in html
    assert 'href="/sub-ids?page=2&amp;q=FB_"' in html and 'hx-push-url="true"' in html
    second = body(publisher_client.get(URL, query_string={"q": "fb_", "page": 2}, headers=HX))
    assert "fb_54" in second and "fb_00" not in second
    assert "tiktok" in body(publisher_client.get(URL, query_string={"q": "spring"}, headers=HX))
    assert "No sub IDs match." in body(publisher_client.get(URL, query_string={"q": "their_secret"}, headers=HX))


def test_creating_with_htmx_answers_the_new_row_and_a_blank_form_out_of_band(publisher_client, publisher):
    response = publisher_client.post(URL, data=new(external_link="https://crm.example/42"), headers=HX)
    html = body(response)
    sub = db.session.scalar(select(SubId))
    assert response.status_code == 201 and "<html" not in html
    assert (sub.publisher_id, sub.external_id, sub.name, sub.external_link) == (publisher.id, "june_nl", "June newsletter", "https://crm.example/42")
    assert f'id="subid-{sub.id}"' in html and 'hx-swap-oob="true"' in html and 'id="no-subids" hx-swap-oob="delete"' in html


def test_creating_without_js_redirects_to_the_list(publisher_client):
    response = publisher_client.post(URL, data=new())
    assert response.status_code == 303 and response.headers["Location"].endswith("/sub-ids")
    assert "June newsletter" in body(publisher_client.get(URL))


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"external_id": "june nl!"}, "external_id", "Use only letters A–Z and a–z, digits 0–9, hyphen (-) and underscore (_)"),
        ({"external_id": "x" * 51}, "external_id", "Keep the sub ID to 50 characters (this one has 51)."),
        ({"external_id": ""}, "external_id", "Enter the sub ID value."),
        ({"name": ""}, "name", "Give the sub ID a name."),
        ({"name": "n" * 101}, "name", "Keep the name to 100 characters"),
        ({"description": "d" * 2001}, "description", "Keep the description to 2000 characters"),
        ({"external_link": "javascript:alert(1)"}, "external_link", "Enter a full http:// or https:// address."),
    ],
)
def test_invalid_input_shows_the_error_inline_and_keeps_what_was_typed(publisher_client, values, field, message):
    data = {**new(description="typed notes"), **values}
    response = publisher_client.post(URL, data=data, headers=HX)
    html = body(response)
    assert response.status_code == 400 and response.headers["HX-Retarget"] == "#subid-create"
    assert f'id="{field}-error">{message}' in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html
    for name, value in data.items():
        if value and name != "description":
            assert f'value="{value}"' in html.replace("&#39;", "'").replace("&lt;", "<")
    assert "typed notes" in html or field == "description"
    assert count() == 0


def test_invalid_input_without_js_is_the_whole_page_with_errors(publisher_client):
    response = publisher_client.post(URL, data=new(external_id="bad value"))
    assert response.status_code == 400 and "<html" in body(response) and 'value="bad value"' in body(response)


def test_a_value_i_already_have_is_refused_but_another_publishers_is_fine(publisher_client, my_sub, their_sub):
    dup = publisher_client.post(URL, data=new(external_id="spring_promo"), headers=HX)
    assert dup.status_code == 400 and "You already have this sub ID." in body(dup)
    assert publisher_client.post(URL, data=new(external_id="Spring_Promo"), headers=HX).status_code == 201
    assert publisher_client.post(URL, data=new(external_id="their_secret"), headers=HX).status_code == 201


def test_a_script_name_is_shown_as_text(publisher_client):
    publisher_client.post(URL, data=new(name="<script>alert(1)</script>", description="<b>x</b>"), headers=HX)
    for html in (body(publisher_client.get(URL)), body(publisher_client.get(URL, headers=HX))):
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>x</b>" not in html


def test_editing_in_place_swaps_the_row(publisher_client, my_sub):
    form = publisher_client.get(f"{URL}/{my_sub.id}/edit", headers=HX)
    assert form.status_code == 200 and "<html" not in body(form) and f'value="{my_sub.external_id}"' in body(form)
    saved = publisher_client.post(f"{URL}/{my_sub.id}/edit", data=edit_data(my_sub, name="Spring 2025", external_id="spring_25"), headers=HX)
    assert saved.status_code == 200 and "Spring 2025" in body(saved) and "<form method=\"post\" action=\"/sub-ids/" in body(saved)
    db.session.refresh(my_sub)
    assert (my_sub.external_id, my_sub.name) == ("spring_25", "Spring 2025")
    cancel = publisher_client.get(f"{URL}/{my_sub.id}", headers=HX)
    assert cancel.status_code == 200 and f'id="subid-{my_sub.id}"' in body(cancel)
    assert publisher_client.get(f"{URL}/{my_sub.id}").status_code == 302


def test_editing_with_errors_keeps_the_edit_row_open(publisher_client, publisher, my_sub):
    SubIdFactory(publisher=publisher, external_id="taken")
    db.session.commit()
    response = publisher_client.post(f"{URL}/{my_sub.id}/edit", data=edit_data(my_sub, external_id="taken", name="Typed"), headers=HX)
    assert response.status_code == 400 and "You already have this sub ID." in body(response) and 'value="Typed"' in body(response)
    db.session.refresh(my_sub)
    assert my_sub.external_id == "spring_promo"


def test_editing_without_js_is_a_page_and_redirects(publisher_client, my_sub):
    page = publisher_client.get(f"{URL}/{my_sub.id}/edit")
    assert page.status_code == 200 and "<html" in body(page)
    saved = publisher_client.post(f"{URL}/{my_sub.id}/edit", data=edit_data(my_sub, name="Renamed"))
    assert saved.status_code == 303
    bad = publisher_client.post(f"{URL}/{my_sub.id}/edit", data=edit_data(my_sub, external_link="nope"))
    assert bad.status_code == 400 and "<html" in body(bad) and "http:// or https://" in body(bad)


def test_deleting_in_place_answers_an_empty_row(publisher_client, my_sub):
    response = publisher_client.post(f"{URL}/{my_sub.id}/delete", headers=HX)
    assert response.status_code == 200 and body(response) == ""
    assert count() == 0


def test_deleting_without_a_csrf_token_is_refused(publisher_client, my_sub):
    assert publisher_client.post(f"{URL}/{my_sub.id}/delete", headers=HX, csrf=False).status_code == 400
    assert publisher_client.post(URL, data=new(), csrf=False).status_code == 400
    assert count() == 1


def test_another_publishers_sub_id_is_404_on_every_route(publisher_client, their_sub):
    sid = their_sub.id
    assert publisher_client.get(f"{URL}/{sid}", headers=HX).status_code == 404
    assert publisher_client.get(f"{URL}/{sid}/edit").status_code == 404
    assert publisher_client.get(f"{URL}/{sid}/edit", headers=HX).status_code == 404
    assert publisher_client.post(f"{URL}/{sid}/edit", data=edit_data(their_sub, name="Mine now")).status_code == 404
    assert publisher_client.post(f"{URL}/{sid}/delete", headers=HX).status_code == 404
    assert publisher_client.get(f"{URL}/999999/edit").status_code == 404
    db.session.refresh(their_sub)
    assert their_sub.name == "Their secret campaign"


def test_bulk_delete_deletes_my_ticked_rows_and_never_anothers(publisher_client, publisher, my_sub, their_sub):
    keep = SubIdFactory(publisher=publisher, external_id="keep_me")
    db.session.commit()
    response = publisher_client.post(
        f"{URL}/bulk-delete", data={"ids": [str(my_sub.id), str(their_sub.id), "abc"]}, headers=HX
    )
    html = body(response)
    assert response.status_code == 200 and 'id="subids-table"' in html and "<html" not in html
    assert "Deleted 1 sub ID. 2 selected rows were not found." in html
    assert "keep_me" in html and "their_secret" not in html
    assert count(publisher.id) == 1 and db.session.get(SubId, their_sub.id) is not None
    assert db.session.get(SubId, keep.id) is not None


def test_bulk_delete_of_only_another_publishers_ids_deletes_nothing(publisher_client, their_sub):
    response = publisher_client.post(f"{URL}/bulk-delete", data={"ids": [str(their_sub.id)]})
    assert response.status_code == 303
    assert "Deleted 0 sub IDs. 1 selected row was not found." in body(publisher_client.get(URL))
    assert db.session.get(SubId, their_sub.id) is not None


def test_bulk_delete_keeps_the_search_and_needs_a_selection_and_a_token(publisher_client, publisher, my_sub):
    SubIdFactory(publisher=publisher, external_id="other_one")
    db.session.commit()
    response = publisher_client.post(f"{URL}/bulk-delete", data={"ids": [str(my_sub.id)], "q": "other"}, headers=HX)
    assert 'value="other"' in body(response) and "other_one" in body(response)
    redirect = publisher_client.post(f"{URL}/bulk-delete", data={"ids": ["1"], "q": "x y"})
    assert redirect.headers["Location"].endswith("/sub-ids?q=x+y")
    assert publisher_client.post(f"{URL}/bulk-delete", data={}, headers=HX).status_code == 400
    assert publisher_client.post(f"{URL}/bulk-delete", data={"ids": ["1"]}, headers=HX, csrf=False).status_code == 400
    assert count(publisher.id) == 1
