"""Find or create an advertiser's players by their id, safely under concurrent requests."""
from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, select

from portal.events.models import Player
from portal.extensions import db
from portal.sql import any_of, any_of_param, dialect_name, insert_rows, run
from portal.types import utcnow

_CHUNK = 1000
_MAX_KEY = 255


class PlayerRow(NamedTuple):
    """What `players_for` and `attribute` read of a player no request changes, read without a lock."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    anon_id: str | None
    click_id: uuid.UUID | None
    link_id: int | None
    publisher_id: int | None
    offer_id: int | None


@dataclass
class Identity:
    """A player as an event names it: the advertiser's player id, plus identifiers when the body gives them."""

    key: str
    email: str | None = None
    phone: str | None = None
    anon_id: str | None = None
    profile: dict = field(default_factory=dict)  # profile fields sent among the identifiers (first_name, …)


def identity_key(user_id: str | None, email: str | None, phone: str | None, anon_id: str | None) -> str:
    """The player id for a user-batch entry: its user_id, else a key made from the first other identifier."""
    if user_id:
        return user_id
    kind, value = next((k, v) for k, v in (("email", email and email.lower()), ("phone", phone), ("anon", anon_id)) if v)
    key = f"{kind}:{value}"
    return key if len(key) <= _MAX_KEY else f"{kind}#sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def players_for(
    advertiser_id: int, identities: dict[str, Identity], first_clicks: dict | None = None, merging: set[str] = frozenset()
) -> dict[str, Player | PlayerRow]:
    """The advertiser's players for these ids, created on first sight; those this request may change are
    locked for this transaction (attribution, identifier and property merges are read-modify-write).

    The players are read first; the missing ones go in with ON CONFLICT DO NOTHING (sorted, so two
    batches never lock in opposite orders), and those a concurrent request created first are read again.
    A player already attributed never changes attribution, so one that is, and that gets no identifiers
    and no properties (`merging`: the keys whose user properties merge), is read without a lock, as a
    read-only row of the columns attribution reads: requests sending deposits of the same players do not
    queue behind each other. The others are read FOR UPDATE in id order, in one statement, as Players.
    `first_clicks` maps a key to the click (a `Source`) of its first attributable event: a player created
    now starts attributed to it, as `attribute` would have set it."""
    if not identities:
        return {}
    keys = sorted(identities)
    players: dict[str, Player | PlayerRow] = _read(advertiser_id, keys)
    missing = [key for key in keys if key not in players]
    if missing:
        players.update(_create(advertiser_id, missing, identities, first_clicks or {}))
        lost = [key for key in missing if key not in players]  # a concurrent request created them first
        if lost:
            players.update(_read(advertiser_id, lost))
    changing = [
        key for key, player in players.items()
        if player.publisher_id is None or key in merging or _new_identifiers(player, identities[key])
    ]
    if changing:
        players.update(_lock(advertiser_id, sorted(changing)))
        for key in changing:
            _fill_identifiers(players[key], identities[key])
    return players


def _create(advertiser_id: int, keys: list[str], identities: dict[str, Identity], first_clicks: dict) -> dict[str, PlayerRow]:
    """Insert these players; returns those inserted (a key another request stored meanwhile is skipped)."""
    now, table = utcnow(), Player.__table__
    rows = [_new_row(advertiser_id, key, identities[key], first_clicks.get(key), now) for key in keys]
    returned = [table.c[name] for name in PlayerRow._fields]
    return {row[1]: PlayerRow._make(row) for row in insert_rows(table, rows, ["advertiser_id", "external_id"], returned)}


def _read(advertiser_id: int, keys: list[str]) -> dict[str, PlayerRow]:
    players = {}
    stmt = _read_statement(dialect_name())
    for start in range(0, len(keys), _CHUNK):
        rows = run(stmt, {"advertiser_id": advertiser_id, "keys": keys[start : start + _CHUNK]})
        players.update({row[1]: PlayerRow._make(row) for row in rows})
    return players


@functools.cache
def _read_statement(dialect: str):
    table = Player.__table__
    return select(*[table.c[name] for name in PlayerRow._fields]).where(
        table.c.advertiser_id == bindparam("advertiser_id"), any_of_param(table.c.external_id, "keys", dialect)
    )


def _lock(advertiser_id: int, keys: list[str]) -> dict[str, Player]:
    """These players, locked FOR NO KEY UPDATE: it serialises their read-modify-write like FOR UPDATE, but
    lets other requests' events and conversions that name them pass their foreign-key check (FOR KEY
    SHARE). With FOR UPDATE a request holding one player and checking another deadlocked with a request
    holding them the other way round."""
    players: dict[str, Player] = {}
    for start in range(0, len(keys), _CHUNK):
        players.update({player.external_id: player for player in db.session.scalars(
            select(Player)
            .where(Player.advertiser_id == advertiser_id, any_of(Player.external_id, keys[start : start + _CHUNK]))
            .order_by(Player.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )})
    return players


def _new_row(advertiser_id: int, key: str, identity: Identity, click, now) -> dict:
    return {
        "advertiser_id": advertiser_id,
        "external_id": key,
        "email": identity.email,
        "phone": identity.phone,
        "anon_id": identity.anon_id,
        "user_properties": {},
        "profile": dict(identity.profile),
        "click_id": click.click_id if click else None,
        "link_id": click.link_id if click else None,
        "publisher_id": click.publisher_id if click else None,
        "offer_id": click.offer_id if click else None,
        "first_seen_at": now,
        "updated_at": now,
    }


def _new_identifiers(player: Player | PlayerRow, identity: Identity) -> bool:
    return bool(
        (identity.email and not player.email) or (identity.phone and not player.phone) or (identity.anon_id and not player.anon_id)
    )


def _fill_identifiers(player: Player, identity: Identity) -> None:
    # Identifiers are set once (seed 004): a later body never overwrites them.
    if identity.email and not player.email:
        player.email = identity.email
    if identity.phone and not player.phone:
        player.phone = identity.phone
    if identity.anon_id and not player.anon_id:
        player.anon_id = identity.anon_id
    new = {key: value for key, value in identity.profile.items() if key not in (player.profile or {})}
    if new:  # set once too: a profile field already kept is not overwritten
        player.profile = {**(player.profile or {}), **new}


def merge_user_properties(player: Player, properties: dict) -> None:
    """Accumulate profile attributes: the latest value of each key wins, keys not sent are kept."""
    if properties:
        player.user_properties = {**(player.user_properties or {}), **properties}
