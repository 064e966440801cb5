"""The click endpoint's cached targets follow commits (portal.tracking.freshness): a change made through a
domain service applies to the next click once committed, with nobody clearing the cache by hand."""
from portal.extensions import db
from portal.links.service import create_marketing_source
from portal.network.models import PublisherStatus
from portal.network.publishers.service import set_publisher_status
from portal.subids.blocked import block_sub_id
from portal.tracking.targets import cached_target
from tests.factories import OfferFactory, TrackingLinkFactory
from tests.tracking.conftest import browser


def _live_link():
    link = TrackingLinkFactory(offer=OfferFactory(fallback_url="https://brand.example/fallback"))
    db.session.commit()
    return link


def _click(client, link, **subs):
    return browser(client, f"/api/v1/track/click/{link.public_id}?" + "&".join(f"{k}={v}" for k, v in subs.items()))


def _cached(app, link) -> bool:
    return cached_target(app, "link", link.public_id)[0]


def test_a_committed_block_applies_to_the_next_click(app, client):
    link = _live_link()
    assert "click_id=" in _click(client, link, sub1="bad_src").headers["Location"]
    assert _cached(app, link)

    block_sub_id(None, link.publisher_id, link.offer_id, "bad_src")
    assert _cached(app, link)  # flushed, not committed: the cache keeps what is committed
    db.session.commit()

    assert not _cached(app, link)
    assert _click(client, link, sub1="bad_src").headers["Location"] == "https://brand.example/fallback"


def test_a_suspended_publisher_stops_its_links_at_the_next_click(app, client, admin_user):
    link = _live_link()
    assert "click_id=" in _click(client, link).headers["Location"]

    set_publisher_status(admin_user.id, link.publisher, PublisherStatus.SUSPENDED)
    db.session.commit()

    assert _click(client, link).headers["Location"] == "https://brand.example/fallback"


def test_a_released_savepoint_waits_for_the_outer_commit(app, client):
    link = _live_link()
    _click(client, link)
    with db.session.begin_nested():
        block_sub_id(None, link.publisher_id, link.offer_id, "bad_src")
    assert _cached(app, link)
    db.session.commit()
    assert not _cached(app, link)


def test_a_rolled_back_change_leaves_the_cache_alone(app, client):
    link = _live_link()
    link.offer.active = False
    db.session.flush()
    db.session.rollback()
    _click(client, link)
    db.session.commit()  # nothing written since the rollback
    assert _cached(app, link)


def test_a_commit_that_changes_no_target_keeps_the_cache(app, client):
    link = _live_link()
    _click(client, link)
    create_marketing_source(link.publisher_id, "Newsletter", "Email")
    db.session.commit()
    assert _cached(app, link)
