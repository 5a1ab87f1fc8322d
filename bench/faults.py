"""Fault runs, each with a PASS or FAIL verdict.

    python bench/faults.py [worker-kill] [pg-restart] [upload-full] [smtp-down]

- worker-kill: an exam-day run (bench/exam_day.py, fewer participants) during whose submit minute
  a gunicorn worker is killed with SIGKILL three times. Clients retry (as a browser user would
  press again). PASS when every participant ends with a result, there is one attempt each, no
  attempt is graded twice or half-graded, and no acknowledged answer is lost.
- pg-restart: the same run against a private PostgreSQL cluster (initdb/pg_ctl as the postgres
  user, on its own port: never the shared server) that is restarted in the middle of the
  autosaves. PASS when the app answers again within 10 s of PostgreSQL being back, without a
  restart of its own, and no acknowledged answer is lost.
- upload-full: the upload folder is a small tmpfs (mounted here; needs root) filled up; a
  participant uploads a proyek perubahan document. PASS when the upload is refused with a clear
  message, no partial file is left, and no row points at a missing file. Needs the projects feature.
- smtp-down: reviews are decided while the SMTP server is down. PASS when the decisions are kept,
  the mails wait in the outbox, and the worker sends them once an SMTP server listens. Needs the
  projects and notifications features.

Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import exam_day  # noqa: E402
from bench.common import default_sqlite_url, free_port, worker_pids  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RESULTS: list[tuple[str, bool | None, str]] = []


def verdict(name: str, ok: bool | None, detail: str) -> None:
    RESULTS.append((name, ok, detail))
    label = {True: "PASS", False: "FAIL", None: "NOT RUN"}[ok]
    print(f"\n== {name}: {label} - {detail}\n", flush=True)


def has_feature(name: str) -> bool:
    return importlib.util.find_spec(f"lms.{name}") is not None


# --------------------------------------------------------------------------- worker kill


def worker_kill(database_url: str, participants: int) -> None:
    hooks: dict = {}
    kills: list[str] = []

    def on_t0(_t0: float, deadline: float) -> None:
        def killer():
            for before in (25, 15, 8):  # inside the window where everyone submits (3-30 s before)
                time.sleep(max(0.0, deadline - before - time.monotonic()))
                pids = worker_pids(hooks["server"].pid)
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    kills.append(f"pid {pids[0]} at deadline-{before}s")

        threading.Thread(target=killer, daemon=True).start()

    hooks["t0"] = on_t0
    opts = exam_day.Options(participants=participants, exam_minutes=1.5, reload_share=0.2, double_share=0.2)
    result = exam_day.run(database_url, opts, hooks=hooks)
    people = result["people"]
    unsubmitted = [p.username for p in people if not p.submitted]
    problems = list(result["check"]["problems"])
    if unsubmitted:
        problems.append(f"{len(unsubmitted)} participants without a result page")
    if len(kills) < 3:
        problems.append(f"only {len(kills)} workers killed")
    detail = f"{len(kills)} workers SIGKILLed ({'; '.join(kills)}); " + (
        "; ".join(problems) if problems else f"{len(people)} results, one attempt each, 0 lost answers"
    )
    verdict("worker-kill", not problems, detail)


# --------------------------------------------------------------------------- PostgreSQL restart


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster owned by the postgres user, on its own port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="pelita-bench-pg-"))
        self.port = free_port()
        self.url = f"postgresql://pelita:pelita@127.0.0.1:{self.port}/pelita_bench"

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def start(self) -> None:
        shutil.chown(self.dir, "postgres", "postgres")
        self._pg(
            str(PG_BIN / "initdb"), "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self._start()
        for sql in (
            "CREATE ROLE pelita LOGIN PASSWORD 'pelita'",
            "CREATE DATABASE pelita_bench OWNER pelita",
        ):
            self._pg(
                str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", sql
            )

    def _start(self) -> None:
        self._pg(
            str(PG_BIN / "pg_ctl"),
            "-D",
            f"{self.dir}/data",
            "-l",
            f"{self.dir}/server.log",
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -h 127.0.0.1 -k {self.dir}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg(str(PG_BIN / "pg_ctl"), "-D", f"{self.dir}/data", "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as r:  # noqa: S310 - loopback
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def pg_restart(participants: int, down_seconds: float) -> None:
    pg = PrivatePostgres()
    timeline: dict[str, float] = {}
    try:
        pg.start()
        hooks: dict = {}

        def on_t0(t0: float, deadline: float) -> None:
            def restarter():
                # In the middle of the autosaves: after the start window, well before the deadline.
                time.sleep(max(0.0, t0 + 60 + 20 - time.monotonic()))
                timeline["stop"] = time.monotonic()
                pg.stop("immediate")  # a crash, not a polite shutdown
                time.sleep(down_seconds)
                pg._start()
                timeline["up"] = time.monotonic()
                while time.monotonic() - timeline["up"] < 60:
                    if _healthy(hooks["base"]):
                        timeline["app_ok"] = time.monotonic()
                        return
                    time.sleep(0.1)

            threading.Thread(target=restarter, daemon=True).start()

        hooks["t0"] = on_t0
        opts = exam_day.Options(participants=participants, exam_minutes=2, reload_share=0.2, double_share=0.1)
        result = exam_day.run(pg.url, opts, hooks=hooks)
    finally:
        pg.destroy()
    problems = [p for p in result["check"]["problems"] if "lost" in p or "graded" in p or "attempts" in p]
    if "app_ok" not in timeline:
        problems.append("the app did not answer within 60 s of PostgreSQL being back")
        recovery = None
    else:
        recovery = timeline["app_ok"] - timeline["up"]
        if recovery > 10:
            problems.append(f"the app answered {recovery:.1f} s after PostgreSQL was back (limit 10 s)")
    errors = {step: s["errors"] for step, s in result["steps"].items() if s["errors"]}
    detail = (
        f"PostgreSQL down {down_seconds:.0f} s (immediate stop), app answering again "
        f"{recovery:.1f} s after it was back"
        if recovery is not None
        else "no recovery"
    )
    detail += f"; client errors during the outage (retried): {errors}; " + (
        "; ".join(problems) if problems else "0 lost acknowledged answers, every attempt graded once"
    )
    verdict("pg-restart", not problems, detail)


# --------------------------------------------------------------------------- upload folder full


@contextmanager
def full_tmpfs(size_kb: int = 1024, leave_kb: int = 0):
    """A tmpfs of ``size_kb`` mounted on a fresh folder, filled up except ``leave_kb``."""
    mount = Path(tempfile.mkdtemp(prefix="pelita-bench-uploads-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)], check=True)
    try:
        filler = mount / "filler.bin"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:  # ENOSPC: the folder is full
            pass
        finally:
            os.close(fd)
        if leave_kb:
            os.truncate(filler, max(0, filler.stat().st_size - leave_kb * 1024))
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def upload_full(database_url: str) -> None:
    if not has_feature("projects"):
        verdict("upload-full", None, "the projects feature is not on this branch yet")
        return
    from bench import fault_projects  # noqa: PLC0415 - needs the projects feature

    ok, detail = fault_projects.upload_full(database_url, full_tmpfs)
    verdict("upload-full", ok, detail)


def smtp_down(database_url: str) -> None:
    if not (has_feature("projects") and has_feature("notifications")):
        verdict("smtp-down", None, "the projects and notifications features are not on this branch yet")
        return
    from bench import fault_projects  # noqa: PLC0415 - needs the projects feature

    ok, detail = fault_projects.smtp_down(database_url)
    verdict("smtp-down", ok, detail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "faults", nargs="*", default=["worker-kill", "pg-restart", "upload-full", "smtp-down"]
    )
    parser.add_argument("--database-url", default=default_sqlite_url("faults.sqlite3"))
    parser.add_argument("--participants", "-n", type=int, default=100)
    parser.add_argument("--pg-down-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    for name in args.faults:
        if name == "worker-kill":
            worker_kill(args.database_url, args.participants)
        elif name == "pg-restart":
            pg_restart(args.participants, args.pg_down_seconds)
        elif name == "upload-full":
            upload_full(args.database_url)
        elif name == "smtp-down":
            smtp_down(args.database_url)
        else:
            parser.error(f"unknown fault {name}")
    print("\n# Fault runs")
    for name, ok, detail in RESULTS:
        print(f"- {name}: {({True: 'PASS', False: 'FAIL', None: 'NOT RUN'})[ok]} - {detail}")
    return 0 if all(ok is not False for _n, ok, _d in RESULTS) else 1


if __name__ == "__main__":
    raise SystemExit(main())
