"""RevShare carry-over balances: per (publisher, offer, currency), locked from pricing to commit."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from portal.conversions import commission
from portal.conversions.models import RevShareBalance
from portal.extensions import db
from portal.sql import insert_rows, on_postgresql, run, update_rows
from portal.types import utcnow


@dataclass
class Balance:
    """A locked carry-over balance: `stored` as read, `carried` as the batch leaves it."""

    id: int
    stored: Decimal
    carried: Decimal


def lock_balances(keys: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], Balance]:
    """The carry-over balances of these (publisher, offer, currency), created if new, locked until commit.

    Locked in key order, so two requests needing the same balances queue instead of deadlocking."""
    if not keys:
        return {}
    ordered = sorted(keys)
    insert_rows(
        RevShareBalance.__table__,
        [{"publisher_id": p, "offer_id": o, "currency": c, "carried": commission.ZERO, "updated_at": utcnow()} for p, o, c in ordered],
        ["publisher_id", "offer_id", "currency"],
        skip_existing=True,
    )
    return _locked_balances(ordered)


def save_balances(balances: dict[tuple[int, int, str], Balance]) -> None:
    """Write the balances a batch changed."""
    now = utcnow()
    changed = [{"id": b.id, "carried": b.carried, "updated_at": now} for b in balances.values() if b.carried != b.stored]
    if changed:
        update_rows(RevShareBalance.__table__, changed)


def _locked_balances(ordered: list[tuple[int, int, str]]) -> dict[tuple[int, int, str], Balance]:
    if on_postgresql():  # the keys as three arrays: one statement text whatever their number
        rows = run(_locked_balances_statement(), {
            "publisher_ids": [k[0] for k in ordered], "offer_ids": [k[1] for k in ordered], "currencies": [k[2] for k in ordered],
        })
    else:
        table = RevShareBalance.__table__
        key = tuple_(table.c.publisher_id, table.c.offer_id, table.c.currency)
        rows = db.session.execute(_balances_select().where(key.in_(ordered)))
    return {(publisher_id, offer_id, currency): Balance(id_, carried, carried)
            for publisher_id, offer_id, currency, id_, carried in rows}


def _balances_select():
    table = RevShareBalance.__table__
    return (
        select(table.c.publisher_id, table.c.offer_id, table.c.currency, table.c.id, table.c.carried)
        .order_by(table.c.publisher_id, table.c.offer_id, table.c.currency)
        .with_for_update()
    )


@functools.cache
def _locked_balances_statement():
    """PostgreSQL's `_locked_balances`, the keys bound as three arrays; built once."""
    table = RevShareBalance.__table__
    key = tuple_(table.c.publisher_id, table.c.offer_id, table.c.currency)
    arrays = [
        func.unnest(bindparam(name, type_=ARRAY(column.type)))
        for name, column in (("publisher_ids", table.c.publisher_id), ("offer_ids", table.c.offer_id),
                             ("currencies", table.c.currency))
    ]
    return _balances_select().where(key.in_(select(*arrays)))
