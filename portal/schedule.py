"""Periodic jobs, listed once. `flask --app app scheduler` enqueues them on their queues; workers run them."""
from __future__ import annotations

from redis import Redis
from rq.cron import CronScheduler

from portal.tracking.jobs import flush_traffic

# (job, seconds between runs)
PERIODIC_JOBS = ((flush_traffic, 5),)


def build_scheduler(connection: Redis) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, )
    for job, every in PERIODIC_JOBS:
        scheduler.register(job, queue_name=job.queue_name, interval=every, job_timeout=job.job_timeout)
    return scheduler
