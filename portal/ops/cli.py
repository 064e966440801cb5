"""`flask worker` (an RQ worker in the app context), `flask scheduler` (periodic jobs), both outliving Redis
outages, and `flask run-portal` (migrate, seed, then web + worker + scheduler as supervised child processes)."""
from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Worker

from portal.config import PROJECT_ROOT

STARTUP_TIMEOUT_S = 60
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
    from rq import Queue

    from portal.ops.backoff import keep_running
    from portal.queues import QUEUES, rq_connection

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
    from portal.ops.backoff import keep_running
    from portal.queues import rq_connection
    from portal.schedule import build_scheduler

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


@click.command("run-portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the web server listens on.")
@click.option(
    "--port", default=5000, show_default=True, type=int, help="Port; the next free one is used if it is busy."
)
@with_appcontext
def run_portal_command(host: str, port: int) -> None:
    """Run everything locally: migrate, seed demo data if the database is empty, start web, worker and scheduler,
    and start any of them again (the embedded Redis too) if it dies."""
    from flask_migrate import upgrade

    from portal.demo import DEMO_LOGINS
    from portal.ops.supervisor import Supervisor
    from portal.queues import stop_embedded_redis

    click.echo("Applying database migrations…")
    upgrade()
    if not _has_users():
        click.echo("Empty database: loading the demo data…")
        seeding = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo"], cwd=PROJECT_ROOT)
        if seeding.returncode:
            raise click.ClickException("loading the demo data failed; see the messages above")

    free_port = _free_port(host, port)
    if free_port != port:
        click.echo(f"Port {port} on {host} is busy; using {free_port} instead.")
    url = f"http://{_browsable_host(host)}:{free_port}"

    supervisor = Supervisor(revive_redis=_embedded_redis_reviver())
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    try:
        # Locally the periodic jobs would drown the request log: show their warnings and errors only.
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        supervisor.start("worker", [*flask, "worker", "--log-level", "WARNING"])
        supervisor.start("scheduler", [*flask, "scheduler", "--log-level", "WARNING"])
        supervisor.start("web", _gunicorn_command(host, free_port))
        healthy = supervisor.wait_until_healthy(f"{url}/healthz", STARTUP_TIMEOUT_S)
        if not (healthy or supervisor.stopping):
            raise click.ClickException("the web server did not become healthy in time; see the log above")
        if healthy and not supervisor.stopping:
            _print_banner(url, DEMO_LOGINS)
            _let_go_of_the_database()
            supervisor.run()
    finally:
        supervisor.stop()
        stop_embedded_redis()


def _embedded_redis_reviver():
    """For the supervisor: a call that brings the embedded Redis back if it died; None with a REDIS_URL server."""
    from portal.queues import revive_embedded_redis

    if current_app.config["REDIS_URL"]:
        return None
    path = Path(current_app.config["EMBEDDED_REDIS_FILE"])
    return lambda: revive_embedded_redis(path)


def _let_go_of_the_database() -> None:
    """From here on this process only supervises: no open transaction (the banner read users and report
    presets), no pooled connection, nothing to hold locks or stand in the way of vacuum and migrations."""
    from portal.extensions import db

    db.session.remove()
    db.engine.dispose()


def _browsable_host(host: str) -> str:
    """The address to print: a wildcard bind is reached on loopback; IPv6 literals need brackets."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _print_banner(url: str, logins) -> None:
    click.echo("")
    click.echo(f"Tracklane is running at {url}")
    click.echo("Demo logins (email / password):")
    for role, email, password in logins:
        click.echo(f"  {email} / {password}    ({role})")
    from portal.demo.reports import demo_pull_command

    if pull := demo_pull_command(url):
        click.echo(f"Pull a demo publisher's saved report: {pull}")
    click.echo("Press Ctrl-C to stop.")


def _gunicorn_command(host: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "-b", f"{host}:{port}"]
    from gunicorn.config import KNOWN_SETTINGS

    # Newer gunicorn opens a control socket at one fixed path per user; two local portals would fight over it.
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        command.append("--no-control-socket")
    return [*command, "app:app"]


def _has_users() -> bool:
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.extensions import db

    count = db.session.scalar(select(func.count()).select_from(User))
    db.session.remove()
    return bool(count)


def _port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with closing(socket.socket(family, socket.SOCK_STREAM)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str, port: int, attempts: int = 20) -> int:
    for candidate in range(port, port + attempts):
        if _port_is_free(host, candidate):
            return candidate
    raise click.ClickException(
        f"ports {port}–{port + attempts - 1} on {host} are all busy; pass a free one with --port"
    )
