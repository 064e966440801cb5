"""Every /admin route walked as an account manager whose reach over publishers and over advertisers is Limited.

The rules come from `app.url_map`, so a new admin route is walked the day it is added. Each URL parameter has a
factory giving ids the manager reaches and ids they do not (another publisher's, another advertiser's, and rows
that join one of theirs to one of those); a rule with a parameter that has no factory, or a parameterless POST
with no declared body, fails the walk until it is covered here or listed as admins only. Out-of-reach ids answer
403 or 404 and change nothing in the database; no page shows anything named "Outside"."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.routing import AnyConverter

from portal.accounts.models import ManagerAccess
from portal.audit.models import AuditEntry
from portal.conversions.models import ConversionStatus
from portal.extensions import db
from portal.network.models import AccessStatus, OfferAccess
from portal.rewards.models import Payout, Redemption
from portal.rewards.points import credit
from portal.subids.models import BlockedSubId
from portal.types import utcnow
from tests.factories import (
    AdvertiserFactory,
    ConversionFactory,
    CreativeFactory,
    CustomPayoutFactory,
    CustomThrottleFactory,
    LandingPageFactory,
    OfferEventFactory,
    OfferFactory,
    PointsRuleFactory,
    PublisherFactory,
    RewardFactory,
    TrackingLinkFactory,
    UserFactory,
)
from tests.network.conftest import HX, body, offer_form
from tests.network.test_managers import advertiser_form, publisher_form

LABEL = {"in": "Mine", "out": "Outside"}  # what each side's names start with
MARKER = "outside"  # every out-of-reach name, email and value carries it; no template says it
# Admins only: an account manager gets 403 whatever the ids (user management and the audit log).
ADMIN_ONLY = {
    "users_admin.users", "users_admin.users_bulk", "users_admin.user_invite", "users_admin.user_row",
    "users_admin.user_edit", "users_admin.user_change", "audit.index",
}
# Fields a POST carries besides the ids in its URL, so that only the reach can refuse it.
POST_FIELDS = {"amount": "1000", "description": "walked", "points_per_unit": "5", "action": "archive"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (728, 90), "#0f766e").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def world(manager_user):
    """Mine (managed by the manager) and Outside (not), on both sides, with every kind of row an admin page shows."""
    manager_user.publisher_manager_access = ManagerAccess.LIMITED
    manager_user.advertiser_manager_access = ManagerAccess.LIMITED
    pub = {"in": PublisherFactory(name="Mine Media", manager_id=manager_user.id),
           "out": PublisherFactory(name="Outside Media", email="team@outside.test")}
    adv = {"in": AdvertiserFactory(name="Mine Brand", manager_id=manager_user.id),
           "out": AdvertiserFactory(name="Outside Brand")}
    offer = {side: OfferFactory(name=f"{LABEL[side]} Offer", advertiser=adv[side]) for side in LABEL}
    mine, outside, mine_offer, outside_offer = pub["in"], pub["out"], offer["in"], offer["out"]
    fan = {"in": UserFactory(is_publisher=True, publisher=mine, username="minefan", email="minefan@fans.test"),
           "out": UserFactory(is_publisher=True, publisher=outside, username="outsider", email="outsider@fans.test",
                              first_name="Outside")}
    reward = RewardFactory(title="Walk Reward")
    db.session.flush()

    def pair(make) -> dict:
        """In reach: mine × my offer. Out: outside × my offer, and mine × the outside offer (joining both sides)."""
        return {"in": [make(mine, mine_offer, "mine").id],
                "out": [make(outside, mine_offer, "outside").id, make(mine, outside_offer, "outsidemixed").id]}

    def block(publisher, on, value):
        row = BlockedSubId(publisher_id=publisher.id, offer_id=on.id, sub_id=value, description=f"{value} why")
        db.session.add(row)
        db.session.flush()
        return row

    def access(publisher, on, value):
        row = OfferAccess(offer_id=on.id, publisher_id=publisher.id, status=AccessStatus.PENDING)
        db.session.add(row)
        db.session.flush()
        return row

    def redemption(user):
        row = Redemption(reward_id=reward.id, user_id=user.id, points_spent=10,
                         user_input={"note": f"{user.username} wish"})
        db.session.add(row)
        db.session.flush()
        return row

    def payout(publisher):
        row = Payout(publisher_id=publisher.id, currency="EUR", amount=Decimal("5.00"), conversion_count=1,
                     period_end=utcnow(), note=f"{publisher.name} payout")
        db.session.add(row)
        db.session.flush()
        return row

    for side in ("in", "out"):
        credit(fan[side].id, 500, "bonus", f"walk:{side}")
    # An approved, unpaid commission of the outside publisher: a payout of it would go through.
    ConversionFactory(link=TrackingLinkFactory(publisher=outside, offer=mine_offer, name="Outside link"),
                      status=ConversionStatus.APPROVED, payout=Decimal("25.00"), currency="EUR")
    ids = {
        "publisher_id": {side: [pub[side].id] for side in pub},
        "advertiser_id": {side: [adv[side].id] for side in adv},
        "offer_id": {side: [offer[side].id] for side in offer},
        "event_id": {side: [OfferEventFactory(offer=offer[side], name=f"{LABEL[side]} Event").id] for side in LABEL},
        "page_id": {side: [LandingPageFactory(offer=offer[side], name=f"{LABEL[side]} Landing").id] for side in LABEL},
        "public_id": {side: [CreativeFactory(offer=offer[side], name=f"{LABEL[side]} Banner").public_id]
                      for side in LABEL},
        "user_id": {side: [fan[side].id] for side in fan},
        "redemption_id": {side: [redemption(fan[side]).id] for side in fan},
        "payout_id": {side: [payout(pub[side]).id] for side in pub},
        "block_id": pair(block),
        "access_id": pair(access),
        "payouts": pair(lambda p, o, _: CustomPayoutFactory(publisher=p, offer=o)),
        "throttles": pair(lambda p, o, _: CustomThrottleFactory(publisher=p, offer=o)),
        # A currency-wide rule is network-wide; an offer's rule is that offer's.
        "rule_id": {"in": [PointsRuleFactory(currency="EUR").id, PointsRuleFactory(offer_id=mine_offer.id).id],
                    "out": [PointsRuleFactory(offer_id=outside_offer.id).id]},
        # The catalogue belongs to no publisher or advertiser: every staff user reaches it.
        "reward_id": {"in": [reward.id], "out": []},
    }
    db.session.commit()
    return dict(ids=ids, pub=pub, adv=adv, offer=offer, fan=fan)


# The ids each URL parameter takes; `args` holds the rule's other (choice) parameters.
PARAMS = {
    "publisher_id": lambda ids, args: ids["publisher_id"],
    "advertiser_id": lambda ids, args: ids["advertiser_id"],
    "offer_id": lambda ids, args: ids["offer_id"],
    "event_id": lambda ids, args: ids["event_id"],
    "page_id": lambda ids, args: ids["page_id"],
    "access_id": lambda ids, args: ids["access_id"],
    "row_id": lambda ids, args: ids[args["section"]],  # a custom payout or a custom throttle
    "user_id": lambda ids, args: ids["user_id"],  # a publisher user (a fan)
    "block_id": lambda ids, args: ids["block_id"],
    "public_id": lambda ids, args: ids["public_id"],
    "payout_id": lambda ids, args: ids["payout_id"],
    "redemption_id": lambda ids, args: ids["redemption_id"],
    "rule_id": lambda ids, args: ids["rule_id"],
    "reward_id": lambda ids, args: ids["reward_id"],
}


def _cut_off() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


# What each POST without URL parameters is sent: forms naming what is out of reach. None: network-wide, not walked.
POST_BODIES = {
    "network_admin.advertisers_bulk": lambda w: [{"action": "archive", "ids": [str(w["adv"]["out"].id)]}],
    "network_admin.advertiser_new": lambda w: [advertiser_form(name="Walked Brand")],
    "network_admin.offers_bulk": lambda w: [{"action": "archive", "ids": [str(w["offer"]["out"].id)]}],
    "network_admin.offer_new": lambda w: [offer_form(w["adv"]["out"], name="Walked Offer")],
    "network_admin.publishers_bulk": lambda w: [{"action": "archive", "ids": [str(w["pub"]["out"].id)]}],
    "network_admin.publisher_new": lambda w: [publisher_form(name="Walked Media")],
    "blocked_subids.index": lambda w: [
        {"publisher_id": str(w["pub"]["out"].id), "offer_id": str(w["offer"]["in"].id), "sub_id": "walked"},
        {"publisher_id": str(w["pub"]["in"].id), "offer_id": str(w["offer"]["out"].id), "sub_id": "walked"},
    ],
    "blocked_subids.bulk_delete": lambda w: [{"ids": [str(i) for i in w["ids"]["block_id"]["out"]]}],
    "creatives_admin.upload": lambda w: [{"offer_id": str(w["offer"]["out"].id), "name": "Walked", "width": "728",
                                          "height": "90", "file": (io.BytesIO(_png()), "walked.png")}],
    "payouts_admin.new": lambda w: [{"publisher_id": str(w["pub"]["out"].id), "currency": "EUR", "cut_off": _cut_off(),
                                     "confirm": "1", "expected_count": "1", "expected_amount": "25.00"}],
    "rewards_admin.rules_index": lambda w: [{"currency": "EUR", "offer_id": str(w["offer"]["out"].id),
                                             "points_per_unit": "7"}],
    "rewards_admin.index": None,  # a new catalogue reward: network-wide
    "rewards_admin.award_now": None,  # runs the award job for the whole network
}
# Filters in a list page's query string that name what is out of reach.
def _filters(w) -> dict:
    outside = {"publisher": w["pub"]["out"].id, "publisher_id": w["pub"]["out"].id, "offer": w["offer"]["out"].id,
               "offer_id": w["offer"]["out"].id, "advertiser_id": w["adv"]["out"].id, "manager": "", "status": "all"}
    return {name: str(value) for name, value in outside.items()}


def admin_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    return sorted(rules, key=lambda rule: rule.rule)


def fill(rule, values: dict) -> str:
    return re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def walk_urls(rule, ids):
    """(url, out_of_reach) for every choice of the rule's `any(...)` parameters and every in / out mix of its ids."""
    choices = {name: sorted(conv.items) for name, conv in rule._converters.items() if isinstance(conv, AnyConverter)}
    id_names = [name for name in sorted(rule.arguments) if name not in choices]
    for picked in product(*choices.values()):
        args = dict(zip(choices, picked))
        options = [[(side, value) for side in LABEL for value in PARAMS[name](ids, args)[side]] for name in id_names]
        for combo in product(*options):
            values = args | {name: value for name, (_, value) in zip(id_names, combo)}
            yield fill(rule, values), any(side == "out" for side, _ in combo)


def database_rows() -> dict:
    db.session.rollback()
    tables = db.metadata.sorted_tables
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all())) for table in tables}


def assert_nothing_outside(response, what: str) -> None:
    assert MARKER not in body(response).lower(), f"{what} shows out-of-reach data"


def test_every_admin_rule_has_reach_coverage(app):
    """A new /admin route fails here until its parameters have a factory, its POST a body, or it is admins only."""
    missing = []
    for rule in admin_rules(app):
        if rule.endpoint in ADMIN_ONLY:
            continue
        choices = {name for name, conv in rule._converters.items() if isinstance(conv, AnyConverter)}
        missing += [f"{rule.rule}: <{name}>" for name in rule.arguments - choices if name not in PARAMS]
        if "POST" in rule.methods and not rule.arguments and rule.endpoint not in POST_BODIES:
            missing.append(f"{rule.rule}: POST body")
    assert not missing, f"admin routes without reach coverage: {missing}"
    assert ADMIN_ONLY <= {rule.endpoint for rule in admin_rules(app)}  # no stale entries
    assert set(POST_BODIES) <= {rule.endpoint for rule in admin_rules(app)}


def test_a_limited_manager_gets_nothing_out_of_reach_from_any_admin_get(app, manager_client, world):
    walked = 0
    problems = []
    for rule in admin_rules(app):
        if "GET" not in rule.methods:
            continue
        if rule.endpoint in ADMIN_ONLY:
            url = fill(rule, {name: 1 for name in rule.arguments})
            if manager_client.get(url).status_code != 403:
                problems.append(f"{url}: admins only, not 403")
            continue
        urls = list(walk_urls(rule, world["ids"])) if rule.arguments else [(rule.rule, False)]
        for url, out in urls:
            queries = [{}] if rule.arguments else [{}, _filters(world)]
            for query, headers in product(queries, ({}, HX)):
                response = manager_client.get(url, query_string=query, headers=headers)
                walked += 1
                status = response.status_code
                if out and status not in (403, 404):
                    problems.append(f"GET {url} {'(HX) ' if headers else ''}{query or ''}: {status}, not 404")
                elif not out and status >= 400 and not (query and status == 400):
                    problems.append(f"GET {url} {'(HX) ' if headers else ''}{query or ''}: {status} in reach")
                if MARKER in body(response).lower():
                    problems.append(f"GET {url} {'(HX) ' if headers else ''}{query or ''}: shows out-of-reach data")
    assert walked > 150  # the walk is not vacuous
    assert not problems, "\n".join(problems)


def test_a_limited_manager_changes_nothing_out_of_reach_through_any_admin_post(app, manager_client, world):
    problems = []
    for rule in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        if rule.endpoint in ADMIN_ONLY:
            url = fill(rule, {name: "link" if name == "change" else 1 for name in rule.arguments})
            if manager_client.post(url, data=POST_FIELDS).status_code != 403:
                problems.append(f"POST {url}: admins only, not 403")
            continue
        if rule.arguments:
            posts = [(url, dict(POST_FIELDS)) for url, out in walk_urls(rule, world["ids"]) if out]
        else:
            make = POST_BODIES[rule.endpoint]
            posts = [(rule.rule, data) for data in make(world)] if make else []
        for url, data in posts:
            before = database_rows()
            response = manager_client.post(url, data=data, headers=HX if "ids" not in data else {})
            changed = [name for name, rows in database_rows().items() if rows != before[name]]
            if changed:
                problems.append(f"POST {url} {data}: {response.status_code}, changed {changed}")
            if rule.arguments and response.status_code not in (403, 404):
                problems.append(f"POST {url}: {response.status_code}, not 404")
            if MARKER in body(response).lower():
                problems.append(f"POST {url}: shows out-of-reach data")
    assert not problems, "\n".join(problems)


def test_a_limited_manager_still_sees_and_changes_what_they_reach(manager_client, manager_user, world):
    """The walk passes because the pages filter, not because they are empty: each shows the manager's own rows,
    offers their own publishers and offers to pick, and takes their writes (audited under their name)."""
    mine, mine_offer, fan = world["pub"]["in"], world["offer"]["in"], world["fan"]["in"]
    expected = {
        "/admin/blocked-sub-ids": ["<code>mine</code>", "Mine Media", "Mine Offer"],
        "/admin/payouts": ["Mine Media payout"],
        "/admin/payouts/new": [f'<option value="{mine.id}">Mine Media</option>'],
        "/admin/redemptions": ["minefan"],
        "/admin/redemptions/fans": ["minefan"],
        "/admin/creatives": ["Mine Banner"],
        "/admin/rewards/rules": ["Mine Offer"],
        f"/admin/offers/{mine_offer.id}": ["Mine Media"],
        f"/admin/publishers/{mine.id}": ["Mine Offer", "<code>mine</code>"],
    }
    for url, texts in expected.items():
        page = body(manager_client.get(url))
        assert all(text in page for text in texts), url
    block = {"publisher_id": str(mine.id), "offer_id": str(mine_offer.id), "sub_id": "mine_new"}
    created = manager_client.post("/admin/blocked-sub-ids", data=block)
    assert created.status_code == 303
    bonus = manager_client.post(f"/admin/redemptions/fans/{fan.id}", data={"amount": "25"})
    assert bonus.status_code == 303
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == manager_user.id)).all()
    assert {(entry.object_type, entry.action) for entry in entries} >= {("BlockedSubId", "create")}
    assert manager_client.get(f"/admin/redemptions/fans/{fan.id}").status_code == 200


def test_pages_out_of_a_restricted_reach_are_403_and_off_the_menu(manager_client, manager_user, world):
    manager_user.publisher_manager_access = ManagerAccess.RESTRICTED
    manager_user.advertiser_manager_access = ManagerAccess.RESTRICTED
    db.session.commit()
    for url in ("/admin/blocked-sub-ids", "/admin/redemptions", "/admin/redemptions/fans", "/admin/payouts",
                "/admin/payouts/new", "/admin/creatives", "/admin/creatives/new"):
        assert manager_client.get(url).status_code == 403, url
    menu = body(manager_client.get("/"))
    for label in ("Blocked sub IDs", "Redemptions", "Payouts", "Creatives", "Publishers", "Offers", "Conversions"):
        assert f">{label}</a>" not in menu, label
    assert ">Rewards</a>" in menu and ">Downloads</a>" in menu  # network-wide pages stay
