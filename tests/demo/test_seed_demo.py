"""`flask seed-demo`: the demo network it builds, its traffic and payouts, and that a second run adds nothing."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.accounts.models import ApiKey, Role, User
from portal.accounts.service import authenticate
from portal.conversions.commission import carry_over, earning
from portal.conversions.models import Conversion, ConversionStatus
from portal.creatives.models import Creative
from portal.creatives.storage import banner_path
from portal.demo.catalogue import DEMO_LOGINS
from portal.events.models import Event, Player
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import (
    AccessStatus,
    Advertiser,
    Offer,
    OfferAccess,
    OfferEvent,
    PayoutType,
    Publisher,
    Visibility,
)
from portal.network.plans import Plan
from portal.subids.models import BlockedSubId, SubId
from portal.tracking.models import Click, ImpressionCount
from portal.types import utcnow


@pytest.fixture
def creatives_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "creatives"
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(folder))
    return folder


@pytest.fixture
def seed(app, creatives_dir):
    runner = app.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(args=["seed-demo", *args])
        assert result.exit_code == 0, result.output + repr(result.exception)
        db.session.expire_all()
        return result

    return run


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def replay_revshare() -> dict:
    """event id -> RevShare payout, replaying the carry-over rule over the NGR reports in ingest order."""
    carried, paid = defaultdict(Decimal), {}
    rows = db.session.execute(
        select(Event.id, Event.publisher_id, Event.offer_id, Event.currency, Event.amount, OfferEvent)
        .join(OfferEvent, (OfferEvent.offer_id == Event.offer_id) & (OfferEvent.code == Event.type))
        .where(Event.type == "revenue", OfferEvent.payout_type == PayoutType.REVSHARE)
        .order_by(Event.id)  # UUIDv7 from one process: the order they were ingested in
    ).all()
    for event_id, publisher_id, offer_id, currency, amount, terms in rows:
        base, carried[(publisher_id, offer_id, currency)] = carry_over(carried[(publisher_id, offer_id, currency)], amount)
        if base > 0:
            paid[event_id] = earning(Plan.of(terms, "offer_event"), base).payout
    return paid


def test_demo_logins_name_one_admin_one_account_manager_three_publishers_two_advertisers():
    assert [role for role, _, _ in DEMO_LOGINS].count("admin") == 1
    assert [role for role, _, _ in DEMO_LOGINS].count("account_manager") == 1
    assert [role for role, _, _ in DEMO_LOGINS].count("publisher") == 3
    assert [role for role, _, _ in DEMO_LOGINS].count("advertiser") == 2
    assert all(len(password) >= 10 for _, _, password in DEMO_LOGINS)
    assert len({email for _, email, _ in DEMO_LOGINS}) == len(DEMO_LOGINS)


def test_seed_builds_the_network_structure(app, seed):
    result = seed("--days", "2")

    assert count(Advertiser) == 2
    offers = db.session.scalars(select(Offer)).all()
    assert len(offers) == 4
    assert {o.currency for o in offers} == {"EUR", "USD"}
    assert {o.visibility for o in offers} == set(Visibility)
    assert {o.payout_type for o in offers} == {PayoutType.CPA, PayoutType.CPS, PayoutType.REVSHARE, PayoutType.CPA_CPS}
    assert any(o.fallback_url for o in offers) and not all(o.fallback_url for o in offers)
    for offer in offers:
        assert {"registration", "ftd", "deposit"} <= {e.code for e in offer.events}
        assert 1 <= len(offer.landing_pages) <= 2
    revshare = [e for o in offers for e in o.events if e.payout_type == PayoutType.REVSHARE]
    assert [(e.code, e.allow_multiple_events) for e in revshare] == [("revenue", True)]  # the CPA + RevShare deal
    assert count(Publisher) == 3
    assert count(SubId) >= 9 and count(BlockedSubId) == 1
    manager = db.session.scalar(select(User).where(User.role == Role.ACCOUNT_MANAGER))
    assert sorted(db.session.scalars(select(Publisher.name).where(Publisher.manager_id == manager.id))) == ["Goal Rush Media", "Spin Scout"]
    assert list(db.session.scalars(select(Advertiser.name).where(Advertiser.manager_id == manager.id))) == ["Northstar Gaming"]

    private = [o.id for o in offers if o.visibility != Visibility.PUBLIC]
    for link in db.session.scalars(select(TrackingLink).where(TrackingLink.offer_id.in_(private))):
        access = db.session.scalar(select(OfferAccess).filter_by(offer_id=link.offer_id,
                                                                 publisher_id=link.publisher_id))
        assert access is not None and access.status == AccessStatus.APPROVED
    links = db.session.scalars(select(TrackingLink)).all()
    assert len({link.public_id for link in links}) == len(links)
    assert all(len(link.public_id) == 16 for link in links)
    assert any(link.creative_id for link in links) and any(link.landing_page_id for link in links)
    assert any(link.marketing_source_id for link in links) and any(link.geo_target for link in links)

    keys = db.session.scalars(select(ApiKey)).all()
    assert sorted(k.advertiser_id is None for k in keys) == [False, False, True]
    assert result.output.count("Demo API key for") == 3


def test_every_demo_user_signs_in_with_the_listed_password(app, seed):
    seed("--days", "1")

    assert count(User) == len(DEMO_LOGINS)
    for role, email, password in DEMO_LOGINS:
        user = authenticate(email, password)
        assert user is not None, email
        assert user.role == Role(role)
        assert authenticate(email, password + "x") is None


def test_default_run_makes_a_month_of_traffic_with_exact_payouts(app, seed):
    started = utcnow()
    result = seed()

    clicks = count(Click)
    assert 15_000 <= clicks <= 25_000
    oldest, newest = db.session.execute(select(func.min(Click.created_at), func.max(Click.created_at))).one()
    assert oldest >= started - timedelta(days=31) and newest <= utcnow()
    assert newest - oldest > timedelta(days=29)
    unique = db.session.scalar(select(func.count()).where(Click.is_unique)) / clicks
    bots = db.session.scalar(select(func.count()).where(Click.is_bot)) / clicks
    assert 0.75 < unique < 0.85 and 0.01 < bots < 0.05
    assert count(ImpressionCount) > 0 and count(Player) > 100

    conversions = db.session.execute(
        select(Conversion, Event, OfferEvent)
        .join(Event, Conversion.event_id == Event.id)
        .join(OfferEvent, Conversion.offer_event_id == OfferEvent.id)
    ).all()
    assert len(conversions) > 200
    assert {c.status for c, _, _ in conversions} == set(ConversionStatus)
    offer_currency = dict(db.session.execute(select(Offer.id, Offer.currency)).all())
    revshare = replay_revshare()
    assert revshare
    for conversion, event, terms in conversions:
        assert isinstance(conversion.payout, Decimal)
        if terms.payout_type == PayoutType.REVSHARE:
            assert conversion.payout == revshare.pop(event.id)
        else:
            assert conversion.payout == earning(Plan.of(terms, "offer_event"), event.amount).payout, (terms.code, event.amount)
        assert conversion.payout_type == terms.payout_type
        assert event.type == terms.code
        assert conversion.currency == (event.currency or conversion.currency) == offer_currency[conversion.offer_id]
        assert conversion.publisher_id == event.publisher_id and conversion.player_id == event.player_id
        assert (conversion.status == ConversionStatus.REJECTED) == bool(conversion.rejection_reason)
        history = conversion.changes
        assert history[0].from_status is None and history[-1].to_status == conversion.status.value
    assert revshare == {}  # every positive NGR balance was paid
    assert f"{clicks:,} clicks" in result.output


def test_blocked_sub_id_traffic_earns_nothing(app, seed):
    seed("--days", "4")

    blocked = db.session.scalar(select(BlockedSubId))
    flagged = select(Click.click_id).where(Click.is_blocked)
    assert db.session.scalar(select(func.count()).select_from(flagged.subquery())) > 0
    assert db.session.scalar(select(func.count()).where(Conversion.click_id.in_(flagged))) == 0
    assert db.session.scalar(
        select(func.count()).where(Click.is_blocked, Click.publisher_id == blocked.publisher_id,
                                   Click.offer_id == blocked.offer_id)
    ) == db.session.scalar(select(func.count()).where(Click.is_blocked))


def test_second_run_changes_no_table(app, seed):
    seed("--days", "2")
    before = table_counts()

    second = seed("--days", "2")

    assert table_counts() == before
    assert "Demo API key" not in second.output
    assert "Created: nothing new." in second.output


def test_every_demo_creative_file_exists_with_its_recorded_dimensions(app, seed, creatives_dir):
    seed("--days", "1")

    creatives = db.session.scalars(select(Creative)).all()
    assert len(creatives) >= 4
    assert {(c.width, c.height) for c in creatives} >= {(728, 90), (300, 250), (160, 600)}
    for creative in creatives:
        path = banner_path(creative.file_name)
        assert path.parent == creatives_dir and path.is_file()
        with Image.open(path) as image:
            assert image.size == (creative.width, creative.height)
            assert Image.MIME[image.format] == creative.content_type


def test_a_missing_banner_file_is_stored_again_without_new_rows(app, seed):
    seed("--days", "1")
    creative = db.session.scalars(select(Creative)).first()
    banner_path(creative.file_name).unlink()
    before = table_counts()

    seed("--days", "1")

    assert banner_path(creative.file_name).is_file()
    assert table_counts() == before
