"""`flask worker` (an RQ worker in the app context), `flask scheduler` (periodic jobs) and
`flask run-portal` (migrate, seed, then web + worker + scheduler as child processes)."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing

import click
from flask.cli import with_appcontext

from portal.config import PROJECT_ROOT

STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


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
    """Run an RQ worker (with scheduler) on every Tracklane queue, inside the app context."""
    from rq import Queue, Worker

    from portal.queues import QUEUES, rq_connection

    logging.getLogger().setLevel(log_level.upper())
    connection = rq_connection()
    worker = Worker([Queue(name, connection=connection) for name in QUEUES], connection=connection)
    worker.work(burst=burst, with_scheduler=True, logging_level=log_level.upper())


@click.command("scheduler")
@LOG_LEVEL
@with_appcontext
def scheduler_command(log_level: str) -> None:
    """Enqueue the periodic jobs of portal/schedule.py on their queues, on time, until stopped."""
    from portal.queues import rq_connection
    from portal.schedule import build_scheduler

    logging.getLogger().setLevel(log_level.upper())
    build_scheduler(rq_connection()).start()


@click.command("run-portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the web server listens on.")
@click.option(
    "--port", default=5000, show_default=True, type=int, help="Port; the next free one is used if it is busy."
)
@with_appcontext
def run_portal_command(host: str, port: int) -> None:
    """Run everything locally: migrate, seed demo data if the database is empty, start web, worker and scheduler."""
    from flask_migrate import upgrade

    from portal.queues import stop_embedded_redis

    click.echo("Applying database migrations…")
    upgrade()
    if not _has_users():
        click.echo("Empty database: loading the demo data…")
        seeding = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo"], cwd=PROJECT_ROOT)
        if seeding.returncode:
            raise click.ClickException("loading the demo data failed; see the messages above")
    from portal.demo import DEMO_LOGINS

    free_port = _free_port(host, port)
    if free_port != port:
        click.echo(f"Port {port} on {host} is busy; using {free_port} instead.")
    url = f"http://{_browsable_host(host)}:{free_port}"

    children = ChildProcesses()
    signal.signal(signal.SIGTERM, children.request_stop)
    signal.signal(signal.SIGINT, children.request_stop)
    try:
        # Locally the periodic jobs would drown the request log: show their warnings and errors only.
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        children.start("worker", [*flask, "worker", "--log-level", "WARNING"])
        children.start("scheduler", [*flask, "scheduler", "--log-level", "WARNING"])
        children.start("web", _gunicorn_command(host, free_port))
        healthy = children.wait_until_healthy(f"{url}/healthz", STARTUP_TIMEOUT_S)
        if not (healthy or children.stopping or children.failed):
            raise click.ClickException("the web server did not become healthy in time; see the log above")
        if healthy and not children.stopping:
            _print_banner(url, DEMO_LOGINS)
            children.wait()
    finally:
        children.stop()
        stop_embedded_redis()
    if children.failed:
        raise click.ClickException(f"{children.failed} stopped unexpectedly")


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


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if run-portal dies without stopping us (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ChildProcesses:
    """The web server, the worker and the scheduler: started together, watched, and stopped together."""

    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.stopping = False
        self.failed: str | None = None

    def start(self, name: str, command: list[str]) -> None:
        # Own session: a terminal's Ctrl-C reaches only us, and we stop the children in order.
        self.processes[name] = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def request_stop(self, signum, frame) -> None:
        self.stopping = True

    def _check_alive(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                if not self.stopping:
                    self.failed = f"the {name} process (exit code {process.returncode})"
                return False
        return True

    def wait_until_healthy(self, url: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            if not self._check_alive():
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def wait(self) -> None:
        while not self.stopping and self._check_alive():
            time.sleep(0.5)

    def stop(self) -> None:
        self.stopping = True
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL, group=True)  # its own workers too
                process.wait()


def _signal(process: subprocess.Popen, signum: int, group: bool = False) -> None:
    try:
        if group:
            os.killpg(process.pid, signum)
        else:
            os.kill(process.pid, signum)
    except ProcessLookupError:
        pass
