"""Column types shared by every domain: exact money and timezone-aware UTC times on any database."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Enum, Numeric
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 4
_SCALE = Decimal(10) ** MONEY_SCALE
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)  # 0.0001: every stored amount is a multiple of it
MONEY_LIMIT = Decimal(10) ** (18 - MONEY_SCALE)  # NUMERIC(18, 4): every stored amount is below it in absolute value

# One amount (an event's, an adjusted payout) is bounded so that sums of many still fit the money columns
# (NUMERIC(18, 4): below 10^14): an hourly rollup row sums the deposits or NGR of one offer and currency, a RevShare balance carries a
# publisher's losses. At 10^10 (ten billion: far above any deposit or NGR report, still 370 thousand
# euros in dong) it takes 10^14 / 10^10 = ten thousand events of the maximum in one hour on one offer to
# overflow a rollup row, or ten thousand of the largest losses to fill a carried balance. Beyond that
# the refresh sets the hour aside (portal.reports.rollups) and the balance stays at the column's limit.
AMOUNT_LIMIT = MONEY_LIMIT / 10**4


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes in UTC and always hands back aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Tracklane stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator):
    """An exact decimal amount with 4 places: NUMERIC(18,4) on PostgreSQL, scaled integers on SQLite.

    SQLite has no exact decimal type and would round-trip through float; integers keep SUM() exact.
    """

    impl = Numeric(18, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal, never a float")
        value = (value if isinstance(value, Decimal) else Decimal(value)).quantize(MONEY_QUANTUM)
        return int(value * _SCALE) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _SCALE).quantize(MONEY_QUANTUM)
        return Decimal(value)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint holding the enum's values.

    `name` names the CHECK when one table has two columns of the same enum (default: the enum's name)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        name=name or enum_cls.__name__.lower(),
    )
