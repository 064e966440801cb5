"""Pages of a list: the one rule for which page numbers exist, shared by every list page and API."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

# Far beyond any list here (25 rows a page: 2.5 million rows), and small enough that the row offset of
# the last page never overflows a database integer.
MAX_PAGE = 100_000


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
