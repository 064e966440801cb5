"""Start again after a failure, waiting longer each time: for run-portal's children and for the worker's and
the scheduler's loops, which must outlive a Redis outage rather than exit."""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from redis.exceptions import RedisError

log = logging.getLogger("tracklane.ops")


class Backoff:
    """Delays that double from `first` up to `most` seconds while runs keep failing, and start from `first`
    again after a run that lasted `steady` seconds."""

    def __init__(self, first: float = 1.0, most: float = 15.0, steady: float = 60.0) -> None:
        self.first, self.most, self.steady = first, most, steady
        self.delay = first

    def after(self, ran_for: float) -> float:
        """The delay before the next start, given how long the run that just ended lasted."""
        if ran_for >= self.steady:
            self.reset()
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay

    def reset(self) -> None:
        self.delay = self.first


def keep_running(run: Callable[[], bool], name: str, backoff: Backoff | None = None) -> None:
    """Call `run` until it returns True (it stopped because it was asked to). When it returns False or raises a
    Redis error instead, wait with back-off and call it again; a SIGTERM or SIGINT during the wait ends the loop."""
    backoff = backoff or Backoff()
    while True:
        started = time.monotonic()
        try:
            if run():
                return
            reason = "stopped"
        except RedisError as exc:
            reason = f"cannot reach Redis ({type(exc).__name__}: {exc})"
        delay = backoff.after(time.monotonic() - started)
        log.warning("%s %s; starting again in %.0f s", name, reason, delay)
        _sleep_unless_stopped(delay)


def _sleep_unless_stopped(seconds: float) -> None:
    # `run` installed handlers of its own (RQ does) that expect it to be running: a stop now simply exits.
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    time.sleep(seconds)
