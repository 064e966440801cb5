"""What the benchmarks share: a database of their own on the local PostgreSQL, the environment the app
runs with against it, and gunicorn started and stopped around a run.

BENCH_ADMIN_DATABASE_URL names a database to connect to for DROP / CREATE DATABASE (default: the local
CI server's `test`); BENCH_REDIS_URL a Redis database (default: the local server, a number per bench);
BENCH_SERVER_LOG a file that gets gunicorn's own log (errors and tracebacks; default: none)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def redis_url(number: int) -> str:
    return os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{number}")


def recreate_database(name: str, create: bool = True) -> str:
    """Drop the database `name` (and create it empty again unless `create` is false); return its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return database_url(name)


def bench_env(database: str, redis_number: int, **extra: str) -> dict:
    """The process environment for the app on the bench database, with a throwaway instance folder."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(database),
        REDIS_URL=redis_url(redis_number),
        TRACKLANE_INSTANCE_PATH=tempfile.mkdtemp(prefix=f"{database}-"),
        SECRET_KEY="bench-secret-key-0123456789",
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target,
    ]
    with open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__nothing__", timeout=1)
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {target} did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far by this machine's gunicorn and PostgreSQL processes, from
    /proc (Linux). Taken before and after a timed run, it gives CPU per operation: steadier than rates on
    a shared machine, whose speed drifts from one run to the next."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                line, command = stat.read(), cmdline.read()
        except OSError:  # gone meanwhile
            continue
        name = line[line.index("(") + 1 : line.rindex(")")]
        kind = "gunicorn" if b"gunicorn" in command else "postgres" if name.startswith("postgres") else None
        if kind:
            fields = line[line.rindex(")") + 2 :].split()
            used[kind] += (int(fields[11]) + int(fields[12])) / tick
    return used
