"""Demo players: some clicks become players who register, deposit and report NGR.

Their events are sent in time order through `portal.events.service.ingest`, as an advertiser's POST to
/api/v1/events would be, so attribution and the commission engine create the conversions. Then the
advertisers "review" part of them: older pending conversions are approved or rejected, and a few
approved ones are rejected, each with its ConversionChange row."""
from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import bindparam, func, select, update

from portal.accounts.models import Role, User
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.events.models import Event, Player
from portal.events.service import ACCEPTED, ingest
from portal.extensions import db
from portal.network.models import Offer

CENT = Decimal("0.01")
EVENTS_PER_REQUEST = 500
REVIEW_AFTER = timedelta(days=2)
REJECTION_REASONS = [
    "Duplicate player: already registered through another partner.",
    "Self-referral: the publisher's own account.",
    "Bonus abuse detected by the operator's risk team.",
    "Deposit charged back.",
]
DEPOSIT_AMOUNTS = [(30, "10"), (25, "20"), (20, "50"), (12, "100"), (6, "250"), (3, "500"), (1, "1000")]


class Funnel:
    """Collects the players' events while the clicks are generated; `send` ingests and reviews them."""

    REGISTRATION_RATE = 0.045
    FTD_RATE = 0.42

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.events: list[tuple[datetime, int, int, str, dict]] = []  # (at, serial, advertiser_id, player, body)
        self.profiles: dict[str, dict] = {}  # player id -> identifiers and user_properties
        self.serial: Counter = Counter()
        self.introduced: set[str] = set()

    def maybe_convert(self, link, click: dict) -> None:
        rng = self.rng
        if click["is_bot"] or click["is_blocked"] or not click["is_unique"] or rng.random() > self.REGISTRATION_RATE:
            return
        registered = click["created_at"] + timedelta(minutes=rng.uniform(2, 90))
        if registered > self.now:
            return
        self.serial[link.advertiser_id] += 1
        player = f"{link.player_prefix}-{self.serial[link.advertiser_id]:06d}"
        self.profiles[player] = {
            "identifiers": {"user_id": player, "email": f"{player.lower()}@players.example",
                            "anon_id": uuid.UUID(int=rng.getrandbits(128), version=4).hex},
            "user_properties": {"country": click["country"], "language": click["country"].lower(),
                                "vip_level": rng.choice(["bronze", "bronze", "silver", "gold"])},
        }
        self._event(link, player, "registration", registered, click_id=str(click["click_id"]))
        if rng.random() >= self.FTD_RATE:
            return
        moment = registered + timedelta(minutes=rng.uniform(5, 3 * 24 * 60))
        deposits: list[tuple[datetime, Decimal]] = []
        code = "ftd"
        while moment <= self.now:
            amount = self._deposit_amount()
            self._event(link, player, code, moment, amount=amount)
            deposits.append((moment, amount))
            code = "deposit"
            if rng.random() < 0.35:
                break
            moment += timedelta(hours=rng.uniform(6, 24 * 6))
        if deposits:
            self._ngr_reports(link, player, deposits)

    def _deposit_amount(self) -> Decimal:
        weights, amounts = zip(*DEPOSIT_AMOUNTS, strict=True)
        amount = Decimal(self.rng.choices(amounts, weights=weights)[0])
        if self.rng.random() < 0.3:  # some players type their own amount
            amount += Decimal(self.rng.randint(0, 4999)) / 100
        return amount

    def _ngr_reports(self, link, player: str, deposits) -> None:
        """A weekly NGR report after the first deposit; players sometimes win, so NGR can be negative."""
        start = deposits[0][0]
        while (end := start + timedelta(days=7)) <= self.now:
            deposited = sum((a for at, a in deposits if start <= at < end), Decimal("0"))
            ngr = (deposited * Decimal(self.rng.randint(-40, 70)) / 100).quantize(CENT, ROUND_HALF_UP)
            self._event(link, player, "revenue", end, amount=ngr,
                        period_start=start.date().isoformat(), period_end=end.date().isoformat())
            start = end

    def _event(self, link, player: str, kind: str, at: datetime, amount: Decimal | None = None, **fields) -> None:
        self.serial["events"] += 1
        body = {"type": kind, "idempotency_key": f"demo-{player}-{kind}-{self.serial['events']}",
                "timestamp": at.isoformat(), **fields}
        if amount is not None:
            body.update(amount=amount, currency=link.currency)
        self.events.append((at, self.serial["events"], link.advertiser_id, player, body))

    def send(self) -> Counter:
        """Ingest every event in time order, per advertiser; returns the rows created per table."""
        counts: Counter = Counter()
        before = db.session.scalar(select(func.count()).select_from(Conversion))
        for advertiser_id in sorted({e[2] for e in self.events}):
            timeline = sorted((e for e in self.events if e[2] == advertiser_id), key=lambda e: (e[0], e[1]))
            for start in range(0, len(timeline), EVENTS_PER_REQUEST):
                result = ingest(advertiser_id, {"users": self._users(timeline[start:start + EVENTS_PER_REQUEST])})
                counts[Event.__tablename__] += result.count(ACCEPTED)
        counts[Player.__tablename__] = len(self.profiles)
        counts[Conversion.__tablename__] = db.session.scalar(select(func.count()).select_from(Conversion)) - before
        self._backdate_players({e[2] for e in self.events})
        review(self.rng, self.now)
        return counts

    def _users(self, chunk) -> list[dict]:
        """The user-batch body for a run of events: consecutive events of one player share an entry, and a
        player's first entry carries its identifiers and profile."""
        users: list[dict] = []
        for _, _, _, player, body in chunk:
            if users and users[-1]["identifiers"]["user_id"] == player:
                users[-1]["events"].append(body)
                continue
            if player in self.introduced:
                entry = {"identifiers": {"user_id": player}}
            else:
                self.introduced.add(player)
                entry = self.profiles[player]
            users.append({**entry, "events": [body]})
        return users

    def _backdate_players(self, advertiser_ids: set[int]) -> None:
        """Players were first seen at their first event, not when the seed ran."""
        first = select(func.min(Event.occurred_at)).where(Event.player_id == Player.id).scalar_subquery()
        last = select(func.max(Event.occurred_at)).where(Event.player_id == Player.id).scalar_subquery()
        db.session.execute(
            update(Player).where(Player.advertiser_id.in_(advertiser_ids)).values(first_seen_at=first, updated_at=last),
            execution_options={"synchronize_session": False},
        )


def review(rng: random.Random, now: datetime) -> None:
    """The advertisers' review of the demo conversions, as their users would do it in the portal."""
    reviewers = dict(db.session.execute(
        select(User.advertiser_id, func.min(User.id)).where(User.role == Role.ADVERTISER).group_by(User.advertiser_id)
    ).all())
    rows = db.session.execute(
        select(Conversion.id, Conversion.status, Conversion.payout, Conversion.created_at, Offer.advertiser_id)
        .join(Offer, Offer.id == Conversion.offer_id)
        .where(Conversion.event_id.is_not(None))
        .order_by(Conversion.id)
    ).all()
    updates, changes = [], []
    for conversion_id, status, payout, created_at, advertiser_id in rows:
        roll = rng.random()
        if now - created_at < REVIEW_AFTER:
            continue
        if status == ConversionStatus.PENDING and roll < 0.85:
            new, reason = ConversionStatus.APPROVED, ""
        elif (status == ConversionStatus.PENDING and roll > 0.93) or (status == ConversionStatus.APPROVED and roll > 0.97):
            new, reason = ConversionStatus.REJECTED, rng.choice(REJECTION_REASONS)
        else:
            continue
        at = min(now, created_at + timedelta(hours=rng.uniform(2, 48)))
        updates.append({"b_id": conversion_id, "status": new, "rejection_reason": reason, "updated_at": at})
        changes.append({"conversion_id": conversion_id, "changed_by_id": reviewers.get(advertiser_id), "changed_at": at,
                        "from_status": status.value, "to_status": new.value, "from_payout": payout,
                        "to_payout": payout, "reason": reason})
    if updates:
        table = Conversion.__table__
        db.session.execute(
            table.update().where(table.c.id == bindparam("b_id")).values(
                status=bindparam("status"), rejection_reason=bindparam("rejection_reason"),
                updated_at=bindparam("updated_at"),
            ),
            updates,
        )
        db.session.execute(ConversionChange.__table__.insert(), changes)
