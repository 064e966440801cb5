"""The sub ID and blocked sub ID verbs: rules that need the database, isolation, bulk plans."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.subids import blocked
from portal.subids.models import BlockedSubId, SubId
from portal.subids.service import (
    ALREADY_EXISTS,
    Candidate,
    SubIdFields,
    SubIdInvalid,
    bulk_create_sub_ids,
    create_sub_id,
    delete_sub_ids,
    names_by_value,
    plan_bulk_create,
    search_sub_ids,
    update_sub_id,
)
from tests.factories import OfferFactory, PublisherFactory, SubIdFactory


def values(publisher_id):
    return sorted(db.session.scalars(select(SubId.external_id).where(SubId.publisher_id == publisher_id)))


def test_create_trims_and_stores_every_field(app):
    publisher = PublisherFactory()
    sub = create_sub_id(publisher.id, SubIdFields(" june_nl ", " June newsletter ", " notes ", " https://crm.example/1 "))
    assert (sub.external_id, sub.name, sub.description, sub.external_link) == (
        "june_nl", "June newsletter", "notes", "https://crm.example/1"
    )


def test_create_reports_every_broken_field_at_once(app):
    publisher = PublisherFactory()
    with pytest.raises(SubIdInvalid) as refused:
        create_sub_id(publisher.id, SubIdFields("bad value!", "", "d" * 2001, "ftp://x.example"))
    assert set(refused.value.errors) == {"external_id", "name", "description", "external_link"}
    assert values(publisher.id) == []


def test_values_are_unique_per_publisher_and_compared_case_sensitively(app):
    mine, theirs = PublisherFactory(), PublisherFactory()
    create_sub_id(mine.id, SubIdFields("Promo", "Promo"))
    with pytest.raises(SubIdInvalid) as refused:
        create_sub_id(mine.id, SubIdFields("Promo", "Again"))
    assert refused.value.errors == {"external_id": [ALREADY_EXISTS]}
    create_sub_id(mine.id, SubIdFields("promo", "Lower case is another value"))
    create_sub_id(theirs.id, SubIdFields("Promo", "Another publisher may use it"))
    assert values(mine.id) == ["Promo", "promo"] and values(theirs.id) == ["Promo"]


def test_update_may_keep_its_own_value_but_not_take_another(app):
    publisher = PublisherFactory()
    first = SubIdFactory(publisher=publisher, external_id="first")
    SubIdFactory(publisher=publisher, external_id="second")
    update_sub_id(first, SubIdFields("first", "Renamed", "", "https://crm.example"))
    assert first.name == "Renamed"
    with pytest.raises(SubIdInvalid) as refused:
        update_sub_id(first, SubIdFields("second", "Renamed"))
    assert refused.value.errors == {"external_id": [ALREADY_EXISTS]}


def test_bulk_delete_removes_only_the_publishers_own_rows(app):
    mine, theirs = PublisherFactory(), PublisherFactory()
    a = SubIdFactory(publisher=mine, external_id="a")
    b = SubIdFactory(publisher=mine, external_id="b")
    other = SubIdFactory(publisher=theirs, external_id="x")
    result = delete_sub_ids(mine.id, [str(a.id), str(other.id), "999999", "nope", "²", str(a.id)])
    assert result.deleted == ["a"]
    assert result.not_found == [str(other.id), "999999", "nope", "²"]
    assert values(mine.id) == ["b"] and values(theirs.id) == ["x"]
    assert b.id


def test_search_matches_value_or_name_without_case_and_only_mine(app):
    mine, theirs = PublisherFactory(), PublisherFactory()
    SubIdFactory(publisher=mine, external_id="FB_spring", name="Facebook")
    SubIdFactory(publisher=mine, external_id="nl_june", name="Spring newsletter")
    SubIdFactory(publisher=mine, external_id="tiktok", name="TikTok")
    SubIdFactory(publisher=theirs, external_id="spring_other", name="Spring")
    page = search_sub_ids(mine.id, "SPRING")
    assert [s.external_id for s in page.items] == ["FB_spring", "nl_june"]
    assert search_sub_ids(mine.id, "%").total == 0  # LIKE wildcards are searched for literally


def test_search_pages_through_the_rows(app):
    publisher = PublisherFactory()
    for n in range(7):
        SubIdFactory(publisher=publisher, external_id=f"s{n}")
    page = search_sub_ids(publisher.id, page=2, per_page=5)
    assert [s.external_id for s in page.items] == ["s5", "s6"] and page.pages == 2


def test_names_by_value_gives_the_managed_names_for_reports(app):
    publisher = PublisherFactory()
    SubIdFactory(publisher=publisher, external_id="fb", name="Facebook")
    SubIdFactory(external_id="fb", name="Someone else's")
    assert names_by_value(publisher.id, ["fb", "unknown"]) == {"fb": "Facebook"}


def lines(*rows):
    return [Candidate(n, SubIdFields(*row)) for n, row in enumerate(rows, start=1)]


def test_bulk_plan_refuses_with_reasons_and_accepts_the_rest(app):
    publisher = PublisherFactory()
    SubIdFactory(publisher=publisher, external_id="exists")
    plan = plan_bulk_create(
        publisher.id,
        lines(("ok_1",), ("bad value",), ("x" * 51,), ("ok_1", "again"), ("exists",), ("OK_1",), ("ok_2", "Named", "", "mailto:x")),
        unreadable=[(8, "This line has 6 values")],
    )
    assert [c.fields.external_id for c in plan.accepted] == ["ok_1", "OK_1"]
    assert plan.accepted[0].fields.name == "ok_1"  # a line without a name is named after its value
    reasons = {line: reasons for line, _, reasons in plan.refusals()}
    assert "Use only letters" in reasons[2][0]
    assert "Keep the sub ID to 50" in reasons[3][0]
    assert reasons[4] == ["Duplicate of line 1 in this input."]
    assert reasons[5] == [ALREADY_EXISTS]
    assert reasons[7] == ["Enter a full http:// or https:// address."]
    assert reasons[8] == ["This line has 6 values"]
    assert plan.refused_count == 6


def test_bulk_create_creates_only_the_valid_lines(app):
    publisher = PublisherFactory()
    SubIdFactory(publisher=publisher, external_id="exists")
    created, plan = bulk_create_sub_ids(publisher.id, lines(("a", "A"), ("exists",), ("b!",), ("c", "C", "note")))
    db.session.commit()
    assert [s.external_id for s in created] == ["a", "c"]
    assert values(publisher.id) == ["a", "c", "exists"]
    assert plan.refused_count == 2


# ---------------------------------------------------------------- blocked


@pytest.fixture
def pair(app):
    return PublisherFactory(), OfferFactory()


def test_block_checks_publisher_offer_value_and_description(pair):
    with pytest.raises(SubIdInvalid) as refused:
        blocked.block_sub_id(None, None, 999999, "far_too_long_for_a_blocked_sub_id", "d" * 256)
    assert set(refused.value.errors) == {"publisher_id", "offer_id", "sub_id", "description"}
    assert "30 characters" in refused.value.errors["sub_id"][0]
    publisher, offer = pair
    with pytest.raises(SubIdInvalid) as refused:
        blocked.block_sub_id(None, publisher.id, offer.id, "a b")
    assert "Use only letters" in refused.value.errors["sub_id"][0]


def test_a_value_is_blocked_once_per_publisher_and_offer(pair):
    publisher, offer = pair
    blocked.block_sub_id(None, publisher.id, offer.id, "fraudy", "incentivised")
    with pytest.raises(SubIdInvalid) as refused:
        blocked.block_sub_id(None, publisher.id, offer.id, "fraudy")
    assert refused.value.errors == {"sub_id": [blocked.ALREADY_BLOCKED]}
    blocked.block_sub_id(None, publisher.id, offer.id, "Fraudy")  # case-sensitive, as the click endpoint compares
    blocked.block_sub_id(None, publisher.id, OfferFactory().id, "fraudy")
    assert db.session.query(BlockedSubId).count() == 3


def test_describe_changes_only_the_description(pair):
    publisher, offer = pair
    block = blocked.block_sub_id(None, publisher.id, offer.id, "fraudy", "old")
    blocked.describe_block(None, block, "  new reason ")
    assert (block.sub_id, block.description) == ("fraudy", "new reason")
    with pytest.raises(SubIdInvalid):
        blocked.describe_block(None, block, "d" * 256)


def test_unblock_many_reports_unknown_ids(pair):
    publisher, offer = pair
    one = blocked.block_sub_id(None, publisher.id, offer.id, "one")
    two = blocked.block_sub_id(None, publisher.id, offer.id, "two")
    result = blocked.unblock_many(None, [str(one.id), "123456789", "x"])
    assert result.deleted == ["one"] and result.not_found == ["123456789", "x"]
    assert [b.id for b in db.session.scalars(select(BlockedSubId))] == [two.id]


def test_search_blocks_filters_by_publisher_offer_and_text(pair):
    publisher, offer = pair
    other_offer = OfferFactory()
    blocked.block_sub_id(None, publisher.id, offer.id, "alpha", "bot farm")
    blocked.block_sub_id(None, publisher.id, other_offer.id, "beta", "")
    blocked.block_sub_id(None, PublisherFactory().id, offer.id, "gamma", "")
    assert {b.sub_id for b in blocked.search_blocks(publisher_id=publisher.id).items} == {"alpha", "beta"}
    assert {b.sub_id for b in blocked.search_blocks(offer_id=offer.id).items} == {"alpha", "gamma"}
    assert [b.sub_id for b in blocked.search_blocks(query="FARM").items] == ["alpha"]
    page = blocked.search_blocks(publisher_id=publisher.id)
    labels = blocked.block_labels(page.items)
    assert labels.publishers == {publisher.id: publisher.name}
    assert labels.offers == {offer.id: offer.name, other_offer.id: other_offer.name}
