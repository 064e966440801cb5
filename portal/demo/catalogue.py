"""What the demo network is made of: fixed names, so a second seed run can recognise its own rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.accounts.models import ManagerAccess
from portal.network.models import PayoutType, RevenueType, Visibility

# (role, email, password) of every demo user; `run-portal` prints these.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", "admin@tracklane.example", "demo-admin-pass"),
    ("account_manager", "manager@tracklane.example", "demo-manager-pass"),
    ("publisher", "maya@goalrush-media.example", "demo-goalrush-pass"),
    ("publisher", "jonas@spinscout.example", "demo-spinscout-pass"),
    ("publisher", "linnea@nordicbonus.example", "demo-nordic-pass"),
    ("advertiser", "affiliates@northstar-gaming.example", "demo-northstar-pass"),
    ("advertiser", "partners@bluewave-sports.example", "demo-bluewave-pass"),
]
ADMIN_EMAIL = DEMO_LOGINS[0][1]
MANAGER_EMAIL = DEMO_LOGINS[1][1]
# The demo account manager manages both kinds, sees only its own publishers and every advertiser; admins keep the defaults.
MANAGER_REACH = dict(is_publisher_manager=True, publisher_manager_access=ManagerAccess.LIMITED,
                     is_advertiser_manager=True, advertiser_manager_access=ManagerAccess.GLOBAL)


@dataclass(frozen=True)
class Terms:
    payout_type: PayoutType
    payout: Decimal = Decimal("0")
    payout_percent: Decimal = Decimal("0")
    revenue_type: RevenueType = RevenueType.RPA
    revenue: Decimal = Decimal("0")
    revenue_percent: Decimal = Decimal("0")

    def columns(self) -> dict:
        return {
            "payout_type": self.payout_type,
            "payout": self.payout,
            "payout_percent": self.payout_percent,
            "revenue_type": self.revenue_type,
            "revenue": self.revenue,
            "revenue_percent": self.revenue_percent,
        }


def cpa(payout: str, revenue: str) -> Terms:
    return Terms(PayoutType.CPA, payout=Decimal(payout), revenue_type=RevenueType.RPA, revenue=Decimal(revenue))


def cps(percent: str, revenue_percent: str) -> Terms:
    return Terms(
        PayoutType.CPS,
        payout_percent=Decimal(percent),
        revenue_type=RevenueType.RPS,
        revenue_percent=Decimal(revenue_percent),
    )


@dataclass(frozen=True)
class OfferSpec:
    key: str
    advertiser: str
    name: str
    currency: str
    visibility: Visibility
    terms: Terms
    destination_url: str
    events: dict[str, Terms]  # offer event code -> its payout terms
    landing_pages: list[tuple[str, str]]  # (name, url)
    fallback_url: str = ""
    manually_approve: bool = False
    description: str = ""
    banner_colours: tuple[str, str] = ("#0f172a", "#f8fafc")  # background, text


EVENT_NAMES = {"registration": "Registration", "ftd": "First-time deposit", "deposit": "Deposit",
               "revenue": "Net gaming revenue"}
REPEATABLE_EVENTS = {"deposit", "revenue"}  # a player makes many; registration and ftd earn once

ADVERTISERS = [
    ("Northstar Gaming", "https://northstar-gaming.example", "EUR"),
    ("Bluewave Sports", "https://bluewave-sports.example", "USD"),
]

OFFERS = [
    OfferSpec(
        key="casino",
        advertiser="Northstar Gaming",
        name="Northstar Casino Welcome Bonus",
        currency="EUR",
        visibility=Visibility.PUBLIC,
        terms=cpa("35.00", "50.00"),
        destination_url="https://northstar-gaming.example/casino/welcome",
        fallback_url="https://northstar-gaming.example/casino",
        description="100% up to €200 and 50 free spins for new players.",
        events={"registration": cpa("2.50", "4.00"), "ftd": cpa("35.00", "50.00"), "deposit": cps("5", "8")},
        landing_pages=[
            ("Welcome bonus page", "https://northstar-gaming.example/casino/welcome"),
            ("Free spins page", "https://northstar-gaming.example/casino/free-spins"),
        ],
        banner_colours=("#1e3a8a", "#fde68a"),
    ),
    OfferSpec(
        key="poker",
        advertiser="Northstar Gaming",
        name="Northstar Poker High Rollers",
        currency="USD",
        visibility=Visibility.PRIVATE,
        terms=cps("25", "35"),
        destination_url="https://northstar-gaming.example/poker/vip",
        manually_approve=True,
        description="Invitation-only poker room; revenue share on deposits.",
        events={"registration": cpa("1.00", "2.00"), "ftd": cps("30", "40"), "deposit": cps("10", "15")},
        landing_pages=[("VIP lobby", "https://northstar-gaming.example/poker/vip")],
        banner_colours=("#111827", "#f59e0b"),
    ),
    OfferSpec(
        key="sportsbook",
        advertiser="Bluewave Sports",
        name="Bluewave Sportsbook Bet & Get",
        currency="USD",
        visibility=Visibility.REQUIRES_APPROVAL,
        terms=Terms(
            PayoutType.REVSHARE, payout_percent=Decimal("30"), revenue_type=RevenueType.RPS,
            revenue_percent=Decimal("40"),
        ),
        destination_url="https://bluewave-sports.example/sportsbook/bet-and-get",
        fallback_url="https://bluewave-sports.example/sportsbook",
        description="Bet $10, get $30 in free bets. Revenue share on net gaming revenue.",
        # A CPA + RevShare hybrid: CPA on the first deposit, 30 % of weekly NGR with negative NGR carried over.
        events={
            "registration": cpa("1.50", "3.00"),
            "ftd": cpa("30.00", "45.00"),
            "deposit": cps("4", "6"),
            "revenue": Terms(PayoutType.REVSHARE, payout_percent=Decimal("30"), revenue_type=RevenueType.RPS,
                             revenue_percent=Decimal("40")),
        },
        landing_pages=[
            ("Bet & Get page", "https://bluewave-sports.example/sportsbook/bet-and-get"),
            ("Football odds page", "https://bluewave-sports.example/sportsbook/football"),
        ],
        banner_colours=("#0369a1", "#ffffff"),
    ),
    OfferSpec(
        key="live",
        advertiser="Bluewave Sports",
        name="Bluewave Live Casino Hybrid",
        currency="EUR",
        visibility=Visibility.PUBLIC,
        terms=Terms(
            PayoutType.CPA_CPS, payout=Decimal("20.00"), payout_percent=Decimal("10"),
            revenue_type=RevenueType.RPA_RPS, revenue=Decimal("30.00"), revenue_percent=Decimal("15"),
        ),
        destination_url="https://bluewave-sports.example/live-casino",
        description="Live dealer tables; hybrid deal: CPA plus a share of deposits.",
        events={
            "registration": cpa("2.00", "3.50"),
            "ftd": Terms(
                PayoutType.CPA_CPS, payout=Decimal("20.00"), payout_percent=Decimal("10"),
                revenue_type=RevenueType.RPA_RPS, revenue=Decimal("30.00"), revenue_percent=Decimal("15"),
            ),
            "deposit": cps("7.5", "10"),
        },
        landing_pages=[("Live tables page", "https://bluewave-sports.example/live-casino")],
        banner_colours=("#047857", "#ecfdf5"),
    ),
]

# (width, height, Pillow format) of the banners drawn for every offer.
BANNER_SIZES = [(728, 90, "PNG"), (300, 250, "JPEG"), (160, 600, "WEBP")]


@dataclass(frozen=True)
class LinkSpec:
    name: str
    offer: str  # OfferSpec.key
    weight: float  # share of the publisher's traffic
    landing_page: int | None = None  # index into the offer's landing pages
    source: str | None = None  # marketing source name
    banner: tuple[int, int] | None = None  # creative size
    geo: str = ""


@dataclass(frozen=True)
class PublisherSpec:
    name: str
    email: str
    website: str
    country: str
    timezone: str
    daily_clicks: int  # average clicks per day over all links
    sources: list[tuple[str, str, str]]  # (name, kind, url)
    sub_ids: list[tuple[str, str]]  # (external_id, name)
    links: list[LinkSpec] = field(default_factory=list)


PUBLISHERS = [
    PublisherSpec(
        name="Goal Rush Media",
        email=DEMO_LOGINS[2][1],
        website="https://goalrush-media.example",
        country="GB",
        timezone="Europe/London",
        daily_clicks=260,
        sources=[
            ("Goal Rush tips site", "Website", "https://goalrush-media.example"),
            ("Matchday newsletter", "Email", ""),
        ],
        sub_ids=[
            ("pl_preview", "Premier League previews"),
            ("ucl_tips", "Champions League tips"),
            ("acca_builder", "Accumulator builder widget"),
            ("newsletter_fri", "Friday newsletter"),
            ("sidebar", "Sidebar banner slot"),
        ],
        links=[
            LinkSpec("Sportsbook header banner", "sportsbook", 0.45, landing_page=0, source="Goal Rush tips site",
                     banner=(728, 90), geo="GB"),
            LinkSpec("Sportsbook football odds", "sportsbook", 0.25, landing_page=1, source="Matchday newsletter"),
            LinkSpec("Live casino sidebar", "live", 0.15, source="Goal Rush tips site", banner=(160, 600)),
            LinkSpec("Casino welcome text link", "casino", 0.15, landing_page=0),
        ],
    ),
    PublisherSpec(
        name="Spin Scout",
        email=DEMO_LOGINS[3][1],
        website="https://spinscout.example",
        country="DE",
        timezone="Europe/Berlin",
        daily_clicks=240,
        sources=[
            ("Spin Scout reviews", "Website", "https://spinscout.example/reviews"),
            ("Spin Scout YouTube", "Social", "https://youtube.example/@spinscout"),
        ],
        sub_ids=[
            ("review_top10", "Top 10 casinos review"),
            ("review_northstar", "Northstar Casino review"),
            ("yt_description", "YouTube video description"),
            ("bonus_table", "Bonus comparison table"),
        ],
        links=[
            LinkSpec("Casino review button", "casino", 0.40, landing_page=0, source="Spin Scout reviews",
                     banner=(300, 250), geo="DE"),
            LinkSpec("Free spins video link", "casino", 0.20, landing_page=1, source="Spin Scout YouTube"),
            LinkSpec("Poker high rollers skyscraper", "poker", 0.15, landing_page=0, source="Spin Scout reviews",
                     banner=(160, 600)),
            LinkSpec("Live casino rectangle", "live", 0.25, source="Spin Scout reviews", banner=(300, 250), geo="AT"),
        ],
    ),
    PublisherSpec(
        name="Nordic Bonus Hunters",
        email=DEMO_LOGINS[4][1],
        website="https://nordicbonus.example",
        country="SE",
        timezone="Europe/Stockholm",
        daily_clicks=170,
        sources=[
            ("Nordic Bonus forum", "Website", "https://nordicbonus.example/forum"),
            ("Bonus alerts channel", "Social", "https://t.me/nordicbonus_example"),
        ],
        sub_ids=[
            ("forum_sig", "Forum signature"),
            ("weekly_deals", "Weekly deals post"),
            ("fi_landing", "Finnish landing page"),
            ("tg_bonus_leak", "Leaked bonus codes channel"),
        ],
        links=[
            LinkSpec("Casino forum banner", "casino", 0.45, landing_page=1, source="Nordic Bonus forum",
                     banner=(728, 90), geo="SE"),
            LinkSpec("Sportsbook alerts", "sportsbook", 0.35, landing_page=0, source="Bonus alerts channel", geo="FI"),
            LinkSpec("Poker VIP invite", "poker", 0.20, source="Nordic Bonus forum"),
        ],
    ),
]

# (publisher, offer key, sub_id, description): traffic with this sub ID earns nothing.
BLOCKED_SUB_IDS = [
    ("Nordic Bonus Hunters", "sportsbook", "tg_bonus_leak", "Incentivised traffic from a leaked-codes channel."),
]

# What the demo account manager looks after; the rest has no manager yet.
MANAGED_ADVERTISERS = ["Northstar Gaming"]
MANAGED_PUBLISHERS = ["Goal Rush Media", "Spin Scout"]

# A publisher asking for an offer it does not run yet: shows the admin an open access request.
PENDING_ACCESS = [("Goal Rush Media", "poker")]

API_KEY_NETWORK = "Demo network key"
API_KEY_ADVERTISER = "Demo events key"
