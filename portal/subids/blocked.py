"""The blocked sub ID verbs (admin): validate, change, audit, flush. Views commit (which clears the click cache).

`publishers` / `offers` / `within` are SQL conditions for what the acting staff user reaches (portal.network.reach):
a publisher or offer outside them cannot be picked, and a block outside them is neither listed nor deleted."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, true
from sqlalchemy.exc import IntegrityError

from portal.audit.service import record
from portal.extensions import db
from portal.network.models import Offer, Publisher
from portal.paging import paginate
from portal.subids.models import BlockedSubId
from portal.subids.service import ROW_ID, SubIdInvalid, sub_id_value_errors

MAX_BLOCKED_SUB_ID = 30
MAX_BLOCK_DESCRIPTION = 255
BLOCKS_PER_PAGE = 50
ALREADY_BLOCKED = "This sub ID is already blocked for this publisher and offer."
BLOCK_FIELDS = ("publisher_id", "offer_id", "sub_id", "description")


def _description_errors(description: str) -> list[str]:
    if len(description) > MAX_BLOCK_DESCRIPTION:
        return [f"Keep the description to {MAX_BLOCK_DESCRIPTION} characters (this one has {len(description)})."]
    return []


def _picked(model, object_id: int | None, within) -> bool:
    found = select(model.id).where(model.id == object_id, within)
    return object_id is not None and db.session.scalar(found) is not None


def block_sub_id(
    actor_id: int | None, publisher_id: int | None, offer_id: int | None, sub_id: str, description: str = "",
    publishers=true(), offers=true(),
) -> BlockedSubId:
    """Refuse the traffic of `sub_id` (in any of sub1–sub5) on this publisher's links to this offer."""
    sub_id, description = (sub_id or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not _picked(Publisher, publisher_id, publishers):
        errors["publisher_id"] = ["Pick a publisher."]
    if not _picked(Offer, offer_id, offers):
        errors["offer_id"] = ["Pick an offer."]
    if value_errors := sub_id_value_errors(sub_id, MAX_BLOCKED_SUB_ID):
        errors["sub_id"] = value_errors
    if description_errors := _description_errors(description):
        errors["description"] = description_errors
    if not errors and db.session.scalar(
        select(BlockedSubId.id).where(
            BlockedSubId.publisher_id == publisher_id, BlockedSubId.offer_id == offer_id, BlockedSubId.sub_id == sub_id
        )
    ):
        errors["sub_id"] = [ALREADY_BLOCKED]
    if errors:
        raise SubIdInvalid(errors)
    block = BlockedSubId(publisher_id=publisher_id, offer_id=offer_id, sub_id=sub_id, description=description)
    db.session.add(block)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as clash:
        raise SubIdInvalid({"sub_id": [ALREADY_BLOCKED]}) from clash
    record(actor_id, "create", block, {name: (None, getattr(block, name)) for name in BLOCK_FIELDS})
    return block


def describe_block(actor_id: int | None, block: BlockedSubId, description: str) -> BlockedSubId:
    """Change a block's description (publisher, offer and value stay: delete and block again to change them)."""
    description = (description or "").strip()
    if errors := _description_errors(description):
        raise SubIdInvalid({"description": errors})
    before = block.description
    block.description = description
    db.session.flush()
    if before != description:
        record(actor_id, "update", block, {"description": (before, description)})
    return block


def _delete(actor_id: int | None, block: BlockedSubId) -> None:
    record(actor_id, "delete", block, {name: (getattr(block, name), None) for name in BLOCK_FIELDS})
    db.session.delete(block)


def unblock(actor_id: int | None, block: BlockedSubId) -> None:
    _delete(actor_id, block)
    db.session.flush()


@dataclass
class UnblockResult:
    deleted: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)


def unblock_many(actor_id: int | None, ids: list[str], within=true()) -> UnblockResult:
    """Delete the blocks of these ids `within` reach; the others are reported as not found."""
    result = UnblockResult()
    given = list(dict.fromkeys(str(value).strip() for value in ids))
    wanted = {int(value) for value in given if ROW_ID.fullmatch(value)}
    found = {}
    if wanted:
        stmt = select(BlockedSubId).where(BlockedSubId.id.in_(wanted), within)
        found = {block.id: block for block in db.session.scalars(stmt)}
    for value in given:
        block = found.pop(int(value), None) if ROW_ID.fullmatch(value) else None
        if block is None:
            result.not_found.append(value)
        else:
            result.deleted.append(block.sub_id)
            _delete(actor_id, block)
    db.session.flush()
    return result


def search_blocks(
    publisher_id: int | None = None, offer_id: int | None = None, query: str = "", page: int = 1,
    per_page: int = BLOCKS_PER_PAGE, within=true(),
) -> Pagination:
    """A page of blocks `within` reach, newest first, by publisher and offer, searched by value or description."""
    stmt = select(BlockedSubId).where(within)
    if publisher_id is not None:
        stmt = stmt.where(BlockedSubId.publisher_id == publisher_id)
    if offer_id is not None:
        stmt = stmt.where(BlockedSubId.offer_id == offer_id)
    needle = (query or "").strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(BlockedSubId.sub_id).contains(needle, autoescape=True),
                func.lower(BlockedSubId.description).contains(needle, autoescape=True),
            )
        )
    stmt = stmt.order_by(BlockedSubId.created_at.desc(), BlockedSubId.id.desc())
    return paginate(stmt, page, per_page)


@dataclass(frozen=True)
class BlockLabels:
    """The publisher and offer names of the blocks on a page, by id."""

    publishers: dict[int, str]
    offers: dict[int, str]


def block_labels(blocks: list[BlockedSubId]) -> BlockLabels:
    return BlockLabels(
        publishers=_names(Publisher, {block.publisher_id for block in blocks}),
        offers=_names(Offer, {block.offer_id for block in blocks}),
    )


def _names(model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.name for row in db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))}


def publisher_choices(within=true()) -> list[Publisher]:
    return list(db.session.scalars(select(Publisher).where(within).order_by(Publisher.name, Publisher.id)))


def offer_choices(within=true()) -> list[Offer]:
    return list(db.session.scalars(select(Offer).where(within).order_by(Offer.name, Offer.id)))
