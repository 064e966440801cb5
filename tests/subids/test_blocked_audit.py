"""Every write through /admin/blocked-sub-ids leaves an audit entry naming who did it and what changed,
for admins as for account managers, and a refused write leaves none."""
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.subids.models import BlockedSubId
from tests.factories import OfferFactory, PublisherFactory
from tests.subids.conftest import HX

URL = "/admin/blocked-sub-ids"


@pytest.fixture
def pair(app):
    publisher, offer = PublisherFactory(name="Alpha Media"), OfferFactory(name="Alpha Casino")
    db.session.commit()
    return publisher, offer


def entries() -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == "BlockedSubId").order_by(AuditEntry.id)
    return list(db.session.scalars(stmt))


def make(publisher, offer, value: str, description: str = "") -> BlockedSubId:
    row = BlockedSubId(publisher_id=publisher.id, offer_id=offer.id, sub_id=value, description=description)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("headers", [{}, HX], ids=["browser", "htmx"])
def test_creating_a_block_is_audited_with_its_values(admin_client, admin_user, pair, headers):
    publisher, offer = pair
    response = admin_client.post(URL, data={"publisher_id": publisher.id, "offer_id": offer.id, "sub_id": "bad_src",
                                            "description": "bot farm"}, headers=headers)
    assert response.status_code in (201, 303)
    block = db.session.scalar(select(BlockedSubId))
    [entry] = entries()
    assert (entry.actor_id, entry.action, entry.object_id) == (admin_user.id, "create", str(block.id))
    assert entry.changes == {"publisher_id": [None, publisher.id], "offer_id": [None, offer.id],
                             "sub_id": [None, "bad_src"], "description": [None, "bot farm"]}


def test_editing_the_description_is_audited_and_an_unchanged_save_is_not(admin_client, admin_user, pair):
    block = make(*pair, "fraudy", "old reason")
    form = {f"block-{block.id}-description": "new reason"}
    assert admin_client.post(f"{URL}/{block.id}/edit", data=form, headers=HX).status_code == 200
    [entry] = entries()
    assert (entry.actor_id, entry.action) == (admin_user.id, "update")
    assert entry.changes == {"description": ["old reason", "new reason"]}
    assert admin_client.post(f"{URL}/{block.id}/edit", data=form, headers=HX).status_code == 200
    assert len(entries()) == 1


def test_deleting_one_block_or_a_selection_audits_each(admin_client, admin_user, pair):
    one, two, three = (make(*pair, value, "why") for value in ("one", "two", "three"))
    assert admin_client.post(f"{URL}/{one.id}/delete", headers=HX).status_code == 200
    selection = {"ids": [str(two.id), str(three.id), "999999"]}
    assert admin_client.post(f"{URL}/bulk-delete", data=selection, headers=HX).status_code == 200
    assert db.session.scalar(select(BlockedSubId.id)) is None
    publisher, offer = pair
    assert [(e.actor_id, e.action, e.object_id, e.changes["sub_id"]) for e in entries()] == [
        (admin_user.id, "delete", str(block.id), [block_value, None])
        for block, block_value in ((one, "one"), (two, "two"), (three, "three"))
    ]
    assert entries()[0].changes == {"publisher_id": [publisher.id, None], "offer_id": [offer.id, None],
                                    "sub_id": ["one", None], "description": ["why", None]}


def test_a_refused_write_leaves_no_entry(admin_client, pair):
    publisher, offer = pair
    refused = admin_client.post(URL, data={"publisher_id": publisher.id, "offer_id": offer.id, "sub_id": "no space"})
    assert refused.status_code == 400
    assert entries() == []
