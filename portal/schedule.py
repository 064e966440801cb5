"""Periodic jobs, listed once. `flask --app app scheduler` enqueues them on their queues; workers run them."""
from __future__ import annotations

from redis import Redis
from rq.cron import CronScheduler

from portal.exports.jobs import purge_expired_exports, recover_stalled_exports
from portal.reports.rollups import refresh_rollups
from portal.rewards.jobs import award_points
from portal.tracking.jobs import flush_traffic

# (job, seconds between runs)
PERIODIC_JOBS = ((flush_traffic, 5), (recover_stalled_exports, 60), (purge_expired_exports, 3600), (award_points, 60), (refresh_rollups, 30))


def build_scheduler(connection: Redis) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, )
    for job, every in PERIODIC_JOBS:
        scheduler.register(job, queue_name=job.queue_name, interval=every, job_timeout=job.job_timeout)
    return scheduler
