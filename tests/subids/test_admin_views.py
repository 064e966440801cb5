"""Admin blocked sub ID pages over HTTP, and the click endpoint honouring what they change at once."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.subids.models import BlockedSubId
from tests.factories import OfferFactory, PublisherFactory, TrackingLinkFactory
from tests.subids.conftest import HX, body
from tests.tracking.conftest import BROWSER_UA

URL = "/admin/blocked-sub-ids"


def block_count() -> int:
    return db.session.scalar(select(func.count(BlockedSubId.id)))


@pytest.fixture
def link(app):
    offer = OfferFactory(name="Alpha Casino", destination_url="https://brand.example/join", fallback_url="https://brand.example/fallback")
    created = TrackingLinkFactory(offer=offer)
    db.session.commit()
    return created


@pytest.fixture
def block(link):
    row = BlockedSubId(publisher_id=link.publisher_id, offer_id=link.offer_id, sub_id="fraudy", description="incentivised")
    db.session.add(row)
    db.session.commit()
    return row


def new(link, **values):
    return {"publisher_id": link.publisher_id, "offer_id": link.offer_id, "sub_id": "bad_src", "description": "bot farm", **values}


@pytest.mark.parametrize("role_client", ["publisher_client", "advertiser_client"])
def test_other_roles_are_forbidden_on_every_route(request, role_client, link, block):
    client = request.getfixturevalue(role_client)
    for url in (URL, f"{URL}/{block.id}", f"{URL}/{block.id}/edit"):
        assert client.get(url).status_code == 403, url
    for url in (URL, f"{URL}/{block.id}/edit", f"{URL}/{block.id}/delete", f"{URL}/bulk-delete"):
        assert client.post(url, data={**new(link), "ids": [block.id]}).status_code == 403, url
    assert block_count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_the_list_is_a_page_and_its_table_a_partial_filtered_by_publisher_offer_and_text(admin_client, link, block):
    other = BlockedSubId(publisher_id=PublisherFactory(name="Zed Media").id, offer_id=OfferFactory(name="Beta Bingo").id, sub_id="other_src")
    db.session.add(other)
    db.session.commit()
    page = admin_client.get(URL)
    assert page.status_code == 200 and "<html" in body(page) and "HX-Request" in page.headers["Vary"]
    assert "fraudy" in body(page) and "other_src" in body(page) and "Alpha Casino" in body(page)
    partial = admin_client.get(URL, query_string={"publisher": link.publisher_id}, headers=HX)
    assert partial.status_code == 200 and "<html" not in body(partial)
    assert "fraudy" in body(partial) and "other_src" not in body(partial)
    assert "other_src" in body(admin_client.get(URL, query_string={"offer": other.offer_id}, headers=HX))
    assert "fraudy" not in body(admin_client.get(URL, query_string={"offer": other.offer_id}, headers=HX))
    assert "fraudy" in body(admin_client.get(URL, query_string={"q": "INCENTIV"}, headers=HX))
    # A filter value that is not a choice is ignored, never a 500.
    assert admin_client.get(URL, query_string={"publisher": "x", "offer": "999999"}).status_code == 200


def test_creating_with_htmx_redraws_the_table_and_a_fresh_form(admin_client, link):
    response = admin_client.post(URL, data=new(link), headers=HX)
    html = body(response)
    assert response.status_code == 201 and "<html" not in html and 'id="blocked-table"' in html
    assert "bad_src" in html and 'id="block-create"' in html and 'hx-swap-oob="true"' in html
    row = db.session.scalar(select(BlockedSubId))
    assert (row.publisher_id, row.offer_id, row.sub_id, row.description) == (link.publisher_id, link.offer_id, "bad_src", "bot farm")


def test_creating_without_js_redirects(admin_client, link):
    response = admin_client.post(URL, data=new(link))
    assert response.status_code == 303 and block_count() == 1


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"sub_id": "x" * 31}, "sub_id", "Keep the sub ID to 30 characters (this one has 31)."),
        ({"sub_id": "bad src"}, "sub_id", "Use only letters"),
        ({"sub_id": ""}, "sub_id", "Enter the sub ID value."),
        ({"publisher_id": ""}, "publisher_id", "Pick a publisher."),
        ({"offer_id": "999999"}, "offer_id", "Pick an offer."),
        ({"description": "d" * 256}, "description", "Keep the description to 255 characters"),
    ],
)
def test_invalid_blocks_show_inline_errors_and_keep_what_was_typed(admin_client, link, values, field, message):
    response = admin_client.post(URL, data=new(link, **values), headers=HX)
    html = body(response)
    assert response.status_code == 400 and response.headers["HX-Retarget"] == "#block-create"
    assert f'id="{field}-error">{message}' in html.replace("&#39;", "'")
    assert block_count() == 0
    assert 'value="bot farm"' in html or field == "description"
    page = admin_client.post(URL, data=new(link, **values))
    assert page.status_code == 400 and "<html" in body(page)


def test_a_value_is_blocked_once_per_publisher_and_offer(admin_client, link, block):
    response = admin_client.post(URL, data=new(link, sub_id="fraudy"), headers=HX)
    assert response.status_code == 400 and "already blocked for this publisher and offer" in body(response)


def test_editing_changes_the_description_only(admin_client, block):
    form = admin_client.get(f"{URL}/{block.id}/edit", headers=HX)
    assert form.status_code == 200 and 'value="incentivised"' in body(form) and "<html" not in body(form)
    saved = admin_client.post(f"{URL}/{block.id}/edit", data={f"block-{block.id}-description": "<script>x</script>", f"block-{block.id}-sub_id": "hijack"}, headers=HX)
    assert saved.status_code == 200 and "&lt;script&gt;x&lt;/script&gt;" in body(saved) and "<script>x" not in body(saved)
    db.session.refresh(block)
    assert (block.sub_id, block.description) == ("fraudy", "<script>x</script>")
    bad = admin_client.post(f"{URL}/{block.id}/edit", data={f"block-{block.id}-description": "d" * 256}, headers=HX)
    assert bad.status_code == 400 and "255 characters" in body(bad)
    assert admin_client.get(f"{URL}/{block.id}/edit").status_code == 200
    assert admin_client.get(f"{URL}/{block.id}", headers=HX).status_code == 200


def test_unknown_blocks_are_404(admin_client):
    assert admin_client.get(f"{URL}/999999/edit").status_code == 404
    assert admin_client.get(f"{URL}/999999", headers=HX).status_code == 404
    assert admin_client.post(f"{URL}/999999/delete").status_code == 404


def test_deleting_and_bulk_deleting(admin_client, link, block):
    second = BlockedSubId(publisher_id=link.publisher_id, offer_id=link.offer_id, sub_id="second")
    third = BlockedSubId(publisher_id=link.publisher_id, offer_id=link.offer_id, sub_id="third")
    db.session.add_all([second, third])
    db.session.commit()
    one = admin_client.post(f"{URL}/{block.id}/delete", headers=HX)
    assert one.status_code == 200 and body(one) == ""
    many = admin_client.post(f"{URL}/bulk-delete", data={"ids": [str(second.id), "424242"]}, headers=HX)
    assert many.status_code == 200 and "Deleted 1 block. 1 selected row was not found." in body(many)
    assert [b.sub_id for b in db.session.scalars(select(BlockedSubId))] == ["third"]
    assert admin_client.post(f"{URL}/bulk-delete", data={}, headers=HX).status_code == 400
    assert admin_client.post(f"{URL}/bulk-delete", data={"ids": [str(third.id)]}, csrf=False).status_code == 400
    assert block_count() == 1


# ---------------------------------------------------------------- end to end with the click endpoint


def click(client, link, **subs):
    return client.get(f"/api/v1/track/click/{link.public_id}", query_string=subs, headers={"User-Agent": BROWSER_UA})


def test_a_block_made_on_the_admin_page_applies_to_the_next_click_and_its_removal_too(admin_client, client, link):
    before = click(client, link, sub1="bad_src")
    assert before.status_code == 302 and "click_id=" in before.headers["Location"]  # the link is now in the click cache
    assert admin_client.post(URL, data=new(link), headers=HX).status_code == 201
    blocked = click(client, link, sub1="bad_src")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "https://brand.example/fallback"
    assert "click_id" not in blocked.headers["Location"]
    elsewhere = click(client, link, sub3="bad_src")
    assert elsewhere.headers["Location"] == "https://brand.example/fallback"  # any of sub1–sub5
    assert "click_id=" in click(client, link, sub1="Bad_src").headers["Location"]  # compared exactly
    row = db.session.scalar(select(BlockedSubId))
    assert admin_client.post(f"{URL}/{row.id}/delete", headers=HX).status_code == 200
    assert "click_id=" in click(client, link, sub1="bad_src").headers["Location"]


def test_a_block_only_affects_its_publisher_and_offer(admin_client, client, link):
    same_publisher_other_offer = TrackingLinkFactory(publisher_id=link.publisher_id, offer=OfferFactory(fallback_url="https://x.example/f"))
    db.session.commit()
    admin_client.post(URL, data=new(link))
    assert "click_id=" in click(client, same_publisher_other_offer, sub1="bad_src").headers["Location"]
