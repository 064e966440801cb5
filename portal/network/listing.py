"""Admin lists: status filters, sorting by a whitelist of columns, and pages."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

PER_PAGE = 25
# Status filter value -> label; "current" (everything not archived) is the default.
STATUSES = {"current": "Not archived", "active": "Active", "paused": "Paused", "archived": "Archived", "all": "All"}


@dataclass(frozen=True)
class Sort:
    """A sort key from the whitelist and its direction; `param` is how it travels in the query string."""

    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def toggled(self, key: str) -> str:
        """The `sort` parameter a column header links to: this column ascending, or flipped if already sorted by it."""
        return f"-{key}" if key == self.key and not self.descending else key


def parse_sort(raw: str | None, columns: dict, default: str) -> Sort:
    """`name` or `-name` when `name` is whitelisted in `columns`; anything else falls back to `default`."""
    raw = (raw or "").strip()
    key = raw.lstrip("-")
    if key not in columns:
        raw, key = default, default.lstrip("-")
    return Sort(key, raw.startswith("-"))


def apply_sort(stmt: Select, sort: Sort, columns: dict, tiebreak) -> Select:
    column = columns[sort.key]
    return stmt.order_by(column.desc() if sort.descending else column.asc(), tiebreak.desc() if sort.descending else tiebreak)


def with_status(stmt: Select, model, status: str) -> Select:
    if status == "current":
        return stmt.where(model.archived_at.is_(None))
    if status == "active":
        return stmt.where(model.archived_at.is_(None), model.active.is_(True))
    if status == "paused":
        return stmt.where(model.archived_at.is_(None), model.active.is_(False))
    if status == "archived":
        return stmt.where(model.archived_at.is_not(None))
    return stmt
