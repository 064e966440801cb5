"""Demo traffic: clicks and hourly impressions back-dated over the month, written through the tracker's own
idempotent store; the players and events they lead to go through the events API's service
(`portal.demo.funnel`), so the commission engine prices every conversion.
"""
from __future__ import annotations

import math
import random
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import uuid_utils
from sqlalchemy import select

from portal.demo.funnel import Funnel
from portal.extensions import db
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import Offer
from portal.subids.models import BlockedSubId, SubId
from portal.tracking.jobs import store_clicks, store_impressions
from portal.tracking.models import Click, ImpressionCount
from portal.tracking.service import hash_ip, hour_epoch

DEMO_SEED = 20_240_917

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
    sub_ids: list[str]
    blocked: set[str]
    recent_ips: deque = field(default_factory=lambda: deque(maxlen=300))


def load_link_profiles(link_ids: list[int], daily_clicks: dict[int, float]) -> list[LinkProfile]:
    profiles = []
    for link in db.session.scalars(select(TrackingLink).where(TrackingLink.id.in_(link_ids)).order_by(TrackingLink.id)):
        offer: Offer = link.offer
        source = db.session.get(MarketingSource, link.marketing_source_id) if link.marketing_source_id else None
        profiles.append(LinkProfile(
            link_id=link.id, publisher_id=link.publisher_id, offer_id=offer.id, advertiser_id=offer.advertiser_id,
            player_prefix="".join(word[0] for word in offer.advertiser.name.split()).upper(),
            currency=offer.currency, creative_id=link.creative_id, marketing_source_id=link.marketing_source_id,
            referrer=source.url if source else "", geo=link.geo_target, home_country=link.publisher.country,
            daily_clicks=daily_clicks[link.id],
            sub_ids=list(db.session.scalars(
                select(SubId.external_id).where(SubId.publisher_id == link.publisher_id).order_by(SubId.id))),
            blocked=set(db.session.scalars(select(BlockedSubId.sub_id).where(
                BlockedSubId.publisher_id == link.publisher_id, BlockedSubId.offer_id == offer.id))),
        ))
    return profiles


def has_traffic(link_ids: list[int]) -> bool:
    return db.session.scalar(select(Click.click_id).where(Click.link_id.in_(link_ids)).limit(1)) is not None


def uuid7_at(moment: datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 whose timestamp is `moment`, so ids sort like the traffic they name."""
    millis = int(moment.timestamp() * 1000)
    value = (millis << 80) | rng.getrandbits(80)
    return uuid.UUID(int=uuid_utils.UUID(int=value, version=7).int)  # sets the version and variant bits


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


def seed_traffic(profiles: list[LinkProfile], days: int, now: datetime, rng: random.Random,
                 on_day: Callable[[], None] = lambda: None) -> Counter:
    """`days` days of traffic ending at `now`; flushes, never commits. Returns rows written per table."""
    counts: Counter = Counter()
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
        store_clicks(clicks)  # the same idempotent write the tracker's flush uses
        counts[Click.__tablename__] += len(clicks)
        store_impressions(impressions)  # the tracker's own counters
        counts[ImpressionCount.__tablename__] += len(impressions)
        on_day()
    counts += funnel.send()
    return counts


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


