"""Periodic jobs, listed once. `flask --app app scheduler` enqueues them on their queues; workers run them."""
from __future__ import annotations

from redis import Redis
from rq.cron import CronScheduler

from portal.exports.jobs import purge_expired_exports, recover_stalled_exports
from portal.reports.rollups import refresh_rollups
from portal.rewards.jobs import award_points
from portal.tracking.jobs import flush_traffic

# (job, seconds between runs)
PERIODIC_JOBS = (
    (flush_traffic, 5),
    (recover_stalled_exports, 60),
    (purge_expired_exports, 3600),
    (award_points, 60),
    (refresh_rollups, 30),
)


class Scheduler(CronScheduler):
    """RQ's cron scheduler, remembering whether it was asked to stop: with Redis gone, `start()` ends with the same
    error both times (it cannot unregister)."""

    stop_requested = False

    def _request_stop(self, signum, frame):
        self.stop_requested = True
        super()._request_stop(signum, frame)


def build_scheduler(connection: Redis) -> Scheduler:
    scheduler = Scheduler(connection=connection)
    for job, every in PERIODIC_JOBS:
        scheduler.register(job, queue_name=job.queue_name, interval=every, job_timeout=job.job_timeout)
    return scheduler
