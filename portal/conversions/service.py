"""Writing conversions. Flushes, never commits.

`record_conversions` is the one place a conversion row is written: the event engine (`convert_events`,
subscribed to `portal.signals.events_accepted`), the click and impression flushes
(`portal.conversions.paid_traffic`) and the demo all go through it. What an event earns is
`portal.conversions.pricing`."""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, insert, select

from portal.conversions import commission
from portal.conversions.balances import save_balances
from portal.conversions.models import Conversion, ConversionChange
from portal.conversions.pricing import EventPricing
from portal.events.models import AcceptedEvent
from portal.signals import events_accepted, hours_touched
from portal.sql import insert_from_json, insert_rows, json_rows, on_postgresql, run


def record_conversions(rows: list[dict]) -> list[dict]:
    """Insert conversions and their first status-history row; returns the rows inserted, with their `id`.

    Each row holds Conversion columns and a unique `source_key`; a row whose key exists already is
    skipped, which makes every caller idempotent."""
    if not rows:
        return []
    table = Conversion.__table__
    if on_postgresql():
        names = tuple(rows[0])
        ids = dict(run(_record_statement(names), {"rows": json_rows(rows, table, names)}))
    else:
        ids = dict(insert_rows(table, rows, ["source_key"], [table.c.source_key, table.c.id]))
    inserted = [{**row, "id": ids[row["source_key"]]} for row in rows if row["source_key"] in ids]
    hours_touched.send(times=[row["created_at"] for row in inserted])
    if inserted and not on_postgresql():  # PostgreSQL wrote them in the same statement
        run(_first_changes_statement(), {"ids": [row["id"] for row in inserted]})
    return inserted


def _first_change_columns(source) -> list:
    """The columns of a conversion (of `source`, a table or a CTE) its first history row copies."""
    return [source.c.id, source.c.created_at, source.c.status, source.c.payout, source.c.rejection_reason]


def _first_changes(source):
    """INSERT the first status-history row of each conversion `source` selects (`_first_change_columns`)."""
    return insert(ConversionChange.__table__).from_select(
        ["conversion_id", "changed_at", "to_status", "to_payout", "reason"], source, include_defaults=False
    )


@functools.cache
def _record_statement(names: tuple):
    """PostgreSQL's `record_conversions` in one statement, built once per row shape: the conversions of the
    `rows` document go in, and a data-modifying WITH copies each inserted one into its first history row;
    returns (source_key, id) of those inserted."""
    table = Conversion.__table__
    returned = (table.c.source_key, *_first_change_columns(table))
    inserted = insert_from_json(table, names, ("source_key",), returned, False).cte("inserted")
    first_changes = _first_changes(select(*_first_change_columns(inserted))).cte("first_changes")
    return select(inserted.c.source_key, inserted.c.id).add_cte(first_changes)


@functools.cache
def _first_changes_statement():
    """SQLite's first history rows, of the conversions among `ids`; built once."""
    table = Conversion.__table__
    return _first_changes(select(*_first_change_columns(table)).where(table.c.id.in_(bindparam("ids", expanding=True))))


# Events ---------------------------------------------------------------------------------------------


@events_accepted.connect
def _on_events_accepted(sender, *, advertiser_id: int, events: list[AcceptedEvent]) -> None:
    convert_events(advertiser_id, events)


def convert_events(advertiser_id: int, events: list[AcceptedEvent]) -> list[dict]:
    """Create the conversions earned by events just stored (never repeats); returns the rows created.

    Everything the rules need is loaded in a few queries for the whole batch."""
    events = [
        e for e in events if e.publisher_id and e.offer_id and commission.offer_event_code(e.type, e.properties)
    ]
    if not events:
        return []
    pricing = EventPricing.load(advertiser_id, events)
    rows = [row for e in events if (row := pricing.convert(e)) is not None]
    pricing.throttling.apply()
    save_balances(pricing.balances)
    return record_conversions(rows)
