"""The scheduler of periodic jobs. Each domain lists its own as (job, seconds between runs) in its package's
`periodic_jobs()`; the app gathers them in `app.extensions["periodic_jobs"]`. `flask --app app scheduler` enqueues
them on their queues; workers run them."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from redis import Redis
from rq.cron import CronScheduler


class Scheduler(CronScheduler):
    """RQ's cron scheduler, remembering whether it was asked to stop: with Redis gone, `start()` ends with the same
    error both times (it cannot unregister)."""

    stop_requested = False

    def _request_stop(self, signum, frame):
        self.stop_requested = True
        super()._request_stop(signum, frame)


def build_scheduler(connection: Redis, jobs: Iterable[tuple[Callable, int]]) -> Scheduler:
    scheduler = Scheduler(connection=connection)
    for job, every in jobs:
        scheduler.register(job, queue_name=job.queue_name, interval=every, job_timeout=job.job_timeout)
    return scheduler
