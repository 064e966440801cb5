"""`flask worker` (an RQ worker in the app context) and `flask scheduler` (periodic jobs), both outliving Redis
outages."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Queue, Worker

from portal.ops.backoff import keep_running
from portal.queues import QUEUES, rq_connection
from portal.schedule import build_scheduler

MAINTENANCE_INTERVAL_S = 60


LOG_LEVEL = click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="Least severe log records shown.",
)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@LOG_LEVEL
@with_appcontext
def worker_command(burst: bool, log_level: str) -> None:
    """Run an RQ worker (with scheduler) on every Tracklane queue, inside the app context; outlives Redis outages."""
    level = log_level.upper()
    logging.getLogger().setLevel(level)
    connection = rq_connection()

    def work() -> bool:
        worker = StoppableWorker(
            [Queue(name, connection=connection) for name in QUEUES],
            connection=connection,
            # RQ's job scheduler (delayed retries) dies with a Redis outage and is started again at the next
            # maintenance round: every minute rather than RQ's ten.
            maintenance_interval=MAINTENANCE_INTERVAL_S,
        )
        try:
            worker.work(burst=burst, with_scheduler=True, logging_level=level)
        except RedisError:
            if not worker.stop_requested:
                raise
        return burst or worker.stop_requested

    if burst:
        work()
    else:
        keep_running(work, "the worker")


class StoppableWorker(Worker):
    """RQ's worker, remembering whether it was asked to stop: with Redis gone, `work()` ends the same way both times."""

    stop_requested = False
    max_connection_wait_time = 15.0  # RQ's own retries while it waits for jobs: as our back-off, not a minute

    def handle_warm_shutdown_request(self) -> None:
        self.stop_requested = True
        super().handle_warm_shutdown_request()

    def teardown(self) -> None:
        try:
            super().teardown()
        except RedisError:
            if self.pubsub_thread:  # it never got to unsubscribe: the command listener would linger
                self.pubsub_thread.stop()
            raise


@click.command("scheduler")
@LOG_LEVEL
@with_appcontext
def scheduler_command(log_level: str) -> None:
    """Enqueue the domains' periodic jobs on their queues on time until stopped; outlives Redis outages."""
    logging.getLogger().setLevel(log_level.upper())
    connection = rq_connection()

    def schedule() -> bool:
        scheduler = build_scheduler(connection, current_app.extensions["periodic_jobs"])
        try:
            scheduler.start()  # returns only when asked to stop
        except RedisError:
            if not scheduler.stop_requested:
                raise
        return True

    keep_running(schedule, "the scheduler")
