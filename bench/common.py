"""Shared pieces of the benchmarks: serve Pelita (or the baseline) with gunicorn on 127.0.0.1,
wait for it, log in, and summarise latencies. Every load stays on the loopback address."""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
                if r.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up in {timeout}s")


# Benchmarks log in hundreds of accounts from one address; the per-IP login limit (10 failed
# logins a minute) only counts failures, but a mistyped run should not lock itself out.
BENCH_ENV = {"LMS_LOGIN_LIMIT": "100000 per minute"}


@contextmanager
def serve(
    app_path: str = "app:app",
    env: dict | None = None,
    workers: int = 2,
    port: int | None = None,
    extra_args: list[str] | None = None,
    access_log: str | None = None,
):
    """Run gunicorn as `make run` does (gunicorn.conf.py, sync workers), on 127.0.0.1 only.

    Yields (base URL, process). The access log goes to ``access_log`` (default: nowhere, so the
    terminal stays readable); errors go to stderr.
    """
    port = port or free_port()
    full_env = {**os.environ, **BENCH_ENV, **(env or {})}
    cmd = [
        GUNICORN,
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--access-logfile",
        access_log or "/dev/null",
        # Method, path, status and the time the worker spent on the request (ms): compared with
        # the client's latency it separates time in the app from time queued for a worker.
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s %(M)s',
        *(extra_args or []),
        app_path,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + ("/healthz" if app_path == "app:app" else "/"), timeout=60)
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def login_cookie(base: str, username: str, password: str) -> str:
    """Log in through the real form; return the Cookie header value of the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"login": username, "password": password, "csrf_token": token})
    opener.open(base + "/login", data=data.encode())
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "pelita_session" not in cookies:
        raise RuntimeError(f"login failed for {username}")
    return cookies


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds of durations given in seconds."""
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[k] * 1000

    return {
        "n": len(ordered),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "mean": statistics.fmean(ordered) * 1000,
    }


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def sqlalchemy_url(url: str) -> str:
    """The URL as Pelita's config normalises it (postgresql:// -> postgresql+psycopg://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def flask(
    args: list[str], database_url: str, check: bool = True, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    """Run a `flask ...` command of this checkout against ``database_url``."""
    env = {**os.environ, **(env_extra or {}), "FLASK_APP": "app.py", "DATABASE_URL": database_url}
    return subprocess.run(
        [str(Path(PYTHON).parent / "flask"), *args],
        cwd=ROOT,
        env=env,
        check=check,
        capture_output=not check,
        text=True,
    )


def default_sqlite_url(name: str) -> str:
    """A SQLite database file under instance/bench/ of this checkout."""
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / name}"


def machine_note() -> str:
    """One line about the machine, printed next to every figure."""
    cpus = os.cpu_count()
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return f"{cpus} cores (shared with the load generator and other work), load average {load}"


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc), in seconds."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn worker processes of a master."""
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]
