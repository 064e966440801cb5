"""Lists, shared by every list page and API: the one rule for which page numbers exist, sorting by a
whitelist of columns, and the archived / active status filter."""
from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

# Far beyond any list here (25 rows a page: 2.5 million rows), and small enough that the row offset of
# the last page never overflows a database integer.
MAX_PAGE = 100_000
PER_PAGE = 25  # the admin lists' page
# Status filter value -> label; "current" (everything not archived) is the default.
STATUSES = {"current": "Not archived", "active": "Active", "paused": "Paused", "archived": "Archived", "all": "All"}


def page_number(raw) -> int | None:
    """The page a query string asks for: a whole number from 1 to MAX_PAGE, else None."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_PAGE)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else None


def paginate(stmt: Select, page: int, per_page: int) -> Pagination:
    """Page `page` of `stmt`, held to 1 … MAX_PAGE; a page past the end is empty (API clients page until then)."""
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=per_page, error_out=False)


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
