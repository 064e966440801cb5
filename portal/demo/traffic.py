"""Demo traffic: clicks, hourly impressions, players, their events and the conversions they earn.

Rows go straight into the tables in bulk, back-dated over the month; a later change routes them through
the tracking and events services instead, and `TrafficWriter` is the one place that has to change.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert, select
from uuid6 import UUID as UUID6

from portal.conversions.models import Conversion, ConversionStatus
from portal.events.models import Event, Player
from portal.extensions import db
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import Offer, OfferEvent, PayoutType, RevenueType
from portal.subids.models import BlockedSubId, SubId
from portal.tracking.models import Click, ImpressionCount
from portal.tracking.service import hash_ip, hour_epoch
from portal.tracking.store import add_impression_counts, insert_clicks

DEMO_SEED = 20_240_917
CHUNK = 2000
CENT = Decimal("0.01")

# Share of a day's clicks in each UTC hour: quiet nights, a lunchtime bump, a European evening peak.
HOUR_WEIGHTS = [0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.45, 0.6, 0.75, 0.85, 0.9, 0.95,
                1.0, 1.0, 1.0, 1.05, 1.1, 1.25, 1.45, 1.6, 1.65, 1.5, 1.1, 0.65]
HOUR_MEAN = sum(HOUR_WEIGHTS) / len(HOUR_WEIGHTS)
WEEKDAY_FACTORS = [0.9, 0.92, 0.95, 1.0, 1.1, 1.3, 1.25]  # Monday … Sunday
COUNTRIES = ["GB", "DE", "SE", "FI", "NO", "AT", "NL", "IE", "CA", "NZ"]
USER_AGENTS = [
    (5, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.122 Mobile Safari/537.36"),
    (4, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"),
    (2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15"),
    (1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"),
    (1, "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/125.0.6422.165 Mobile Safari/537.36"),
]
BOT_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.32.3",
]
REJECTION_REASONS = [
    "Duplicate player: already registered through another partner.",
    "Self-referral: the publisher's own account.",
    "Bonus abuse detected by the operator's risk team.",
    "Deposit charged back.",
]
DEPOSIT_AMOUNTS = [(30, "10"), (25, "20"), (20, "50"), (12, "100"), (6, "250"), (3, "500"), (1, "1000")]


@dataclass
class Terms:
    offer_event_id: int
    payout_type: PayoutType
    payout: Decimal
    payout_percent: Decimal
    revenue_type: RevenueType
    revenue: Decimal
    revenue_percent: Decimal


@dataclass
class LinkProfile:
    """What the generator needs to know about one demo link, read once from the database."""

    link_id: int
    publisher_id: int
    offer_id: int
    advertiser_id: int
    player_prefix: str  # e.g. "NG" for Northstar Gaming: players look like NG-000123
    currency: str
    creative_id: int | None
    marketing_source_id: int | None
    referrer: str
    geo: str
    home_country: str
    daily_clicks: float
    manual_approval: bool
    sub_ids: list[str]
    blocked: set[str]
    terms: dict[str, Terms]
    recent_ips: deque = field(default_factory=lambda: deque(maxlen=300))


def commission(terms, amount: Decimal | None) -> tuple[Decimal, Decimal]:
    """(payout, revenue) for one event under `terms`: fixed parts for CPA/RPA, percent of the amount for
    CPS/RPS/RevShare, both for the hybrids; rounded half-up to the cent."""
    amount = amount or Decimal("0")
    payout = Decimal("0")
    if terms.payout_type in (PayoutType.CPA, PayoutType.CPA_CPS):
        payout += terms.payout
    if terms.payout_type in (PayoutType.CPS, PayoutType.CPA_CPS, PayoutType.REVSHARE):
        payout += amount * Decimal(terms.payout_percent) / 100
    revenue = Decimal("0")
    if terms.revenue_type in (RevenueType.RPA, RevenueType.RPA_RPS):
        revenue += terms.revenue
    if terms.revenue_type in (RevenueType.RPS, RevenueType.RPA_RPS):
        revenue += amount * Decimal(terms.revenue_percent) / 100
    return payout.quantize(CENT, ROUND_HALF_UP), revenue.quantize(CENT, ROUND_HALF_UP)


def load_link_profiles(link_ids: list[int], daily_clicks: dict[int, float]) -> list[LinkProfile]:
    profiles = []
    for link in db.session.scalars(select(TrackingLink).where(TrackingLink.id.in_(link_ids)).order_by(TrackingLink.id)):
        offer: Offer = link.offer
        source = db.session.get(MarketingSource, link.marketing_source_id) if link.marketing_source_id else None
        events = db.session.scalars(select(OfferEvent).where(OfferEvent.offer_id == offer.id))
        profiles.append(LinkProfile(
            link_id=link.id, publisher_id=link.publisher_id, offer_id=offer.id, advertiser_id=offer.advertiser_id,
            player_prefix="".join(word[0] for word in offer.advertiser.name.split()).upper(),
            currency=offer.currency, creative_id=link.creative_id, marketing_source_id=link.marketing_source_id,
            referrer=source.url if source else "", geo=link.geo_target, home_country=link.publisher.country,
            daily_clicks=daily_clicks[link.id], manual_approval=offer.manually_approve_conversions,
            sub_ids=list(db.session.scalars(
                select(SubId.external_id).where(SubId.publisher_id == link.publisher_id).order_by(SubId.id))),
            blocked=set(db.session.scalars(select(BlockedSubId.sub_id).where(
                BlockedSubId.publisher_id == link.publisher_id, BlockedSubId.offer_id == offer.id))),
            terms={e.code: Terms(e.id, e.payout_type, e.payout, e.payout_percent, e.revenue_type, e.revenue,
                                 e.revenue_percent) for e in events},
        ))
    return profiles


def has_traffic(link_ids: list[int]) -> bool:
    return db.session.scalar(select(Click.click_id).where(Click.link_id.in_(link_ids)).limit(1)) is not None


def uuid7_at(moment: datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 whose timestamp is `moment`, so ids sort like the traffic they name."""
    millis = int(moment.timestamp() * 1000)
    value = (millis << 80) | rng.getrandbits(80)
    return uuid.UUID(int=UUID6(int=value, version=7).int)


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class TrafficWriter:
    """Collects generated rows and writes them in bulk chunks; the single seam to swap for the real endpoints."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def write(self, model, rows: list[dict]) -> None:
        # A Core insert on the table: the ORM bulk path sends one statement per row on PostgreSQL
        # when the primary key is left to the database.
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(model.__table__), rows[start:start + CHUNK])
        self.counts[model.__tablename__] += len(rows)


def seed_traffic(profiles: list[LinkProfile], days: int, now: datetime, rng: random.Random,
                 on_day: Callable[[], None] = lambda: None) -> Counter:
    """`days` days of traffic ending at `now`; flushes, never commits. Returns rows written per table."""
    writer = TrafficWriter()
    funnel = Funnel(rng, now)
    first_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=days * 24 - 1)
    for day in range(days):
        clicks, impressions = [], {}
        trend = 0.85 + 0.3 * day / max(days - 1, 1)  # a network that grows over the month
        for hour_index in range(day * 24, day * 24 + 24):
            hour = first_hour + timedelta(hours=hour_index)
            elapsed = min(3600.0, (now - hour).total_seconds())  # the last hour is still running
            scale = trend * WEEKDAY_FACTORS[hour.weekday()] * HOUR_WEIGHTS[hour.hour] / HOUR_MEAN / 24 * elapsed / 3600
            for link in profiles:
                count = poisson(rng, link.daily_clicks * scale * rng.uniform(0.8, 1.2))
                for _ in range(count):
                    click = make_click(link, hour + timedelta(seconds=rng.uniform(0, elapsed)), rng)
                    clicks.append(click)
                    funnel.maybe_convert(link, click)
                if link.creative_id is not None:
                    views = count * rng.randint(45, 110) + round(rng.randint(8, 40) * elapsed / 3600)
                    impressions[(link.creative_id, link.link_id, link.publisher_id, hour_epoch(hour))] = views
        clicks.sort(key=lambda c: c["click_id"])
        insert_clicks(clicks)  # the same idempotent write the tracker's flush uses
        writer.counts[Click.__tablename__] += len(clicks)
        add_impression_counts(impressions)  # the tracker's own counters
        writer.counts[ImpressionCount.__tablename__] += len(impressions)
        on_day()
    funnel.write(writer)
    return writer.counts


def make_click(link: LinkProfile, at: datetime, rng: random.Random) -> dict:
    bot = rng.random() < 0.03
    # As the tracker counts it: unique means a human whose IP has not clicked this link lately.
    if not bot and link.recent_ips and rng.random() < 0.18:
        ip, unique = rng.choice(link.recent_ips), False
    else:
        ip = f"{rng.randint(2, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        unique = not bot
        if not bot:
            link.recent_ips.append(ip)
    # A few sub IDs carry most traffic: weight 1, 1/2, 1/3 … in the publisher's order.
    weights = [1 / (i + 1) for i in range(len(link.sub_ids))]
    subs = [rng.choices(link.sub_ids, weights)[0] if link.sub_ids and rng.random() < share else ""
            for share in (0.95, 0.6, 0.3)]
    if link.geo and rng.random() < 0.85:
        country = link.geo
    else:
        country = link.home_country if rng.random() < 0.5 else rng.choice(COUNTRIES)
    return {
        "click_id": uuid7_at(at, rng), "link_id": link.link_id, "publisher_id": link.publisher_id,
        "offer_id": link.offer_id, "creative_id": link.creative_id, "marketing_source_id": link.marketing_source_id,
        "sub1": subs[0], "sub2": subs[1], "sub3": subs[2], "sub4": "", "sub5": "", "country": country,
        "user_agent": rng.choice(BOT_AGENTS) if bot else rng.choices(
            [ua for _, ua in USER_AGENTS], weights=[w for w, _ in USER_AGENTS])[0],
        "referrer": link.referrer if rng.random() < 0.7 else "",
        "ip_hash": hash_ip(ip), "is_unique": unique, "is_bot": bot,
        "is_blocked": bool(link.blocked.intersection(subs)), "created_at": at,
    }


class Funnel:
    """Turns some clicks into players who register, deposit and report NGR, and prices their events."""

    REGISTRATION_RATE = 0.045
    FTD_RATE = 0.42

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.players: list[dict] = []
        self.events: list[dict] = []
        self.conversions: list[dict] = []
        self.serial: Counter = Counter()

    def maybe_convert(self, link: LinkProfile, click: dict) -> None:
        rng = self.rng
        if click["is_bot"] or click["is_blocked"] or not click["is_unique"] or rng.random() > self.REGISTRATION_RATE:
            return
        registered = click["created_at"] + timedelta(minutes=rng.uniform(2, 90))
        if registered > self.now:
            return
        self.serial[link.advertiser_id] += 1
        external_id = f"{link.player_prefix}-{self.serial[link.advertiser_id]:06d}"
        key = (link.advertiser_id, external_id)
        self._event(link, click, key, "registration", registered, None)
        last = registered
        if rng.random() < self.FTD_RATE:
            moment = registered + timedelta(minutes=rng.uniform(5, 3 * 24 * 60))
            deposits: list[tuple[datetime, Decimal]] = []
            code = "ftd"
            while moment <= self.now:
                amount = self._deposit_amount()
                self._event(link, click, key, code, moment, amount)
                deposits.append((moment, amount))
                last, code = moment, "deposit"
                if rng.random() < 0.35:
                    break
                moment += timedelta(hours=rng.uniform(6, 24 * 6))
            if deposits:
                last = max(last, self._ngr_reports(link, click, key, deposits))
        self.players.append({
            "advertiser_id": link.advertiser_id, "external_id": external_id,
            "email": f"{external_id.lower()}@players.example",
            "phone": None, "anon_id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
            "user_properties": {"country": click["country"], "language": click["country"].lower(),
                                "vip_level": rng.choice(["bronze", "bronze", "silver", "gold"])},
            "click_id": click["click_id"], "link_id": link.link_id, "publisher_id": link.publisher_id,
            "offer_id": link.offer_id, "first_seen_at": registered, "updated_at": last,
        })

    def _deposit_amount(self) -> Decimal:
        weights, amounts = zip(*DEPOSIT_AMOUNTS, strict=True)
        amount = Decimal(self.rng.choices(amounts, weights=weights)[0])
        if self.rng.random() < 0.3:  # some players type their own amount
            amount += Decimal(self.rng.randint(0, 4999)) / 100
        return amount

    def _ngr_reports(self, link, click, key, deposits) -> datetime:
        """A weekly NGR report after the first deposit; players sometimes win, so NGR can be negative."""
        start, last = deposits[0][0], deposits[0][0]
        while (end := start + timedelta(days=7)) <= self.now:
            deposited = sum((a for at, a in deposits if start <= at < end), Decimal("0"))
            ngr = (deposited * Decimal(self.rng.randint(-40, 70)) / 100).quantize(CENT, ROUND_HALF_UP)
            self._event(link, click, key, "revenue", end, ngr,
                        {"period_start": start.date().isoformat(), "period_end": end.date().isoformat()})
            start = last = end
        return last

    def _event(self, link: LinkProfile, click: dict, player_key, kind: str, at: datetime,
               amount: Decimal | None, properties: dict | None = None) -> None:
        rng = self.rng
        self.serial["events"] += 1
        body = {"type": kind, "player_id": player_key[1], "click_id": str(click["click_id"]),
                "amount": str(amount) if amount is not None else None, "currency": link.currency,
                "timestamp": at.isoformat(), "properties": properties or {}}
        event_id = uuid7_at(at, rng)
        self.events.append({
            "id": event_id, "advertiser_id": link.advertiser_id, "player_key": player_key,
            "idempotency_key": f"demo-{player_key[1]}-{kind}-{self.serial['events']}",
            "body_hash": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
            "type": kind, "click_id": click["click_id"], "publisher_id": link.publisher_id,
            "offer_id": link.offer_id, "link_id": link.link_id, "amount": amount,
            "currency": link.currency if amount is not None else None, "occurred_at": at,
            "received_at": min(self.now, at + timedelta(seconds=rng.uniform(1, 90))), "properties": properties or {},
        })
        if kind in link.terms:
            self._conversion(link, click, link.terms[kind], event_id, at, amount)

    def _conversion(self, link, click, terms: Terms, event_id, at: datetime, amount: Decimal | None) -> None:
        rng = self.rng
        payout, revenue = commission(terms, amount)
        roll, reason = rng.random(), ""
        if self.now - at < timedelta(days=2) or (link.manual_approval and roll < 0.5) or roll < 0.08:
            status, reviewed = ConversionStatus.PENDING, at
        elif roll > 0.96:
            status, reason = ConversionStatus.REJECTED, rng.choice(REJECTION_REASONS)
            reviewed = min(self.now, at + timedelta(hours=rng.uniform(12, 72)))
        else:
            status, reviewed = ConversionStatus.APPROVED, min(self.now, at + timedelta(hours=rng.uniform(2, 48)))
        self.conversions.append({
            "event_id": event_id, "click_id": click["click_id"], "publisher_id": link.publisher_id,
            "offer_id": link.offer_id, "offer_event_id": terms.offer_event_id, "link_id": link.link_id,
            "status": status, "rejection_reason": reason, "payout_type": terms.payout_type, "payout": payout,
            "revenue": revenue, "currency": link.currency, "created_at": at, "updated_at": reviewed,
            "paid_at": None,
        })

    def write(self, writer: TrafficWriter) -> None:
        writer.write(Player, self.players)
        advertisers = {p["advertiser_id"] for p in self.players}
        player_ids = {
            (advertiser_id, external_id): player_id
            for player_id, advertiser_id, external_id in db.session.execute(
                select(Player.id, Player.advertiser_id, Player.external_id).where(Player.advertiser_id.in_(advertisers))
            )
        }
        events = [{**{k: v for k, v in e.items() if k != "player_key"}, "player_id": player_ids[e["player_key"]]}
                  for e in self.events]
        writer.write(Event, sorted(events, key=lambda e: e["id"]))
        writer.write(Conversion, self.conversions)
