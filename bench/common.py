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


@contextmanager
def serve(
    app_path: str = "app:app",
    env: dict | None = None,
    workers: int = 2,
    port: int | None = None,
    extra_args: list[str] | None = None,
):
    """Run gunicorn as `make run` does, yield its base URL, and stop it afterwards."""
    port = port or free_port()
    full_env = {**os.environ, **(env or {})}
    cmd = [
        GUNICORN,
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *(extra_args or []),
        app_path,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + ("/healthz" if app_path == "app:app" else "/"))
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


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn worker processes of a master."""
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]
