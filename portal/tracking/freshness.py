"""The click endpoint's cached targets follow committed changes: a commit whose flushes wrote a row that a
target is built from (a link, its offer, landing page, publisher or blocked sub IDs, a creative) clears the
cache of this process, so a block, a paused offer or a suspended publisher applies to the next click.

Session hooks, connected once at import (the tracking package imports this module), so they run in the
portal, the traffic app and every job alike. A click never passes through them: they run on flushes of
these models and on commits, and the hot path does neither."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from portal.creatives.models import Creative
from portal.links.models import TrackingLink
from portal.network.models import LandingPage, Offer, Publisher
from portal.subids.models import BlockedSubId
from portal.tracking.targets import clear_cache

TARGET_SOURCES = (TrackingLink, Offer, LandingPage, Publisher, BlockedSubId, Creative)
_CHANGED = "tracklane.targets_changed"  # session.info: a flush of this transaction wrote a target's row


def _note_change(mapper, connection, row) -> None:
    object_session(row).info[_CHANGED] = True


for _model in TARGET_SOURCES:
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, _note_change)


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session) -> None:
    # A savepoint's release is no commit: the outer transaction may still roll back.
    if not session.in_nested_transaction() and session.info.pop(_CHANGED, False):
        clear_cache()


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
