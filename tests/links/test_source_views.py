"""Marketing-source pages over HTTP: roles, tenants, create / edit / delete in place."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.links.models import MarketingSource
from tests.factories import ClickFactory, MarketingSourceFactory, TrackingLinkFactory

HX = {"HX-Request": "true"}
URL = "/marketing-sources"


def body(response) -> str:
    return response.get_data(as_text=True)


def source_count() -> int:
    return db.session.scalar(select(func.count(MarketingSource.id)))


@pytest.fixture
def my_source(publisher):
    source = MarketingSourceFactory(publisher=publisher, name="My newsletter", kind="Email")
    db.session.commit()
    return source


@pytest.fixture
def their_source(app):
    source = MarketingSourceFactory(name="Their blog", kind="Content")
    TrackingLinkFactory(publisher=source.publisher, marketing_source=source)
    db.session.commit()
    return source


def edit_data(source, **values):
    prefix = f"source-{source.id}-"
    return {prefix + name: value for name, value in {"name": source.name, "kind": source.kind, "url": "", **values}.items()}


@pytest.mark.parametrize("role_client", ["admin_client", "advertiser_client"])
def test_other_roles_are_forbidden(request, role_client, my_source):
    client = request.getfixturevalue(role_client)
    for url in (URL, f"{URL}/{my_source.id}", f"{URL}/{my_source.id}/edit"):
        assert client.get(url).status_code == 403, url
    for url in (URL, f"{URL}/{my_source.id}/edit", f"{URL}/{my_source.id}/delete"):
        assert client.post(url, data={"name": "X", "kind": "Other"}).status_code == 403, url
    assert source_count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_the_list_shows_only_my_sources_with_my_link_counts(publisher_client, publisher, my_source, their_source):
    TrackingLinkFactory(publisher=publisher, marketing_source=my_source)
    TrackingLinkFactory(publisher=publisher, marketing_source=my_source)
    db.session.commit()
    response = publisher_client.get(URL)
    page = body(response)
    assert response.status_code == 200 and "<html" in page
    assert "My newsletter" in page and "Their blog" not in page
    assert f'source={my_source.id}&amp;status=all">2</a>' in page


def test_another_publishers_source_is_404_on_every_route(publisher_client, their_source):
    sid = their_source.id
    assert publisher_client.get(f"{URL}/{sid}", headers=HX).status_code == 404
    assert publisher_client.get(f"{URL}/{sid}/edit").status_code == 404
    assert publisher_client.post(f"{URL}/{sid}/edit", data=edit_data(their_source, name="Mine now")).status_code == 404
    assert publisher_client.post(f"{URL}/{sid}/delete").status_code == 404
    db.session.refresh(their_source)
    assert their_source.name == "Their blog"


def test_creating_with_htmx_answers_the_new_row_and_a_blank_form_out_of_band(publisher_client, publisher):
    response = publisher_client.post(URL, data={"name": "Spring TikTok", "kind": "Social", "url": "https://tiktok.example/@me"}, headers=HX)
    html = body(response)
    source = db.session.scalar(select(MarketingSource))
    assert response.status_code == 201 and "<html" not in html
    assert (source.publisher_id, source.name, source.kind) == (publisher.id, "Spring TikTok", "Social")
    assert html.lstrip().startswith(f'<tr id="source-{source.id}"')
    assert 'id="no-sources" hx-swap-oob="delete"' in html
    assert 'id="source-create"' in html and 'hx-swap-oob="true"' in html and 'value="Spring TikTok"' not in html.split("source-create")[1]


def test_creating_without_js_redirects_to_the_list(publisher_client):
    response = publisher_client.post(URL, data={"name": "Blog", "kind": "Content"})
    assert response.status_code == 302 and response.headers["Location"] == URL
    assert "Blog" in body(publisher_client.get(URL))


def test_invalid_input_is_400_with_inline_errors_and_what_was_typed(publisher_client, my_source):
    response = publisher_client.post(URL, data={"name": "My Newsletter", "kind": "Email", "url": "javascript:alert(1)"}, headers=HX)
    html = body(response)
    assert response.status_code == 400 and "<html" not in html
    assert response.headers["HX-Retarget"] == "#source-create" and response.headers["HX-Reswap"] == "outerHTML"
    assert "already have a source with this name" in html and 'value="My Newsletter"' in html
    bad_url = publisher_client.post(URL, data={"name": "Fresh", "kind": "Email", "url": "ftp://x.example"})
    assert bad_url.status_code == 400 and "http:// or https://" in body(bad_url) and "<html" in body(bad_url)
    too_long = publisher_client.post(URL, data={"name": "x" * 101, "kind": "Radio"})
    assert too_long.status_code == 400 and "Not a valid choice" in body(too_long)
    assert source_count() == 1


def test_the_same_name_is_fine_for_another_publisher(publisher_client, their_source):
    assert publisher_client.post(URL, data={"name": "Their blog", "kind": "Content"}).status_code == 302


def test_edit_swaps_the_row_for_a_form_and_back(publisher_client, my_source):
    form = publisher_client.get(f"{URL}/{my_source.id}/edit", headers=HX)
    html = body(form)
    assert form.status_code == 200 and html.lstrip().startswith(f'<tr id="source-{my_source.id}"')
    assert f'name="source-{my_source.id}-name"' in html and 'value="My newsletter"' in html
    saved = publisher_client.post(f"{URL}/{my_source.id}/edit", data=edit_data(my_source, name="Weekly mail", kind="Email"), headers=HX)
    assert saved.status_code == 200 and "<td>Weekly mail</td>" in body(saved)
    cancel = publisher_client.get(f"{URL}/{my_source.id}", headers=HX)
    assert cancel.status_code == 200 and "<td>Weekly mail</td>" in body(cancel)
    assert publisher_client.get(f"{URL}/{my_source.id}").status_code == 302


def test_edit_without_js_is_the_full_page_with_that_row_as_a_form(publisher_client, my_source):
    page = body(publisher_client.get(f"{URL}/{my_source.id}/edit"))
    assert "<html" in page and f'name="source-{my_source.id}-name"' in page and 'id="source-create"' in page
    bad = publisher_client.post(f"{URL}/{my_source.id}/edit", data=edit_data(my_source, name=""))
    assert bad.status_code == 400 and "Give the source a name." in body(bad)
    ok = publisher_client.post(f"{URL}/{my_source.id}/edit", data=edit_data(my_source, name="Renamed"))
    assert ok.status_code == 302
    db.session.refresh(my_source)
    assert my_source.name == "Renamed"


def test_edit_refuses_a_duplicate_name_and_keeps_the_row_form(publisher_client, publisher, my_source):
    MarketingSourceFactory(publisher=publisher, name="Blog")
    db.session.commit()
    response = publisher_client.post(f"{URL}/{my_source.id}/edit", data=edit_data(my_source, name="blog"), headers=HX)
    assert response.status_code == 400 and "already have" in body(response) and 'value="blog"' in body(response)
    db.session.refresh(my_source)
    assert my_source.name == "My newsletter"


def test_delete_removes_an_unused_source_in_place(publisher_client, my_source):
    response = publisher_client.post(f"{URL}/{my_source.id}/delete", headers=HX)
    assert response.status_code == 200 and body(response) == ""
    assert source_count() == 0


def test_a_source_used_by_links_is_kept_with_a_clear_message(publisher_client, publisher, my_source):
    TrackingLinkFactory(publisher=publisher, marketing_source=my_source)
    db.session.commit()
    response = publisher_client.post(f"{URL}/{my_source.id}/delete", headers=HX)
    assert response.status_code == 400 and "tags 1 link; move them to another source first." in body(response)
    no_js = publisher_client.post(f"{URL}/{my_source.id}/delete")
    assert no_js.status_code == 302 and "tags 1 link" in body(publisher_client.get(URL))
    assert source_count() == 1


def test_a_source_with_recorded_clicks_is_kept_with_a_clear_message(publisher_client, publisher, my_source):
    ClickFactory(link=TrackingLinkFactory(publisher=publisher), marketing_source_id=my_source.id)
    db.session.commit()
    response = publisher_client.post(f"{URL}/{my_source.id}/delete", headers=HX)
    assert response.status_code == 400 and "has recorded clicks; it stays" in body(response)
    no_js = publisher_client.post(f"{URL}/{my_source.id}/delete")
    assert no_js.status_code == 302 and "has recorded clicks" in body(publisher_client.get(URL))
    assert source_count() == 1


def test_source_names_are_escaped(publisher_client):
    publisher_client.post(URL, data={"name": "<script>x</script>", "kind": "Other"})
    page = body(publisher_client.get(URL))
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
