"""Driver-level SQL shared by the domains: statements whose text stays the same whatever the number of values,
and INSERTs that know this database's ON CONFLICT.

On PostgreSQL a list of values is bound as one array (`= ANY(:ids)`) and a list of rows as one JSON
document (`json_to_recordset(:rows)`), so each statement has one fixed text: the driver parses it once
and the server prepares it, where an IN list or a multi-row VALUES makes new text for every size (and
texts over 4 KB are never cached). One JSON document is also far cheaper to send than a parameter or an
array per value; orjson encodes it in a tenth of the standard library's time. SQLite gets the portable
forms.

`run` sends those statements straight to the driver on PostgreSQL, in the session's transaction."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal

import psycopg
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Enum,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    exists,
    func,
    select,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator

from portal.extensions import db
from portal.jsontext import compact_json, exact_number
from portal.types import UTCDateTime

_CURSOR = "tracklane.hot_cursor"


def dialect_name() -> str:
    return db.engine.dialect.name  # one engine (no binds): cheaper than asking the session, several times a request


def on_postgresql() -> bool:
    return dialect_name() == "postgresql"


def unless_refused():
    """Scope a write statement so that its refusal (an IntegrityError) does not undo the caller's writes: a
    savepoint on PostgreSQL, where an error aborts the whole transaction. SQLite undoes just the failed statement,
    and there a savepoint opened before any write would itself start, and on release commit, the transaction
    (pysqlite). For statements (`session.execute`), not ORM flushes: a failed flush rolls the session back."""
    return db.session.begin_nested() if on_postgresql() else nullcontext()


def insert_statement(table):
    """An INSERT into `table` (a model or a Table) that knows ON CONFLICT on this database (PostgreSQL or SQLite).

    Whether a row went in is told by RETURNING: the session reports no rowcount for inserts."""
    return (postgresql.insert if on_postgresql() else sqlite.insert)(table)


def any_of(column, values: Sequence) -> ColumnElement[bool]:
    """`column IN values`, as `column = ANY(:array)` on PostgreSQL."""
    values = list(values)
    if not on_postgresql():
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))


def any_of_param(column, name: str, dialect: str) -> ColumnElement[bool]:
    """`any_of` with the values bound when the statement runs, as parameter `name` (a list): for a statement
    built once per dialect. On PostgreSQL the list travels as one JSON array, which orjson writes in a
    fraction of the time the driver takes to write an array parameter element by element."""
    if dialect != "postgresql":
        return column.in_(bindparam(name, expanding=True))
    elements = func.json_array_elements_text(cast(bindparam(name, type_=_JSONList()), JSON)).table_valued("value")
    return column == any_(func.array(select(cast(elements.c.value, column.type)).scalar_subquery()))


class _JSONList(TypeDecorator):
    """A list bound as the text of one JSON array."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return compact_json(list(value), default=_json_default).decode()


def run(statement, params: dict) -> list[tuple]:
    """Execute `statement` with `params` (plain values: ints, strings, lists, UUIDs, Decimals, JSON text)
    and return its rows as tuples; no rows for a statement that returns none.

    For statements built once (the `_…_statement` builders). On PostgreSQL the statement is compiled
    once and goes to the driver on one reused cursor of the session's connection, skipping SQLAlchemy's
    per-execution work (cache key, execution context, result wrapping): about 40 % of a short statement's
    time on the events path. Values come back as the driver makes them, so such statements may not
    return enums, times or JSON (checked when compiled). Elsewhere it is an ordinary session execute."""
    if not on_postgresql():
        result = db.session.execute(statement, params)
        return [tuple(row) for row in result] if result.returns_rows else []
    sql, defaults, processors, returns_rows = _compiled(statement)
    cursor = _cursor()
    values = {**defaults, **params} if defaults else params
    if processors:
        values = {**values, **{name: process(values[name]) for name, process in processors}}
    try:
        cursor.execute(sql, values)
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, values, exc, psycopg.Error) from exc
    return cursor.fetchall() if returns_rows else []


@functools.lru_cache(maxsize=256)
def _compiled(statement) -> tuple[str, dict, tuple, bool]:
    """The PostgreSQL text of `statement`, the values of the literals it binds (processed as SQLAlchemy
    would), the (name, bind processor) of the parameters bound when it runs that have one (most have
    none), and whether it returns rows."""
    columns = list(statement.exported_columns)
    for column in columns:
        if isinstance(column.type, (Enum, DateTime, JSON, UTCDateTime)):
            raise TypeError(f"run() hands back driver values: {column} ({column.type}) would need SQLAlchemy's processing")
    dialect = db.engine.dialect
    compiled = statement.compile(dialect=dialect)
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise TypeError("run() does not fill Python-side column defaults: give every column's value")
    defaults, processors = {}, []
    for bind, name in compiled.bind_names.items():
        if isinstance(bind.type, JSON):
            raise TypeError(f"run() sends values as they are: bind {name} as text and CAST it to JSON")
        process = bind.type.bind_processor(dialect)
        if bind.required:  # bound when run
            if process is not None:
                processors.append((name, process))
            continue
        defaults[name] = process(bind.value) if process is not None else bind.value
    return compiled.string, defaults, tuple(processors), bool(columns)


def _cursor() -> psycopg.Cursor:
    """One cursor per pooled connection, kept with it: making a psycopg cursor costs as much as a short query."""
    connection = db.session.connection().connection
    cursor = connection.info.get(_CURSOR)  # the pool clears info when it replaces the driver connection
    if cursor is None or cursor.closed or cursor.connection is not connection.driver_connection:
        cursor = connection.info[_CURSOR] = connection.driver_connection.cursor()
    return cursor


def insert_rows(
    table: Table, rows: list[dict], conflict: Sequence[str] = (), returning: Sequence = (), skip_existing: bool = False
):
    """Execute one INSERT of `rows` (all with the same keys), optionally ON CONFLICT (`conflict`) DO NOTHING
    and RETURNING `returning`; returns the rows returned, as tuples. On PostgreSQL the rows travel as one
    JSON document.

    `skip_existing` leaves out, before the insert, rows whose `conflict` columns match a stored row: they
    then take no value from the id sequence (ON CONFLICT alone draws one for every row it skips)."""
    if on_postgresql():
        names = tuple(name for name in rows[0] if name in table.c)
        stmt = insert_from_json(table, names, tuple(conflict), tuple(returning), skip_existing)
        return run(stmt, {"rows": json_rows(rows, table, names)})
    stmt = sqlite.insert(table)
    if conflict:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        stmt = stmt.returning(*returning)
        return [tuple(row) for row in db.session.execute(stmt, rows)]
    db.session.execute(stmt, rows)
    return []


@functools.cache
def insert_from_json(table: Table, names: tuple, conflict: tuple, returning: tuple, skip_existing: bool):
    """The PostgreSQL statement of `insert_rows`, built once per shape: the rows are its `rows` parameter
    (`json_rows`)."""
    columns = [table.c[name] for name in names]
    given = _given(table, names)
    source = select(*[given.c[name] for name in names])
    if skip_existing:
        source = source.where(~exists().where(*[table.c[name] == given.c[name] for name in conflict]))
    stmt = postgresql.insert(table).from_select(columns, source)
    if conflict:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        stmt = stmt.returning(*returning)
    return stmt


def _given(table: Table, names: tuple):
    """The `rows` parameter, a JSON document, as a table `given` of these columns of `table`."""
    return (
        func.json_to_recordset(cast(bindparam("rows", type_=Text()), JSON))
        .table_valued(*[sql_column(name, table.c[name].type) for name in names])
        .render_derived(name="given", with_types=True)
    )


def update_rows(table: Table, rows: list[dict]) -> None:
    """Execute one UPDATE setting the other columns of `rows` (all with the same keys) on the rows of their `id`.

    On PostgreSQL the rows travel as one JSON document; SQLite runs one UPDATE per row."""
    names = tuple(rows[0])
    if on_postgresql():
        run(_update_from_json(table, names), {"rows": json_rows(rows, table, names)})
        return
    stmt = update(table).where(table.c.id == bindparam("_id")).values({n: bindparam(f"_{n}") for n in names if n != "id"})
    db.session.execute(stmt, [{f"_{n}": value for n, value in row.items()} for row in rows])


@functools.cache
def _update_from_json(table: Table, names: tuple):
    given = _given(table, names)
    return update(table).where(table.c.id == given.c.id).values({n: given.c[n] for n in names if n != "id"})


def json_rows(rows: list[dict], table: Table, names: tuple) -> str:
    """The rows as one JSON array, each value as its column's bind processing makes it (JSON columns as is)."""
    processing = _processing(table, names, db.engine.dialect)
    whole = len(rows[0]) == len(names)  # else the rows hold keys that are not columns: leave those out
    plain = []
    for row in rows:
        row = dict(row) if whole else {name: row[name] for name in names}
        for name, process in processing:
            row[name] = process(row[name])
        plain.append(row)
    return compact_json(plain, default=_json_default).decode()


@functools.cache
def _processing(table: Table, names: tuple, dialect) -> tuple:
    """(name, bind processor) of the columns among `names` whose values SQLAlchemy would process (most have none)."""
    found = []
    for name in names:
        column_type = table.c[name].type
        process = None if isinstance(column_type, JSON) else column_type._cached_bind_processor(dialect)
        if process is not None:
            found.append((name, process))
    return tuple(found)


def _json_default(value):
    if isinstance(value, Decimal):  # money and property numbers: a JSON number of the same digits
        return exact_number(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")
