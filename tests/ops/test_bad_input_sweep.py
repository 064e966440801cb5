"""Every route in the URL map, as each role, with out-of-range ids, pages and dates and NUL bytes: never a 5xx.

The routes come from `app.url_map`, so a new route is swept without touching this file. Path ids point at
rows of a small network; query and form fields are the ones the route's own page offers, plus the API's.
A role that is turned away (401, 403, sign-in redirect) gets no further requests on that route."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.invites import make_token
from portal.accounts.service import create_api_key
from portal.conversions.models import ConversionStatus
from portal.exports.models import Export
from portal.extensions import db
from portal.network.models import OfferAccess
from portal.reports.presets import save_preset, token_for
from portal.reports.query import ReportQuery
from portal.rewards.models import Payout
from portal.rewards.points import credit
from portal.rewards.redemptions import redeem
from portal.subids.models import BlockedSubId
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.factories import (
    ConversionFactory,
    CreativeFactory,
    CustomPayoutFactory,
    CustomThrottleFactory,
    LandingPageFactory,
    MarketingSourceFactory,
    OfferEventFactory,
    OfferFactory,
    PointsRuleFactory,
    RewardFactory,
    SubIdFactory,
    TrackingLinkFactory,
)

ROLES = ("anonymous", "admin", "publisher", "advertiser", "manager")
BAD_IDS = (2**31, 2**63, 10**20, -1, 0)
BAD_PAGES = (10**20, -5, "abc")
# "²".isdigit() is true and int("²") fails; int() refuses more than 4300 digits.
BAD_NUMBERS = (2**31, 10**20, "²", "9" * 5000)
BAD_DATES = ("9999-12-31", "0001-01-01", "2024-02-30", "garbage")
NUL = "a\x00b"
# Path text for a string argument: a NUL byte, and bytes that are no UTF-8.
BAD_TEXT_IN_PATHS = ("a%00b", "%FF%FE")
# Query names the JSON and traffic endpoints read: they have no page to discover them from.
API_FIELDS = (
    "page", "reward_id", "completed", "refunded", "format", "startDate", "endDate",  # rewards API, report pull
    "lid", "aid", "sub1", "relativepath",  # traffic
    "amount",  # points bonus
)  # fmt: skip
_PLACEHOLDER = re.compile(r"<(?:(?P<converter>[^:>]+):)?(?P<name>[^>]+)>")
_TURNED_AWAY = (401, 403)


class _FieldNames(HTMLParser):
    """The names of every input, select and textarea on a page."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "select", "textarea") and name and name != "csrf_token":
            self.names.add(name)


def field_names(response) -> set[str]:
    if response.mimetype != "text/html":
        return set()
    parser = _FieldNames()
    parser.feed(response.get_data(as_text=True))
    return parser.names


@dataclass
class World:
    """A small network: values for the URL map's path arguments by name, a client per role, a network API key
    and a valid query for the traffic endpoints."""

    app: Flask
    values: dict[str, object]
    clients: dict[str, FlaskClient]
    api_key: str
    api_query: dict[str, str]


@pytest.fixture
def world(app, client, admin_user, publisher_user, advertiser_user, manager_user):
    publisher = publisher_user.publisher
    offer = OfferFactory(advertiser=advertiser_user.advertiser)
    event = OfferEventFactory(offer=offer)
    page = LandingPageFactory(offer=offer)
    access = OfferAccess(offer=offer, publisher=publisher)
    creative = CreativeFactory(offer=offer)
    source = MarketingSourceFactory(publisher=publisher)
    link = TrackingLinkFactory(publisher=publisher, offer=offer, creative=creative, marketing_source=source)
    conversion = ConversionFactory(link=link, status=ConversionStatus.APPROVED, created_at=utcnow() - timedelta(days=2))
    sub_id = SubIdFactory(publisher=publisher)
    block = BlockedSubId(publisher_id=publisher.id, offer_id=offer.id, sub_id="blocked-one")
    payout_term = CustomPayoutFactory(publisher=publisher, offer=offer)
    throttle = CustomThrottleFactory(publisher=publisher, offer=offer)
    reward = RewardFactory()
    rule = PointsRuleFactory()
    payout = Payout(
        publisher_id=publisher.id, currency="EUR", amount=Decimal("0"), conversion_count=0, period_end=utcnow()
    )
    db.session.add_all([access, block, payout])
    db.session.flush()
    credit(publisher_user.id, 500, "bonus", "sweep:points")
    redemption = redeem(publisher_user.id, reward, {})
    preset = save_preset(publisher_user, "Sweep", ReportQuery())
    export = Export(requested_by_id=publisher_user.id, kind="click_logs", query={"args": ""})
    db.session.add(export)
    key, secret = create_api_key("sweep", None, created_by_id=admin_user.id)
    db.session.commit()
    values = {
        "advertiser_id": advertiser_user.advertiser_id, "offer_id": offer.id, "event_id": event.id, "page_id": page.id,
        "access_id": access.id, "publisher_id": publisher.id, "user_id": publisher_user.id,
        "row_id": {"payouts": payout_term.id, "throttles": throttle.id},
        "block_id": block.id, "payout_id": payout.id, "redemption_id": redemption.id, "reward_id": reward.id,
        "rule_id": rule.id, "conversion_id": conversion.id, "export_id": export.id, "link_id": link.id,
        "source_id": source.id, "preset_id": preset.id, "key_id": key.id, "sub_id_id": sub_id.id,
        "public_id": creative.public_id, "file_name": creative.file_name, "username": publisher_user.username,
        "filename": "css/app.css",
        "token": {"/set-password/<token>": make_token(publisher_user), "/api/v1/reports/<token>": token_for(preset)},
        "tracking_link_id": link.public_id,
    }  # fmt: skip
    users = {"admin": admin_user, "publisher": publisher_user, "advertiser": advertiser_user, "manager": manager_user}
    clients = {"anonymous": client, **{role: signed_in_client(app, user) for role, user in users.items()}}
    api_query = {"lid": link.public_id, "aid": str(publisher.id)}
    return World(app=app, values=values, clients=clients, api_key=secret, api_query=api_query)


def _value(world: World, rule, name: str, choice: dict[str, str]):
    """The world's value for a path argument; a dict of values is keyed by the rule or by an any() choice."""
    if rule.endpoint == "tracking.click":
        return world.values["tracking_link_id"]
    value = world.values.get(name, 1)
    if not isinstance(value, dict):
        return value
    return value.get(rule.rule) or next((value[c] for c in choice.values() if c in value), "x")


def _arguments(rule) -> list[tuple[str, str]]:
    return [(m.group("converter") or "default", m.group("name")) for m in _PLACEHOLDER.finditer(rule.rule)]


def _choices(rule) -> list[dict[str, str]]:
    """Every combination of the rule's any() choices (one empty combination when it has none)."""
    options = {
        name: [option.strip() for option in converter[4:-1].split(",")]
        for converter, name in _arguments(rule)
        if converter.startswith("any(")
    }
    return [dict(zip(options, combination)) for combination in itertools.product(*options.values())]


def path_for(world: World, rule, choice: dict[str, str], **overrides) -> str:
    """The rule's path with each argument filled in: the any() choice, an override (path text, sent as it is),
    or a row of the world."""

    def fill(match):
        name = match.group("name")
        if name in overrides or name in choice:
            return str(overrides.get(name, choice.get(name)))
        return quote(str(_value(world, rule, name, choice)), safe="/")

    return _PLACEHOLDER.sub(fill, rule.rule)


def _path_variants(world: World, rule, choice: dict[str, str]) -> list[str]:
    """One path per bad value per argument: out-of-range ids for numbers, a NUL byte and non-UTF-8 for text."""
    variants = []
    for converter, name in _arguments(rule):
        if converter == "int":
            variants += [path_for(world, rule, choice, **{name: bad}) for bad in BAD_IDS]
        elif converter in ("default", "string"):
            variants += [path_for(world, rule, choice, **{name: bad}) for bad in BAD_TEXT_IN_PATHS]
    return variants


def _field_variants(names: set[str]) -> list[dict[str, str]]:
    """One set of fields per kind of bad value, every field given that value (`page` its own kinds too)."""
    variants = [{"page": str(bad)} for bad in BAD_PAGES]
    for bad in (*BAD_NUMBERS, *BAD_DATES, NUL):
        variants.append({name: str(bad) for name in names})
    return variants


def _kind(fields: dict | None) -> str:
    """The bad value a request carried, for the failure list."""
    if not fields:
        return ""
    if len(fields) == 1 or len(set(map(str, fields.values()))) > 1:
        return repr(fields)
    return f"{len(fields)} fields={next(iter(fields.values()))!r}"


class Sweep:
    """Sends the requests, counts them and keeps every 5xx; `seen` holds the form fields met on pages so far."""

    def __init__(self, world: World):
        self.world = world
        self.failures: list[str] = []
        self.count = 0
        self.seen: set[str] = set()

    def send(self, role: str, method: str, path: str, fields: dict | None = None, **kwargs):
        client = self.world.clients[role]
        headers = {"x-api-key": self.world.api_key} if path.startswith("/api/") else {}
        if method == "GET":
            query = ("?" + urlencode(fields)) if fields else ""
            response = client.open(path + query, method=method, headers=headers, **kwargs)
        else:
            response = client.open(path, method=method, headers=headers, data=fields, **kwargs)
        self.count += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {role} {method} {path} {_kind(fields or kwargs.get('json'))}")
        return response

    def page_rule(self, rule, role: str) -> None:
        """Bad path arguments, then every field seen on the pages so far set to each bad value in turn."""
        for method, choice in itertools.product(sorted(rule.methods - {"HEAD", "OPTIONS"}), _choices(rule)):
            path = path_for(self.world, rule, choice)
            baseline = self.send(role, method, path)
            if baseline.status_code in _TURNED_AWAY or "/login" in baseline.headers.get("Location", ""):
                continue
            for bad_path in _path_variants(self.world, rule, choice):
                self.send(role, method, bad_path)
            self.seen |= field_names(baseline)
            if baseline.status_code == 404 or (method == "GET" and baseline.status_code >= 400):
                continue
            for fields in _field_variants(self.seen):
                self.send(role, method, path, fields)

    def api_rule(self, rule) -> None:
        """Bad path arguments, then one bad field at a time on an otherwise valid request (query or JSON body)."""
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = path_for(self.world, rule, {})
            for bad_path in _path_variants(self.world, rule, {}):
                self.send("anonymous", method, bad_path)
            for name in API_FIELDS:
                for bad in (*BAD_PAGES, *BAD_NUMBERS, *BAD_DATES, NUL):
                    if method == "GET":
                        self.send("anonymous", method, path, {**self.world.api_query, name: str(bad)})
                    else:
                        self.send("anonymous", method, path, json={name: bad if isinstance(bad, str) else int(bad)})


def _routes(app, api: bool):
    """The URL map's routes under /api/ (or all others), GET-capable rules first so that their pages' fields
    are known when the POST-only rules run."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.rule.startswith("/api/") == api]
    return sorted(rules, key=lambda r: ("GET" not in r.methods, r.rule))


def _report(sweep: Sweep) -> str:
    return f"{len(sweep.failures)} of {sweep.count} requests failed:\n" + "\n".join(sweep.failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_a_5xx_to_out_of_range_or_malformed_input(world, role):
    sweep = Sweep(world)
    for rule in _routes(world.app, api=False):
        if rule.endpoint != "accounts.logout":  # signing out would turn the rest of the sweep away
            sweep.page_rule(rule, role)
    assert sweep.count > 100
    assert not sweep.failures, _report(sweep)


def test_no_api_or_traffic_endpoint_answers_a_5xx_to_out_of_range_or_malformed_input(world):
    """JSON and traffic endpoints authenticate by key or token, not by session: swept once, one field at a time."""
    sweep = Sweep(world)
    for rule in _routes(world.app, api=True):
        sweep.api_rule(rule)
    assert sweep.count > 100
    assert not sweep.failures, _report(sweep)
