"""The publisher page's blocked sub IDs: list, block and unblock in place (the rules are portal.subids.blocked's),
audited, admins only, another publisher's block is a 404, and the next click obeys at once."""
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.subids.models import BlockedSubId
from portal.tracking.targets import clear_cache
from tests.factories import OfferFactory, PublisherFactory, TrackingLinkFactory
from tests.network.conftest import HX, body
from tests.tracking.conftest import BROWSER_UA


@pytest.fixture(autouse=True)
def fresh_tracking_cache(app):
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def link(app):
    offer = OfferFactory(name="Alpha Casino", destination_url="https://brand.example/join", fallback_url="https://brand.example/fallback")
    created = TrackingLinkFactory(offer=offer)
    db.session.commit()
    return created


@pytest.fixture
def block(link):
    row = BlockedSubId(publisher_id=link.publisher_id, offer_id=link.offer_id, sub_id="fraudy", description="incentivised <b>x</b>")
    db.session.add(row)
    db.session.commit()
    return row


def url(link, tail: str = "") -> str:
    return f"/admin/publishers/{link.publisher_id}/blocked{tail}"


def add(link, **values) -> dict:
    return {f"new-block-{name}": value for name, value in
            {"offer_id": str(link.offer_id), "sub_id": "bad_src", "description": "bot farm", **values}.items()}


def blocks() -> list[str]:
    return list(db.session.scalars(select(BlockedSubId.sub_id).order_by(BlockedSubId.id)))


def click(client, link, **subs):
    return client.get(f"/api/v1/track/click/{link.public_id}", query_string=subs, headers={"User-Agent": BROWSER_UA})


def test_the_publisher_page_lists_its_blocks_with_offer_and_description(admin_client, link, block):
    other = BlockedSubId(publisher_id=PublisherFactory().id, offer_id=link.offer_id, sub_id="someone_elses")
    db.session.add(other)
    db.session.commit()
    page = body(admin_client.get(f"/admin/publishers/{link.publisher_id}"))
    assert '<section id="blocked">' in page and "<code>fraudy</code>" in page and "Alpha Casino" in page
    assert "incentivised &lt;b&gt;x&lt;/b&gt;" in page  # escaped, never markup
    assert "someone_elses" not in page
    section = admin_client.get(url(link), headers=HX)
    assert section.status_code == 200 and body(section).strip().startswith('<section id="blocked">')
    assert admin_client.get(url(link)).status_code == 302  # without JS: the publisher page


def test_blocking_in_place_adds_the_row_audits_and_applies_to_the_next_click(admin_client, admin_user, client, link):
    assert "click_id=" in click(client, link, sub2="bad_src").headers["Location"]  # the link is in the click cache now
    response = admin_client.post(url(link), data=add(link), headers=HX)
    assert response.status_code == 200 and "Sub ID “bad_src” is blocked" in body(response)
    assert "<code>bad_src</code>" in body(response) and "bot farm" in body(response)
    assert blocks() == ["bad_src"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "BlockedSubId"))
    assert (entry.action, entry.actor_id) == ("create", admin_user.id)
    assert entry.changes["sub_id"] == [None, "bad_src"] and entry.changes["publisher_id"] == [None, link.publisher_id]
    assert click(client, link, sub2="bad_src").headers["Location"] == "https://brand.example/fallback"


def test_blocking_without_javascript_redirects_to_the_section(admin_client, link):
    response = admin_client.post(url(link), data=add(link))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/publishers/{link.publisher_id}#blocked")
    assert blocks() == ["bad_src"]


@pytest.mark.parametrize("values, field, message", [
    ({"sub_id": ""}, "sub_id", ""),
    ({"sub_id": "x" * 31}, "sub_id", ""),
    ({"sub_id": "bad value!"}, "sub_id", ""),
    ({"offer_id": ""}, "offer_id", "Pick an offer."),
    ({"offer_id": "999999"}, "offer_id", "Pick an offer."),
    ({"description": "d" * 256}, "description", "Keep the description to 255 characters"),
])
def test_block_errors_are_inline_and_keep_what_was_typed(admin_client, link, values, field, message):
    response = admin_client.post(url(link), data=add(link, **values), headers=HX)
    assert response.status_code == 400
    page = body(response)
    assert f'id="new-block-{field}-error">{message}' in page and "<details open>" in page
    assert 'value="bot farm"' in page or field == "description"
    assert blocks() == []


def test_blocking_twice_is_refused(admin_client, link, block):
    response = admin_client.post(url(link), data=add(link, sub_id="fraudy"), headers=HX)
    assert response.status_code == 400 and "already blocked for this publisher and offer" in body(response)
    assert blocks() == ["fraudy"]


def test_unblocking_in_place_removes_the_row_and_audits(admin_client, admin_user, client, link, block):
    assert click(client, link, sub1="fraudy").headers["Location"] == "https://brand.example/fallback"
    response = admin_client.post(url(link, f"/{block.id}/delete"), headers=HX)
    assert response.status_code == 200 and "Sub ID “fraudy” is no longer blocked." in body(response)
    assert "No blocked sub IDs." in body(response) and blocks() == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert (entry.object_type, entry.actor_id, entry.changes["sub_id"]) == ("BlockedSubId", admin_user.id, ["fraudy", None])
    assert "click_id=" in click(client, link, sub1="fraudy").headers["Location"]


def test_another_publishers_block_is_404_on_this_page(admin_client, link, block):
    other = PublisherFactory()
    db.session.commit()
    assert admin_client.post(f"/admin/publishers/{other.id}/blocked/{block.id}/delete", headers=HX).status_code == 404
    assert admin_client.post(url(link, "/999999/delete"), headers=HX).status_code == 404
    assert admin_client.post("/admin/publishers/999999/blocked", data=add(link), headers=HX).status_code == 404
    assert blocks() == ["fraudy"]


def test_changes_without_csrf_are_refused(admin_client, link, block):
    assert admin_client.post(url(link), data=add(link), csrf=False).status_code == 400
    assert admin_client.post(url(link, f"/{block.id}/delete"), headers=HX, csrf=False).status_code == 400
    assert blocks() == ["fraudy"]


@pytest.mark.parametrize("role_client", ["publisher_client", "advertiser_client"])
def test_other_roles_are_forbidden(request, role_client, link, block):
    client = request.getfixturevalue(role_client)
    assert client.get(url(link), headers=HX).status_code == 403
    assert client.post(url(link), data=add(link)).status_code == 403
    assert client.post(url(link, f"/{block.id}/delete")).status_code == 403
    assert db.session.scalar(select(func.count(BlockedSubId.id))) == 1


def test_a_long_list_links_to_the_full_blocked_page(admin_client, link, monkeypatch):
    monkeypatch.setattr("portal.subids.publisher_views.BLOCKS_ON_PAGE", 2)
    for n in range(3):
        db.session.add(BlockedSubId(publisher_id=link.publisher_id, offer_id=link.offer_id, sub_id=f"s{n}"))
    db.session.commit()
    page = body(admin_client.get(f"/admin/publishers/{link.publisher_id}"))
    assert "The newest 2 of 3" in page and f"/admin/blocked-sub-ids?publisher={link.publisher_id}" in page
