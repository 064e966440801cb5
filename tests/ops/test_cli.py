"""`flask worker` runs real jobs in the app context; `flask run-portal` runs the whole portal and stops cleanly."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from portal.config import PROJECT_ROOT
from portal.queues import QUEUES, get_queue, redis_connection
from tests.ops.jobs import mark_done
from tests.ops.processes import alive, embedded_redis_pid, free_port


def _flask(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        **kwargs,
    )


def test_worker_lists_its_options(app):
    result = app.test_cli_runner().invoke(args=["worker", "--help"])
    assert result.exit_code == 0 and "--burst" in result.output


def test_worker_in_burst_mode_runs_queued_jobs_inside_the_app_context(app):
    # The worker is a separate process on the same Redis (REDIS_URL, or the embedded server in the instance folder).
    jobs = [get_queue(name).enqueue(mark_done, f"ops-test:{name}") for name in QUEUES]
    result = _flask("worker", "--burst", timeout=120)
    assert result.returncode == 0, result.stderr
    for name, job in zip(QUEUES, jobs, strict=True):
        assert redis_connection().get(f"ops-test:{name}") == b"done"
        job.refresh()
        assert job.get_status() == "finished"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_run_portal_serves_prints_its_url_and_stops_its_children(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(TRACKLANE_INSTANCE_PATH=str(tmp_path / "instance"), TRACKLANE_ENV="development", PYTHONUNBUFFERED="1")
    log_path = tmp_path / "run-portal.log"
    with open(log_path, "w") as log:
        portal = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run-portal", "--port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        healthy = False
        while time.monotonic() < deadline and portal.poll() is None and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    healthy = response.status == 200
            except OSError:
                time.sleep(0.5)
        output = log_path.read_text()
        assert healthy, output
        # The banner comes right after the health check run-portal does itself; read it once complete.
        while time.monotonic() < deadline and "Press Ctrl-C to stop." not in output:
            time.sleep(0.2)
            output = log_path.read_text()
        assert f"Tracklane is running at http://127.0.0.1:{port}" in output, output
        assert re.search(r"^\s+\S+@\S+ / \S+", output, re.MULTILINE), output  # demo logins, email / password
        assert "manager@tracklane.example / demo-manager-pass    (account_manager)" in output, output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200

        children = {child.pid for child in psutil.Process(portal.pid).children(recursive=True)}
        assert len(children) >= 3, output  # worker, gunicorn master and its workers
        children |= {embedded_redis_pid(tmp_path / "instance")}  # daemonised, so not a descendant
        portal.send_signal(signal.SIGTERM)
        assert portal.wait(timeout=60) == 0, log_path.read_text()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(pid) for pid in children):
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)], log_path.read_text()
    finally:
        if portal.poll() is None:
            os.killpg(portal.pid, signal.SIGKILL)
            portal.wait()
