"""RQ job: turn approved commission into points and reverse the points of rejected conversions."""
from __future__ import annotations

import logging

from portal.extensions import db
from portal.queues import background_job
from portal.rewards.awards import AwardRun, award_batch, reverse_batch

log = logging.getLogger("tracklane.rewards")


@background_job("default", timeout=600, retries=3)
def award_points() -> dict:
    """Idempotent: each batch commits, and a conversion already awarded or reversed is skipped."""
    total, after_id = AwardRun(), 0
    while True:
        run, after_id = award_batch(after_id)
        db.session.commit()
        total.awarded += run.awarded
        total.points += run.points
        if after_id is None:
            break
    while True:
        reversed_now = reverse_batch()
        db.session.commit()
        total.reversed += reversed_now
        if not reversed_now:
            break
    if total.awarded or total.reversed:
        log.info("points awarded=%d points=%d reversed=%d", total.awarded, total.points, total.reversed)
    return {"awarded": total.awarded, "points": total.points, "reversed": total.reversed}
