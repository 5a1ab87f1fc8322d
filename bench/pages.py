"""Requests per second and latency of each role's main pages, against a one-row baseline.

    python bench/pages.py [--database-url URL] [--duration 10] [--concurrency 8]

What it does, in one run:
1. Makes sure the database is migrated and holds `flask lms seed-scale` data (seeds it at the
   default sizes when it does not; a few minutes). A small database (tiny seed-scale sizes) is
   prepared the same way, to show that the SQL query count per page does not grow with the data.
2. Picks the subjects from the data: a participant of the largest running course angkatan who is
   part-way through the course, the next lesson, a quiz of that course, the mentor with the most
   mentees, the admin, the largest angkatan.
3. Counts the SQL statements of each page in-process (a ``before_cursor_execute`` listener; the
   second request is counted, so one-off caches do not inflate it), on both databases.
4. Serves Pelita and the baseline app (bench/baseline_app.py: one row, a small template) with
   gunicorn exactly as `make run` does (gunicorn.conf.py, 2 sync workers), and loads each page with
   wrk (Debian package `wrk`) at a fixed concurrency, with the session cookie of the page's role.
   The baseline is measured first and last; each page is reported as a share of their mean.
5. Prints a table (and writes JSON with --json), and the RSS of each Pelita worker afterwards.

Pages whose feature is not installed are skipped with a note. Load goes to 127.0.0.1 only and
every wrk run stops after --duration seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale import SCALE_PASSWORD  # noqa: E402
from sqlalchemy import create_engine, event, inspect, text  # noqa: E402

from bench.common import (  # noqa: E402
    ROOT,
    cpu_seconds,
    default_sqlite_url,
    flask,
    login_cookie,
    machine_note,
    rss_mb,
    serve,
    sqlalchemy_url,
    worker_pids,
)
from lms import create_app  # noqa: E402
from lms.accounts import services as account_services  # noqa: E402
from lms.accounts.models import User  # noqa: E402
from lms.extensions import db  # noqa: E402

SMALL_SIZES = [
    "--instansi=3",
    "--units=10",
    "--users=400",
    "--courses=5",
    "--modules-per-course=3",
    "--lessons-per-module=4",
    "--angkatan=4",
    "--min-participants=20",
    "--max-participants=60",
    "--completions=600",
    "--quiz-attempts=200",
    "--projects=40",
]


@dataclass
class Page:
    label: str
    role: str  # learner, mentor, admin
    endpoint: str
    needs: tuple[str, ...] = ()  # subject keys the URL needs


PAGES = [
    Page("learner home", "learner", "accounts.home"),
    Page("my learning", "learner", "courses.my_learning"),
    Page("catalogue", "learner", "courses.catalogue"),
    Page("course outline", "learner", "courses.course", ("slug",)),
    Page("lesson", "learner", "courses.lesson", ("slug", "lesson_id")),
    Page("my quizzes", "learner", "quizzes.my_quizzes"),
    Page("quiz start page", "learner", "quizzes.start_page", ("quiz_id",)),
    # "examinee": the learner when they can start or resume an attempt on the quiz, else another
    # participant of the course's angkatan without an attempt on it (see prepare_attempt).
    Page("quiz attempt page", "examinee", "quizzes.attempt", ("attempt_id",)),
    Page("JP ledger", "learner", "results.my_jp"),
    Page("review queue", "mentor", "reviews.queue"),
    Page("angkatan dashboard", "admin", "results_admin.angkatan_dashboard", ("angkatan_id",)),
]


@dataclass
class Subjects:
    users: dict[str, str] = field(default_factory=dict)  # role -> username
    values: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- database


def ensure_database(url: str, extra_seed_args: list[str] | None = None) -> None:
    """Migrate, and seed scale data unless it is there already."""
    flask(["db", "upgrade"], url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})
    with app.app_context():
        seeded = db.session.scalar(text("SELECT count(*) FROM users WHERE username = 'skala-admin'"))
        db.engine.dispose()
    if not seeded:
        print(f"seeding {url} (flask lms seed-scale {' '.join(extra_seed_args or [])}) ...", flush=True)
        flask(["lms", "seed-scale", *(extra_seed_args or [])], url)


def _has(table: str) -> bool:
    return inspect(db.session.connection()).has_table(table)


def pick_subjects() -> Subjects:
    """Choose who and what each page shows, from the seeded data (plain SQL: works whatever
    features are installed)."""
    s = Subjects()
    q = lambda sql, **kw: db.session.execute(text(sql), kw)  # noqa: E731
    s.users["admin"] = "skala-admin"
    biggest = q(
        "SELECT a.id, a.course_id FROM angkatan a JOIN enrolments e ON e.angkatan_id = a.id "
        "WHERE a.name LIKE 'Angkatan Skala %' GROUP BY a.id, a.course_id ORDER BY count(e.id) DESC, a.id"
    ).all()
    s.values["angkatan_id"] = biggest[0].id
    course_angkatan = next(row for row in biggest if row.course_id is not None)
    course_id = course_angkatan.course_id
    s.values["course_angkatan_id"] = course_angkatan.id
    s.values["slug"] = q("SELECT slug FROM courses WHERE id = :c", c=course_id).scalar()
    total = q(
        "SELECT count(*) FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.course_id = :c",
        c=course_id,
    ).scalar()
    learner = q(
        "SELECT e.user_id, count(p.id) AS done FROM enrolments e "
        "LEFT JOIN lesson_progress p ON p.user_id = e.user_id AND p.lesson_id IN "
        "  (SELECT l.id FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.course_id = :c) "
        "WHERE e.angkatan_id = :a GROUP BY e.user_id HAVING count(p.id) < :t "
        "ORDER BY count(p.id) DESC, e.user_id LIMIT 1",
        c=course_id,
        a=course_angkatan.id,
        t=total,
    ).first()
    learner_id = learner.user_id
    s.users["learner"] = q("SELECT username FROM users WHERE id = :u", u=learner_id).scalar()
    s.values["learner_id"] = learner_id
    s.values["lessons_done"] = f"{learner.done}/{total}"
    s.values["lesson_id"] = q(
        "SELECT l.id FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.course_id = :c "
        "AND l.id NOT IN (SELECT lesson_id FROM lesson_progress WHERE user_id = :u) "
        "ORDER BY m.position, l.position LIMIT 1",
        c=course_id,
        u=learner_id,
    ).scalar()
    s.users["mentor"] = q(
        "SELECT u.username FROM enrolments e JOIN users u ON u.id = e.mentor_id "
        "GROUP BY u.username ORDER BY count(e.id) DESC, u.username LIMIT 1"
    ).scalar()
    if _has("quizzes"):
        s.values["quiz_id"] = q(
            "SELECT id FROM quizzes WHERE course_id = :c ORDER BY (kind = 'post_test') DESC, id LIMIT 1",
            c=course_id,
        ).scalar()
        if s.values["quiz_id"] is None:
            s.notes.append("no quiz in the learner's course")
    return s


def _login_in_process(app, client, username: str) -> None:
    user = db.session.scalar(db.select(User).where(User.username == username))
    token = account_services.start_session(user, app.config["PERMANENT_SESSION_LIFETIME"])
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True


def open_attempt(app, username: str, quiz_id: int | None) -> int | None:
    """Open (or find) the learner's attempt on the quiz, so the attempt page can be loaded.

    Uses the quizzes feature's own start endpoint through the test client, as a browser would."""
    if quiz_id is None or "quizzes.start" not in app.view_functions:
        return None
    client = app.test_client()
    with app.app_context():
        _login_in_process(app, client, username)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(f"/kuis/{quiz_id}/mulai")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    match = re.search(r"/kuis/percobaan/(\d+)", response.headers.get("Location", ""))
    return int(match.group(1)) if match else None


def prepare_attempt(app, subjects: Subjects, tries: int = 10) -> None:
    """Choose the attempt page's subject: ``subjects.users["examinee"]`` and ``values["attempt_id"]``.

    The learner is used when they can start or resume an attempt on the quiz. An earlier run may
    have left their attempt finished at its deadline with no attempt left (max_attempts), so then
    another participant of the course's angkatan who may still resume or start one is used: one
    with an open attempt first (an earlier run's examinee, so runs do not use up participants),
    then those with the fewest attempts on the quiz, then the most advanced (a module's quiz may
    be gated behind its lessons)."""
    quiz_id = subjects.values.get("quiz_id")
    subjects.values["attempt_id"] = None
    if quiz_id is None:
        return
    candidates = [subjects.users["learner"]]
    with app.app_context():
        candidates += list(
            db.session.execute(
                text(
                    "SELECT u.username FROM enrolments e JOIN users u ON u.id = e.user_id "
                    "JOIN quizzes z ON z.id = :q "
                    "WHERE e.angkatan_id = :a AND u.username != :learner "
                    "AND (z.max_attempts IS NULL OR EXISTS (SELECT 1 FROM attempts t WHERE t.quiz_id = z.id "
                    "  AND t.user_id = e.user_id AND t.state = 'in_progress') "
                    "  OR (SELECT count(*) FROM attempts t WHERE t.quiz_id = z.id AND t.user_id = e.user_id) "
                    "  < z.max_attempts) "
                    "ORDER BY EXISTS (SELECT 1 FROM attempts t WHERE t.quiz_id = z.id "
                    "  AND t.user_id = e.user_id AND t.state = 'in_progress') DESC, "
                    "  (SELECT count(*) FROM attempts t WHERE t.quiz_id = z.id "
                    "  AND t.user_id = e.user_id), "
                    "  (SELECT count(*) FROM lesson_progress p WHERE p.user_id = e.user_id) DESC, "
                    "  e.user_id LIMIT :n"
                ),
                {
                    "a": subjects.values.get("course_angkatan_id"),
                    "learner": subjects.users["learner"],
                    "q": quiz_id,
                    "n": tries,
                },
            ).scalars()
        )
        db.session.commit()
    for username in candidates:
        attempt_id = open_attempt(app, username, quiz_id)
        if attempt_id is not None:
            subjects.users["examinee"] = username
            subjects.values["attempt_id"] = attempt_id
            if username != subjects.users["learner"]:
                subjects.notes.append(
                    f"quiz attempt page: {subjects.users['learner']} cannot start or resume an "
                    f"attempt on quiz {quiz_id}; using {username}"
                )
            return
    subjects.notes.append(f"quiz attempt page: nobody of the angkatan could start quiz {quiz_id}")


def count_queries(url: str) -> tuple[Subjects, dict[str, dict]]:
    """Query count and status of each page, requested in-process on the database at ``url``."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "RATELIMIT_ENABLED": False})
    results: dict[str, dict] = {}
    with app.app_context():
        subjects = pick_subjects()
        db.session.commit()
    prepare_attempt(app, subjects)
    clients = {}
    for role, username in subjects.users.items():
        clients[role] = app.test_client()
        with app.app_context():
            _login_in_process(app, clients[role], username)
    statements: list[str] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _before)
    for page in PAGES:
        if page.endpoint not in app.view_functions:
            results[page.label] = {"skipped": f"{page.endpoint} not installed"}
            continue
        missing = [k for k in page.needs if subjects.values.get(k) is None]
        if missing:
            results[page.label] = {"skipped": f"no subject for {', '.join(missing)}"}
            continue
        with app.test_request_context():
            path = app.url_for(page.endpoint, **{k: subjects.values[k] for k in page.needs})
        client = clients[page.role]
        client.get(path)  # warm caches (templates, translations)
        statements.clear()
        response = client.get(path)
        queries = list(statements)
        calls = python_calls(lambda client=client, path=path: client.get(path))
        results[page.label] = {
            "path": path,
            "role": page.role,
            "status": response.status_code,
            "queries": len(queries),
            "statements": [" ".join(x.split())[:160] for x in queries],
            "bytes": len(response.data),
            "python_calls": calls,
        }
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", _before)
        db.engine.dispose()
    return subjects, results


def python_calls(fn, repeat: int = 3) -> int:
    """Python function calls per call of ``fn`` (cProfile): a measure of the work a request does
    that, unlike time, does not depend on what else the machine is running."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        fn()
    profiler.disable()
    return pstats.Stats(profiler).total_calls // repeat


def baseline_calls(url: str) -> int:
    """Python calls of one baseline request, in-process, against the same database."""
    os.environ["DATABASE_URL"] = url
    module = importlib.import_module("bench.baseline_app")
    client = module.app.test_client()
    client.get("/")
    return python_calls(lambda: client.get("/"))


# --------------------------------------------------------------------------- load


def wrk(url: str, cookie: str | None, duration: int, concurrency: int) -> dict:
    """Run wrk once; parse requests/s, latency percentiles and errors."""
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float | None:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "requests": requests,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def _check_status(url: str, cookie: str | None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as r:  # noqa: S310 - loopback only
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=default_sqlite_url("scale.sqlite3"))
    parser.add_argument("--small-database-url", default=None, help="default: next to the main one")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before measuring")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", default="", help="comma-separated labels (default: all)")
    parser.add_argument("--seed-args", default="", help="extra seed-scale options for the main database")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument(
        "--show-sql", action="store_true", help="print each page's statements (both databases)"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    url = args.database_url
    small = args.small_database_url or (
        default_sqlite_url("small.sqlite3")
        if url.startswith("sqlite")
        else url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_small"
    )
    # The small database is rebuilt on every run (seconds), so it always has the current schema.
    if small.startswith("postgresql"):
        _create_pg_database(small, fresh=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(small.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    ensure_database(url, args.seed_args.split())
    ensure_database(small, SMALL_SIZES)

    subjects, counted = count_queries(url)
    base_calls = baseline_calls(url)
    _small_subjects, counted_small = count_queries(small)
    wanted = {p.strip() for p in args.pages.split(",") if p.strip()}
    if args.show_sql:
        for label, info in counted.items():
            if wanted and label not in wanted:
                continue
            for name, source in (("scale", info), ("small", counted_small.get(label, {}))):
                print(f"\n{label} ({name} database):")
                for statement in source.get("statements", []):
                    print(f"  {statement}")

    env = {"DATABASE_URL": url}
    started = datetime.now().astimezone()
    rows: list[dict] = []
    with (
        serve("bench.baseline_app:app", env, args.workers) as (base_url, _b),
        serve("app:app", env, args.workers) as (pelita_url, pelita),
    ):
        cookies = {role: login_cookie(pelita_url, u, SCALE_PASSWORD) for role, u in subjects.users.items()}

        def measure(url_: str, cookie: str | None, master) -> dict:
            """wrk, plus the server's CPU time per request (robust when other work shares the
            cores: wall-clock figures on a busy machine drift, CPU per request much less)."""
            if args.warmup:
                wrk(url_, cookie, args.warmup, args.concurrency)
            pids = worker_pids(master.pid)
            before = cpu_seconds(pids)
            result = wrk(url_, cookie, args.duration, args.concurrency)
            result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(1, result["requests"])
            result["load"] = os.getloadavg()[0]
            return result

        baseline = [measure(base_url + "/", None, _b)]
        print(f"baseline: {baseline[0]['rps']:.0f} req/s", flush=True)
        for page in PAGES:
            info = {**counted.get(page.label, {}), "label": page.label}
            small_info = counted_small.get(page.label, {})
            info["queries_small"] = (
                small_info.get("queries")
                if small_info.get("status") == 200
                else f"HTTP {small_info.get('status')}"
            )
            if wanted and page.label not in wanted:
                continue
            if "skipped" in info:
                rows.append(info)
                continue
            page_url = pelita_url + info["path"]
            status = _check_status(page_url, cookies[page.role])
            if status != 200:
                info["skipped"] = f"HTTP {status} over gunicorn"
                rows.append(info)
                continue
            info.update(measure(page_url, cookies[page.role], pelita))
            rows.append(info)
            print(f"{page.label}: {info['rps']:.0f} req/s, {info['queries']} queries", flush=True)
        baseline.append(measure(base_url + "/", None, _b))
        rss = [round(rss_mb(pid), 1) for pid in worker_pids(pelita.pid)]
    base_rps = sum(b["rps"] for b in baseline) / len(baseline)
    base_cpu = sum(b["cpu_ms"] for b in baseline) / len(baseline)
    for row in rows:
        if "rps" in row:
            row["ratio"] = row["rps"] / base_rps
            row["cpu_ratio"] = base_cpu / row["cpu_ms"] if row["cpu_ms"] else 0.0
            row["calls_ratio"] = base_calls / row["python_calls"] if row.get("python_calls") else 0.0
    report = {
        "started": started.isoformat(timespec="seconds"),
        "database": url.split("@")[-1],
        "machine": machine_note(),
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "workers": args.workers,
        "baseline": baseline,
        "baseline_rps": base_rps,
        "baseline_cpu_ms": base_cpu,
        "baseline_python_calls": base_calls,
        "subjects": {"users": subjects.users, **subjects.values},
        "notes": subjects.notes,
        "pages": rows,
        "pelita_worker_rss_mb": rss,
    }
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


def _create_pg_database(url: str, fresh: bool = False) -> None:
    """Create the small PostgreSQL database next to the main one (dropped first when ``fresh``)."""
    base, name = sqlalchemy_url(url).rsplit("/", 1)
    engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if fresh:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def print_report(report: dict) -> None:
    print()
    print(f"# Pages, {report['started']}, database {report['database']}")
    print(f"machine: {report['machine']}")
    print(
        f"gunicorn {report['workers']} sync workers (gunicorn.conf.py), wrk -t1 -c{report['concurrency']} "
        f"-d{report['duration_s']}s, loopback"
    )
    b = report["baseline"]
    print(
        "baseline (one row, small template): "
        + " / ".join(f"{x['rps']:.0f} req/s p50 {x['p50_ms']:.1f} ms p99 {x['p99_ms']:.1f} ms" for x in b)
        + f" (first / last; mean {report['baseline_rps']:.0f}); "
        + f"server CPU {report['baseline_cpu_ms']:.2f} ms/request; "
        + f"{report['baseline_python_calls']} Python calls/request in-process"
    )
    print()
    print(
        "| page | role | req/s | share of baseline | CPU ms/req | share (CPU) | Python calls/req "
        "| share (calls) | p50 ms | p99 ms | SQL (scale / small) | errors |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in report["pages"]:
        if "skipped" in row:
            print(f"| {row['label']} | | skipped: {row['skipped']} | | | | | | | | | |")
            continue
        print(
            f"| {row['label']} | {row['role']} | {row['rps']:.0f} | {row['ratio']:.0%} | "
            f"{row['cpu_ms']:.2f} | {row['cpu_ratio']:.0%} | {row['python_calls']} | "
            f"{row['calls_ratio']:.0%} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['queries']} / {row['queries_small']} | "
            f"{row['non_2xx'] + row['socket_errors']} |"
        )
    print()
    print(f"Pelita worker RSS after the run: {report['pelita_worker_rss_mb']} MB")
    for note in report["notes"]:
        print(f"note: {note}")


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
