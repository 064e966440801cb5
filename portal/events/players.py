"""Find or create an advertiser's players by their id, safely under concurrent requests."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.events.models import Player
from portal.extensions import db
from portal.types import utcnow

_CHUNK = 1000
_MAX_KEY = 255


@dataclass
class Identity:
    """A player as an event names it: the advertiser's player id, plus identifiers when the body gives them."""

    key: str
    email: str | None = None
    phone: str | None = None
    anon_id: str | None = None


def identity_key(user_id: str | None, email: str | None, phone: str | None, anon_id: str | None) -> str:
    """The player id for a user-batch entry: its user_id, else a key made from the first other identifier."""
    if user_id:
        return user_id
    kind, value = next((k, v) for k, v in (("email", email and email.lower()), ("phone", phone), ("anon", anon_id)) if v)
    key = f"{kind}:{value}"
    return key if len(key) <= _MAX_KEY else f"{kind}#sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Player.__table__)


def players_for(advertiser_id: int, identities: dict[str, Identity]) -> dict[str, Player]:
    """The advertiser's players for these ids, created on first sight and locked for this transaction.

    New rows go in with ON CONFLICT DO NOTHING (sorted, so two batches never lock in opposite orders),
    then every player is read FOR UPDATE: attribution and property merges are read-modify-write."""
    if not identities:
        return {}
    keys = sorted(identities)
    existing = set()
    for start in range(0, len(keys), _CHUNK):
        existing.update(
            db.session.scalars(
                select(Player.external_id).where(
                    Player.advertiser_id == advertiser_id, Player.external_id.in_(keys[start : start + _CHUNK])
                )
            )
        )
    now = utcnow()
    new_rows = [
        {
            "advertiser_id": advertiser_id,
            "external_id": key,
            "email": identities[key].email,
            "phone": identities[key].phone,
            "anon_id": identities[key].anon_id,
            "user_properties": {},
            "first_seen_at": now,
            "updated_at": now,
        }
        for key in keys
        if key not in existing
    ]
    if new_rows:
        db.session.execute(_insert().on_conflict_do_nothing(index_elements=["advertiser_id", "external_id"]), new_rows)
    players: dict[str, Player] = {}
    for start in range(0, len(keys), _CHUNK):
        query = (
            select(Player)
            .where(Player.advertiser_id == advertiser_id, Player.external_id.in_(keys[start : start + _CHUNK]))
            .order_by(Player.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        players.update({player.external_id: player for player in db.session.scalars(query)})
    for key, player in players.items():
        _fill_identifiers(player, identities[key])
    return players


def _fill_identifiers(player: Player, identity: Identity) -> None:
    # Identifiers are set once (seed 004): a later body never overwrites them.
    if identity.email and not player.email:
        player.email = identity.email
    if identity.phone and not player.phone:
        player.phone = identity.phone
    if identity.anon_id and not player.anon_id:
        player.anon_id = identity.anon_id


def merge_user_properties(player: Player, properties: dict) -> None:
    """Accumulate profile attributes: the latest value of each key wins, keys not sent are kept."""
    if properties:
        player.user_properties = {**(player.user_properties or {}), **properties}
