"""run-portal's children (web, worker, scheduler) and the embedded Redis: each started again, with back-off, when
it dies. One part's death never stops the others; only a stop request (Ctrl-C, SIGTERM) stops them all.

A restart loop of our own rather than honcho (it stops every process when one exits), supervisord (a daemon with
a generated config file, which gives up on a program after a few quick failures) or circus (ZeroMQ and Tornado
for one laptop command): none of them can watch the embedded Redis either, which daemonises itself."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.config import PROJECT_ROOT
from portal.ops.backoff import Backoff

log = logging.getLogger("tracklane.ops")
TICK_S = 0.25
STOP_TIMEOUT_S = 15


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    restart_at: float | None = None
    backoff: Backoff = field(default_factory=Backoff)


class Supervisor:
    """Start children, keep them running until asked to stop, then stop them all."""

    def __init__(self, revive_redis: Callable[[], bool] | None = None) -> None:
        self.children: dict[str, Child] = {}
        self.revive_redis = revive_redis  # brings the embedded Redis back if it died; True when it did
        self.redis_backoff = Backoff()
        self.redis_retry_at = 0.0
        self.stopping = False

    def start(self, name: str, command: list[str]) -> None:
        child = self.children.setdefault(name, Child(name, command))
        # Own session: a terminal's Ctrl-C reaches only us, and we stop the children in order.
        child.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        child.started, child.restart_at = time.monotonic(), None

    def request_stop(self, signum, frame) -> None:
        self.stopping = True

    def tick(self) -> None:
        """Start again what died, once its back-off delay has passed."""
        now = time.monotonic()
        if self.revive_redis and now >= self.redis_retry_at:
            self._keep_redis(now)
        for child in self.children.values():
            if self.stopping or child.process.poll() is None:
                continue
            if child.restart_at is None:
                # What it left behind (a job's work-horse, gunicorn's workers) goes with it.
                _signal_group(child.process.pid, signal.SIGKILL)
                delay = child.backoff.after(now - child.started)
                child.restart_at = now + delay
                log.warning("the %s process stopped (exit code %s); starting it again in %.0f s",
                            child.name, child.process.returncode, delay)
            elif now >= child.restart_at:
                self.start(child.name, child.command)

    def _keep_redis(self, now: float) -> None:
        try:
            if self.revive_redis():
                log.warning("the embedded Redis server had stopped; started it again")
            self.redis_backoff.reset()
        except Exception as exc:  # whatever failed, the others keep running; try again later
            delay = self.redis_backoff.after(0)
            self.redis_retry_at = now + delay
            log.error("could not start the embedded Redis server again (%s); trying again in %.0f s", exc, delay)

    def wait_until_healthy(self, url: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            self.tick()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(TICK_S)
        return False

    def run(self) -> None:
        """Keep every child running until a stop is requested."""
        while not self.stopping:
            self.tick()
            time.sleep(TICK_S)

    def stop(self) -> None:
        self.stopping = True
        running = [c.process for c in self.children.values() if c.process and c.process.poll() is None]
        for process in running:
            _signal(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)  # its own workers too
                process.wait()


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if run-portal dies without stopping us (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
