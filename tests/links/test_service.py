"""The link and marketing-source rules, straight on the domain layer."""
import re

import pytest

from portal.extensions import db
from portal.links.service import (
    LinkError,
    LinkFields,
    archive_link,
    create_link,
    create_marketing_source,
    delete_marketing_source,
    restore_link,
    search_links,
    tracking_url,
    update_link,
    update_marketing_source,
)
from portal.network.models import Visibility
from portal.types import utcnow
from tests.factories import (
    ClickFactory,
    CreativeFactory,
    LandingPageFactory,
    MarketingSourceFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
)
from tests.links.conftest import grant


def fields(offer, **overrides):
    return LinkFields(**{"offer_id": offer.id, "name": "Homepage banner", **overrides})


# ------------------------------------------------------------ marketing sources


def test_a_source_is_created_with_trimmed_name_kind_and_url(app):
    publisher = PublisherFactory()
    source = create_marketing_source(publisher.id, "  My blog ", "Content", "https://blog.example/")
    assert (source.id, source.name, source.kind, source.url) == (source.id, "My blog", "Content", "https://blog.example/")


@pytest.mark.parametrize(
    "name, kind, url, field",
    [
        ("", "Other", "", "name"),
        ("   ", "Other", "", "name"),
        ("x" * 101, "Other", "", "name"),
        ("Blog", "Radio", "", "kind"),
        ("Blog", "Other", "javascript:alert(1)", "url"),
        ("Blog", "Other", "ftp://files.example/", "url"),
        ("Blog", "Other", "blog.example", "url"),
    ],
)
def test_source_values_are_checked(app, name, kind, url, field):
    publisher = PublisherFactory()
    with pytest.raises(LinkError) as refused:
        create_marketing_source(publisher.id, name, kind, url)
    assert refused.value.field == field


def test_a_source_name_of_exactly_100_characters_is_fine(app):
    assert create_marketing_source(PublisherFactory().id, "x" * 100).name == "x" * 100


def test_source_names_are_unique_per_publisher_ignoring_case_but_not_across_publishers(app):
    mine, other = PublisherFactory(), PublisherFactory()
    create_marketing_source(mine.id, "Newsletter", "Email")
    with pytest.raises(LinkError, match="already have") as refused:
        create_marketing_source(mine.id, "newsletter", "Email")
    assert refused.value.field == "name"
    assert create_marketing_source(other.id, "Newsletter", "Email").publisher_id == other.id


def test_a_source_may_keep_its_own_name_when_edited(app):
    publisher = PublisherFactory()
    source = create_marketing_source(publisher.id, "Newsletter", "Email")
    create_marketing_source(publisher.id, "Blog", "Content")
    update_marketing_source(source, "Newsletter", "SMS", "http://sms.example")
    assert (source.kind, source.url) == ("SMS", "http://sms.example")
    with pytest.raises(LinkError):
        update_marketing_source(source, "Blog", "SMS")


def test_an_unused_source_can_be_deleted(app):
    source = MarketingSourceFactory()
    delete_marketing_source(source)
    assert db.session.get(type(source), source.id) is None


def test_a_source_used_by_a_link_even_archived_cannot_be_deleted(app):
    source = MarketingSourceFactory()
    TrackingLinkFactory(publisher=source.publisher, marketing_source=source, archived_at=utcnow())
    with pytest.raises(LinkError, match="tags 1 link; move them"):
        delete_marketing_source(source)


def test_a_source_with_recorded_clicks_cannot_be_deleted(app):
    source = MarketingSourceFactory()
    link = TrackingLinkFactory(publisher=source.publisher)
    ClickFactory(link=link, marketing_source_id=source.id)
    with pytest.raises(LinkError, match="recorded clicks"):
        delete_marketing_source(source)


def test_a_refused_delete_keeps_the_callers_earlier_writes(app):
    """The refusal undoes only the delete: on PostgreSQL (a savepoint) as on SQLite (the failed statement)."""
    source = MarketingSourceFactory()
    ClickFactory(link=TrackingLinkFactory(publisher=source.publisher), marketing_source_id=source.id)
    db.session.commit()
    earlier = create_marketing_source(source.publisher_id, "Written before", "Email")
    with pytest.raises(LinkError, match="recorded clicks"):
        delete_marketing_source(source)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(source), source.id).name == source.name
    assert db.session.get(type(source), earlier.id).name == "Written before"


def test_deleting_a_source_is_the_callers_to_commit(app):
    source = MarketingSourceFactory()
    db.session.commit()
    delete_marketing_source(source)
    assert db.session.get(type(source), source.id) is None
    db.session.rollback()
    assert db.session.get(type(source), source.id) is not None


# ------------------------------------------------------------ links


def test_a_link_gets_an_unguessable_url_safe_public_id(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    first = create_link(publisher.id, fields(offer))
    second = create_link(publisher.id, fields(offer))
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", first.public_id)
    assert first.public_id != second.public_id
    assert first.publisher_id == publisher.id and first.archived_at is None


def test_a_link_keeps_every_choice_of_the_builder(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    page = LandingPageFactory(offer=offer)
    creative = CreativeFactory(offer=offer)
    source = MarketingSourceFactory(publisher=publisher)
    link = create_link(
        publisher.id,
        fields(offer, landing_page_id=page.id, marketing_source_id=source.id, creative_id=creative.id, geo_target=" gb "),
    )
    assert (link.landing_page_id, link.marketing_source_id, link.creative_id, link.geo_target) == (
        page.id, source.id, creative.id, "GB",
    )


def test_no_link_for_a_private_offer_without_approved_access(app):
    publisher = PublisherFactory()
    private = OfferFactory(visibility=Visibility.PRIVATE)
    with pytest.raises(LinkError) as refused:
        create_link(publisher.id, fields(private))
    assert refused.value.field == "offer_id"
    grant(private, publisher)
    assert create_link(publisher.id, fields(private)).offer_id == private.id


def test_no_link_for_a_paused_offer(app):
    with pytest.raises(LinkError):
        create_link(PublisherFactory().id, fields(OfferFactory(active=False)))


@pytest.mark.parametrize("kind", ["hidden", "archived", "other_offer"])
def test_the_landing_page_must_be_a_visible_page_of_the_offer(app, kind):
    publisher, offer = PublisherFactory(), OfferFactory()
    page = {
        "hidden": lambda: LandingPageFactory(offer=offer, hidden=True),
        "archived": lambda: LandingPageFactory(offer=offer, archived_at=utcnow()),
        "other_offer": lambda: LandingPageFactory(),
    }[kind]()
    with pytest.raises(LinkError) as refused:
        create_link(publisher.id, fields(offer, landing_page_id=page.id))
    assert refused.value.field == "landing_page_id"


def test_the_marketing_source_must_be_the_publishers_own(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    theirs = MarketingSourceFactory()
    with pytest.raises(LinkError) as refused:
        create_link(publisher.id, fields(offer, marketing_source_id=theirs.id))
    assert refused.value.field == "marketing_source_id"


def test_the_creative_must_be_a_live_creative_of_the_offer(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    for creative in (CreativeFactory(), CreativeFactory(offer=offer, archived_at=utcnow())):
        with pytest.raises(LinkError) as refused:
            create_link(publisher.id, fields(offer, creative_id=creative.id))
        assert refused.value.field == "creative_id"


@pytest.mark.parametrize("geo", ["XX", "UK", "G", "GBR", "1A"])
def test_the_geo_target_must_be_an_iso_country(app, geo):
    with pytest.raises(LinkError) as refused:
        create_link(PublisherFactory().id, fields(OfferFactory(), geo_target=geo))
    assert refused.value.field == "geo_target"


def test_a_link_needs_a_name(app):
    with pytest.raises(LinkError) as refused:
        create_link(PublisherFactory().id, fields(OfferFactory(), name="  "))
    assert refused.value.field == "name"


def test_updating_a_link_checks_the_same_rules_and_keeps_its_public_id(app):
    publisher, offer, private = PublisherFactory(), OfferFactory(), OfferFactory(visibility=Visibility.PRIVATE)
    link = create_link(publisher.id, fields(offer))
    public_id = link.public_id
    with pytest.raises(LinkError):
        update_link(link, fields(private))
    other = OfferFactory()
    update_link(link, fields(other, name="Sidebar", geo_target="de"))
    assert (link.offer_id, link.name, link.geo_target, link.public_id) == (other.id, "Sidebar", "DE", public_id)


def test_an_archived_link_must_be_restored_before_it_changes(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    link = archive_link(create_link(publisher.id, fields(offer)))
    with pytest.raises(LinkError, match="restore it"):
        update_link(link, fields(offer, name="New name"))


def test_archive_and_restore_are_idempotent(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    link = create_link(publisher.id, fields(offer))
    archived_at = archive_link(link).archived_at
    assert archived_at is not None and archive_link(link).archived_at == archived_at
    assert restore_link(link).archived_at is None
    assert restore_link(link).archived_at is None


def test_a_link_whose_offer_is_no_longer_promotable_stays_archived(app):
    publisher = PublisherFactory()
    offer = OfferFactory(visibility=Visibility.PRIVATE)
    link = TrackingLinkFactory(publisher=publisher, offer=offer, archived_at=utcnow())
    with pytest.raises(LinkError, match="no longer promote"):
        restore_link(link)


def test_search_and_filters_stay_inside_the_publisher(app):
    mine, other = PublisherFactory(), PublisherFactory()
    offer_a, offer_b = OfferFactory(), OfferFactory()
    source = MarketingSourceFactory(publisher=mine)
    banner = TrackingLinkFactory(publisher=mine, offer=offer_a, name="Sidebar banner", marketing_source=source)
    footer = TrackingLinkFactory(publisher=mine, offer=offer_b, name="Footer text", public_id="abcXYZ123def456g")
    old = TrackingLinkFactory(publisher=mine, offer=offer_a, name="Old banner", archived_at=utcnow())
    TrackingLinkFactory(publisher=other, offer=offer_a, name="Their banner")

    def ids(**criteria):
        return {link.id for link in search_links(mine.id, **criteria).items}

    assert ids() == {banner.id, footer.id}
    assert ids(status="all") == {banner.id, footer.id, old.id}
    assert ids(status="archived") == {old.id}
    assert ids(query="BANNER", status="all") == {banner.id, old.id}
    assert ids(query="xyz123") == {footer.id}
    assert ids(query="%") == set()
    assert ids(offer_id=offer_a.id) == {banner.id}
    assert ids(marketing_source_id=source.id) == {banner.id}
    assert search_links(mine.id, status="all").total == 3


def test_search_pages_hold_25_links_newest_first(app):
    publisher, offer = PublisherFactory(), OfferFactory()
    links = [TrackingLinkFactory(publisher=publisher, offer=offer) for _ in range(27)]
    first = search_links(publisher.id)
    assert (first.total, first.pages, len(first.items)) == (27, 2, 25)
    assert first.items[0].id == links[-1].id
    assert len(search_links(publisher.id, page=2).items) == 2


def test_tracking_url_adds_only_given_subs_in_order_and_encodes_them(app):
    base = "https://t.example/api/v1/track/click/abc"
    assert tracking_url(base, {}) == base
    assert (
        tracking_url(base, {"sub3": "c d", "sub1": "<script>", "sub2": ""}, "promo/x")
        == base + "?sub1=%3Cscript%3E&sub3=c+d&relativepath=promo%2Fx"
    )
