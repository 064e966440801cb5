"""Which publisher brought a player: the click behind an event, and lifetime attribution on the player."""
from __future__ import annotations

import functools
import uuid
from typing import Iterable, NamedTuple

from sqlalchemy import select

from portal.events.models import Player
from portal.network.models import Offer
from portal.sql import any_of_param, dialect_name, run
from portal.tracking.jobs import store_buffered_clicks
from portal.tracking.models import Click

_CHUNK = 1000


class Source(NamedTuple):
    """The traffic an event is credited to; None everywhere means unattributed."""

    click_id: uuid.UUID | None
    link_id: int
    publisher_id: int
    offer_id: int


def attributable_clicks(advertiser_id: int, click_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Source]:
    """The clicks among `click_ids` that may credit an event of this advertiser.

    A click counts only if it exists, is not blocked and belongs to one of the advertiser's offers. Clicks
    not yet in the database may still sit in the Redis buffer: the buffer is stored once, in the caller's
    transaction (the event then lands with its click, which the rollups join), and looked up again."""
    wanted = set(click_ids)
    if not wanted:
        return {}
    found = _load_clicks(wanted)
    missing = wanted - found.keys()
    if missing:
        store_buffered_clicks()  # even when it stored nothing, the scheduled flush may just have done so
        found.update(_load_clicks(missing))
    return {
        click_id: Source(click_id, link_id, publisher_id, offer_id)
        for click_id, (link_id, publisher_id, offer_id, owner, blocked) in found.items()
        if owner == advertiser_id and not blocked
    }


def _load_clicks(click_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    found = {}
    ids = sorted(click_ids)
    stmt = _clicks_statement(dialect_name())
    for start in range(0, len(ids), _CHUNK):
        found.update({row[0]: row[1:] for row in run(stmt, {"ids": ids[start : start + _CHUNK]})})
    return found


@functools.cache
def _clicks_statement(dialect: str):
    clicks, offers = Click.__table__, Offer.__table__
    return (
        select(clicks.c.click_id, clicks.c.link_id, clicks.c.publisher_id, clicks.c.offer_id, offers.c.advertiser_id,
               clicks.c.is_blocked)
        .join(offers, offers.c.id == clicks.c.offer_id)
        .where(any_of_param(clicks.c.click_id, "ids", dialect))
    )


def attribute(player: Player | None, click: Source | None) -> Source | None:
    """Credit an event: a player keeps the first click that ever attributed it (lifetime attribution);
    an event without a player is credited to its own click, if any."""
    if player is None:
        return click
    if player.publisher_id is None and click is not None:
        player.click_id = click.click_id
        player.link_id = click.link_id
        player.publisher_id = click.publisher_id
        player.offer_id = click.offer_id
    if player.publisher_id is None:
        return None
    return Source(player.click_id, player.link_id, player.publisher_id, player.offer_id)
