"""Saved report presets and their pull tokens: save, rename, enable / disable, regenerate, delete, find.

A token is HMAC-SHA256(app secret, a 256-bit random nonce from `secrets`), base64url: only its sha256
(`token_hash`) and the nonce are stored. The owner's page derives the URL again from the nonce; a copy
of the database without the app secret yields no working token. Rotating SECRET_KEY changes the
shown URLs (the stored hashes keep the old tokens working until regenerated).

A preset's scope is fixed when it is saved: the owner's publisher or advertiser, or for staff the reach they had
then (`REACH_KEYS`, kept beside the filters); a pull never shows more than the owner reaches now either."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import User, UserStatus
from portal.extensions import db
from portal.network.reach import DataReach, data_reach
from portal.reports.models import ReportPreset
from portal.reports.query import ReportQuery

NAME_MAX = 100
# Where a staff preset keeps the publisher and advertiser ids its owner reached when saving it (absent: all).
REACH_KEYS = ("reach_publishers", "reach_advertisers")


class PresetError(ValueError):
    """A preset change that cannot be made; the message says why."""


def token_for(preset: ReportPreset) -> str:
    """The preset's current pull token, derived from its nonce and the app secret."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"report-token:" + preset.token_nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(preset: ReportPreset) -> None:
    preset.token_nonce = secrets.token_urlsafe(32)
    preset.token_hash = hash_token(token_for(preset))


def clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise PresetError("Give the report a name.")
    if len(name) > NAME_MAX:
        raise PresetError(f"The name is longer than {NAME_MAX} characters.")
    return name


def _dimensions(query: ReportQuery) -> list[str]:
    # The date grain travels with the date dimension: "date", "date:week", "date:month".
    return [f"date:{query.grain}" if d == "date" and query.grain != "day" else d for d in query.dimensions]


def _saved_reach(reach: DataReach) -> dict[str, list[int]]:
    ids = dict(zip(REACH_KEYS, (reach.publisher_ids, reach.advertiser_ids)))
    return {key: sorted(values) for key, values in ids.items() if values is not None}


def save_preset(owner: User, name: str, query: ReportQuery) -> ReportPreset:
    """Save the builder's state for `owner`, scoped for good to the owner's publisher / advertiser or reach."""
    preset = ReportPreset(
        owner_id=owner.id,
        publisher_id=owner.publisher_id,
        advertiser_id=owner.advertiser_id,
        name=clean_name(name),
        dimensions=_dimensions(query),
        metrics=list(query.metrics),
        filters={**{d: list(v) for d, v in query.filters.items()}, **_saved_reach(data_reach(owner))},
        relative_range=None if query.date_range == "custom" else query.date_range,
        start_date=query.start_date if query.date_range == "custom" else None,
        end_date=query.end_date if query.date_range == "custom" else None,
        enabled=True,
    )
    _new_token(preset)
    db.session.add(preset)
    db.session.flush()
    return preset


def preset_query(preset: ReportPreset, timezone: str = "UTC") -> ReportQuery:
    """The preset as a query over its fixed scope (within what its owner reaches now), dates resolved for today
    in `timezone`."""
    grain = next((d.split(":", 1)[1] for d in preset.dimensions if d.startswith("date:")), "day")
    filters = dict(preset.filters or {})
    saved = DataReach(*(frozenset(filters.pop(key)) if key in filters else None for key in REACH_KEYS))
    query = ReportQuery(
        dimensions=[d.split(":", 1)[0] for d in preset.dimensions],
        metrics=list(preset.metrics),
        filters={d: list(v) for d, v in filters.items()},
        date_range=preset.relative_range or "custom",
        start_date=preset.start_date,
        end_date=preset.end_date,
        grain=grain,
        timezone=timezone,
        publisher_id=preset.publisher_id,
        advertiser_id=preset.advertiser_id,
        reach=saved & data_reach(db.session.get(User, preset.owner_id)),
    )
    return query.resolve_dates()


def regenerate_token(preset: ReportPreset) -> None:
    """A new token; the old one stops working with this transaction's commit."""
    _new_token(preset)
    db.session.flush()


def set_enabled(preset: ReportPreset, enabled: bool) -> None:
    preset.enabled = enabled
    db.session.flush()


def rename_preset(preset: ReportPreset, name: str) -> None:
    preset.name = clean_name(name)
    db.session.flush()


def delete_preset(preset: ReportPreset) -> None:
    db.session.delete(preset)
    db.session.flush()


def presets_of(user: User) -> list[ReportPreset]:
    return list(db.session.scalars(select(ReportPreset).where(ReportPreset.owner_id == user.id).order_by(ReportPreset.name)))


def pullable_preset(token: str) -> ReportPreset | None:
    """The enabled preset this token opens, or None. A preset whose owner is no longer active, or an
    all-data preset whose owner is no longer network staff, opens nothing."""
    if not token or len(token) > 200:
        return None
    preset = db.session.scalar(select(ReportPreset).where(ReportPreset.token_hash == hash_token(token)))
    if preset is None or not preset.enabled:
        return None
    owner = db.session.get(User, preset.owner_id)
    if owner is None or owner.status != UserStatus.ACTIVE:
        return None
    if preset.publisher_id is None and preset.advertiser_id is None and not owner.is_staff:
        return None
    return preset


def owner_timezone(preset: ReportPreset) -> str:
    owner = db.session.get(User, preset.owner_id)
    return owner.timezone if owner else "UTC"
