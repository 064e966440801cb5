"""The whole portal on one machine, for `flask run-portal`: web, worker and scheduler as supervised child processes
on the first free port, each started again (the embedded Redis too) if it dies, until Ctrl-C or SIGTERM."""
from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import click
from flask import current_app

from portal.extensions import db
from portal.ops.supervisor import Supervisor
from portal.queues import revive_embedded_redis, stop_embedded_redis

STARTUP_TIMEOUT_S = 60


def run_local_portal(host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve on `host` and the first free port from `port`; once healthy, print the URL and whatever `announce(url)`
    prints, then supervise web, worker and scheduler until asked to stop."""
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
            _print_banner(url, announce)
            _let_go_of_the_database()
            supervisor.run()
    finally:
        supervisor.stop()
        stop_embedded_redis()


def _embedded_redis_reviver():
    """For the supervisor: a call that brings the embedded Redis back if it died; None with a REDIS_URL server."""
    if current_app.config["REDIS_URL"]:
        return None
    path = Path(current_app.config["EMBEDDED_REDIS_FILE"])
    return lambda: revive_embedded_redis(path)


def _let_go_of_the_database() -> None:
    """From here on this process only supervises: no open transaction (the banner may have read the database), no
    pooled connection, nothing to hold locks or stand in the way of vacuum and migrations."""
    db.session.remove()
    db.engine.dispose()


def _browsable_host(host: str) -> str:
    """The address to print: a wildcard bind is reached on loopback; IPv6 literals need brackets."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _print_banner(url: str, announce: Callable[[str], None]) -> None:
    click.echo("")
    click.echo(f"Tracklane is running at {url}")
    announce(url)
    click.echo("Press Ctrl-C to stop.")


def _gunicorn_command(host: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "-b", f"{host}:{port}"]
    from gunicorn.config import KNOWN_SETTINGS

    # Newer gunicorn opens a control socket at one fixed path per user; two local portals would fight over it.
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        command.append("--no-control-socket")
    return [*command, "app:app"]


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
