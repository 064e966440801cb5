"""The managed sub ID verbs: validate, change, flush. Views commit.

The rules of SPEC §2 live here once; the single form, the edit row and the bulk import all use them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.paging import paginate
from portal.subids.models import SubId

MAX_EXTERNAL_ID = 50
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_EXTERNAL_LINK = 255
SUB_IDS_PER_PAGE = 50
_SUB_ID_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
ROW_ID = re.compile(r"[0-9]{1,18}")
CHARACTERS_RULE = "Use only letters A–Z and a–z, digits 0–9, hyphen (-) and underscore (_)"


class SubIdInvalid(ValueError):
    """The rules refuse a change; `errors` maps field names to messages (the key "" is the whole form)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


@dataclass(frozen=True)
class SubIdFields:
    """What a publisher gives for one managed sub ID."""

    external_id: str
    name: str = ""
    description: str = ""
    external_link: str = ""

    def cleaned(self) -> SubIdFields:
        """Surrounding whitespace trimmed: a value pasted with a trailing space is the same value."""
        return SubIdFields(
            external_id=(self.external_id or "").strip(),
            name=(self.name or "").strip(),
            description=(self.description or "").strip(),
            external_link=(self.external_link or "").strip(),
        )


def sub_id_value_errors(value: str, max_length: int) -> list[str]:
    """What is wrong with a sub ID value (managed or blocked): empty, too long, or characters outside the set."""
    if not value:
        return ["Enter the sub ID value."]
    errors = []
    if len(value) > max_length:
        errors.append(f"Keep the sub ID to {max_length} characters (this one has {len(value)}).")
    if not _SUB_ID_CHARACTERS.fullmatch(value):
        bad = sorted({char for char in value if not _SUB_ID_CHARACTERS.fullmatch(char)})
        shown = " ".join("space" if char == " " else repr(char) for char in bad[:5])
        errors.append(f"{CHARACTERS_RULE}; not {shown}{' …' if len(bad) > 5 else ''}.")
    return errors


def external_link_errors(url: str) -> list[str]:
    if not url:
        return []
    errors = []
    if len(url) > MAX_EXTERNAL_LINK:
        errors.append(f"Keep the link to {MAX_EXTERNAL_LINK} characters (this one has {len(url)}).")
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
    except ValueError:
        ok = False
    if not ok:
        errors.append("Enter a full http:// or https:// address.")
    return errors


def field_errors(fields: SubIdFields) -> dict[str, list[str]]:
    """Every rule that does not need the database, per field; `fields` must be cleaned."""
    errors = {
        "external_id": sub_id_value_errors(fields.external_id, MAX_EXTERNAL_ID),
        "name": (
            ["Give the sub ID a name."]
            if not fields.name
            else [f"Keep the name to {MAX_NAME} characters (this one has {len(fields.name)})."]
            if len(fields.name) > MAX_NAME
            else []
        ),
        "description": (
            [f"Keep the description to {MAX_DESCRIPTION} characters (this one has {len(fields.description)})."]
            if len(fields.description) > MAX_DESCRIPTION
            else []
        ),
        "external_link": external_link_errors(fields.external_link),
    }
    return {name: messages for name, messages in errors.items() if messages}


def taken_external_ids(publisher_id: int, values: list[str], except_id: int | None = None) -> set[str]:
    """Which of `values` the publisher already has, compared exactly as stored (case-sensitive)."""
    taken: set[str] = set()
    unique = sorted(set(values))
    for start in range(0, len(unique), 500):  # keeps the IN list within every driver's parameter limit
        stmt = select(SubId.external_id).where(
            SubId.publisher_id == publisher_id, SubId.external_id.in_(unique[start : start + 500])
        )
        if except_id is not None:
            stmt = stmt.where(SubId.id != except_id)
        # The database may compare case-insensitively (e.g. a MySQL collation); keep exact matches only.
        taken.update(value for value in db.session.scalars(stmt) if value in values)
    return taken


ALREADY_EXISTS = "You already have this sub ID."


def _checked(publisher_id: int, fields: SubIdFields, except_id: int | None = None) -> SubIdFields:
    fields = fields.cleaned()
    errors = field_errors(fields)
    if "external_id" not in errors and taken_external_ids(publisher_id, [fields.external_id], except_id):
        errors["external_id"] = [ALREADY_EXISTS]
    if errors:
        raise SubIdInvalid(errors)
    return fields


def _flush_unique() -> None:
    """Flush; a concurrent insert of the same value surfaces as the rule's message, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as clash:
        raise SubIdInvalid({"external_id": [ALREADY_EXISTS]}) from clash


def create_sub_id(publisher_id: int, fields: SubIdFields) -> SubId:
    fields = _checked(publisher_id, fields)
    sub_id = SubId(publisher_id=publisher_id, **fields.__dict__)
    db.session.add(sub_id)
    _flush_unique()
    return sub_id


def update_sub_id(sub_id: SubId, fields: SubIdFields) -> SubId:
    fields = _checked(sub_id.publisher_id, fields, except_id=sub_id.id)
    for name, value in fields.__dict__.items():
        setattr(sub_id, name, value)
    _flush_unique()
    return sub_id


def delete_sub_id(sub_id: SubId) -> None:
    db.session.delete(sub_id)
    db.session.flush()


@dataclass
class BulkDeleteResult:
    deleted: list[str] = field(default_factory=list)  # external ids
    not_found: list[str] = field(default_factory=list)  # the ids as given


def delete_sub_ids(publisher_id: int, ids: list[str]) -> BulkDeleteResult:
    """Delete the publisher's own sub IDs among `ids`; anything else (another's, gone, not a number) is not found."""
    result = BulkDeleteResult()
    given = list(dict.fromkeys(str(value).strip() for value in ids))
    wanted = {int(value) for value in given if ROW_ID.fullmatch(value)}
    mine = {}
    if wanted:
        rows = db.session.scalars(select(SubId).where(SubId.publisher_id == publisher_id, SubId.id.in_(wanted)))
        mine = {row.id: row for row in rows}
    for value in given:
        row = mine.pop(int(value), None) if ROW_ID.fullmatch(value) else None
        if row is None:
            result.not_found.append(value)
        else:
            result.deleted.append(row.external_id)
            db.session.delete(row)
    db.session.flush()
    return result


def search_sub_ids(publisher_id: int, query: str = "", page: int = 1, per_page: int = SUB_IDS_PER_PAGE) -> Pagination:
    """A page of the publisher's sub IDs by value, searched by value or name (case-insensitive)."""
    stmt = select(SubId).where(SubId.publisher_id == publisher_id)
    needle = (query or "").strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(SubId.external_id).contains(needle, autoescape=True),
                func.lower(SubId.name).contains(needle, autoescape=True),
            )
        )
    stmt = stmt.order_by(SubId.external_id, SubId.id)
    return paginate(stmt, page, per_page)


def names_by_value(publisher_id: int, values: list[str]) -> dict[str, str]:
    """The managed names of these sub ID values (for reports that show a name next to its value)."""
    rows = db.session.execute(
        select(SubId.external_id, SubId.name).where(SubId.publisher_id == publisher_id, SubId.external_id.in_(set(values)))
    )
    return {value: name for value, name in rows}


# ---------------------------------------------------------------- bulk create


@dataclass(frozen=True)
class Candidate:
    """One line of a bulk input, numbered as the person sees it (1-based, the header counts in a file)."""

    line: int
    fields: SubIdFields


@dataclass
class BulkPlan:
    accepted: list[Candidate] = field(default_factory=list)
    refused: list[tuple[Candidate, list[str]]] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): lines with no candidate

    @property
    def refused_count(self) -> int:
        return len(self.refused) + len(self.unreadable)

    def refusals(self) -> list[tuple[int, SubIdFields | None, list[str]]]:
        """Every refused line in input order: (line, what it held if readable, reasons)."""
        rows = [(c.line, c.fields, reasons) for c, reasons in self.refused]
        rows += [(line, None, [reason]) for line, reason in self.unreadable]
        return sorted(rows, key=lambda row: row[0])


def _named(fields: SubIdFields) -> SubIdFields:
    """A bulk line without a name is named after its value."""
    if fields.name:
        return fields
    return SubIdFields(fields.external_id, fields.external_id[:MAX_NAME], fields.description, fields.external_link)


def plan_bulk_create(
    publisher_id: int, candidates: list[Candidate], unreadable: list[tuple[int, str]] = ()
) -> BulkPlan:
    """Sort the input into what would be created and what is refused, with every reason."""
    plan = BulkPlan(unreadable=list(unreadable))
    cleaned = [Candidate(c.line, _named(c.fields.cleaned())) for c in candidates]
    taken = taken_external_ids(publisher_id, [c.fields.external_id for c in cleaned if c.fields.external_id])
    first_line: dict[str, int] = {}
    for candidate in cleaned:
        value = candidate.fields.external_id
        reasons = [message for messages in field_errors(candidate.fields).values() for message in messages]
        if value in taken:
            reasons.append(ALREADY_EXISTS)
        elif value and value in first_line:
            reasons.append(f"Duplicate of line {first_line[value]} in this input.")
        first_line.setdefault(value, candidate.line)
        if reasons:
            plan.refused.append((candidate, reasons))
        else:
            plan.accepted.append(candidate)
    return plan


def bulk_create_sub_ids(
    publisher_id: int, candidates: list[Candidate], unreadable: list[tuple[int, str]] = ()
) -> tuple[list[SubId], BulkPlan]:
    """Create the valid candidates (checked again now), all in the caller's transaction."""
    plan = plan_bulk_create(publisher_id, candidates, unreadable)
    created = [SubId(publisher_id=publisher_id, **c.fields.__dict__) for c in plan.accepted]
    db.session.add_all(created)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as clash:
        raise SubIdInvalid({"": ["Some of these sub IDs were added meanwhile; review the list again."]}) from clash
    return created, plan
