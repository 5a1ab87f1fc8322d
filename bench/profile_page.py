"""Profile one or more of bench/pages.py's pages in-process: SQL count, Python calls, CPU per request.

    python bench/profile_page.py [--database-url URL] [--pages "course outline,lesson"] [-n 50] [--top 25]

Uses the same subjects as bench/pages.py (pick_subjects) on a seeded database (default: the
SQLite scale database of bench/pages.py), requests each page ``-n`` times with Flask's test client
and reports, per page: status, SQL statements, response bytes, Python calls per request
(cProfile), and CPU milliseconds per request (``time.process_time``, without the profiler).
With ``--top N`` it prints the N functions with the most cumulative time. With ``--sql`` it
prints the statements. No HTTP server, no load generator: quick to run after every change, and
CPU time and call counts move far less with the neighbours' load than requests per second.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench.common import default_sqlite_url, sqlalchemy_url  # noqa: E402
from bench.pages import PAGES, _login_in_process, pick_subjects, prepare_attempt  # noqa: E402
from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_sqlite_url("scale.sqlite3"))
    parser.add_argument("--pages", default="", help="comma-separated labels (default: all)")
    parser.add_argument("-n", type=int, default=30, help="requests per page for the CPU figure")
    parser.add_argument("--top", type=int, default=0, help="print the N hottest functions")
    parser.add_argument("--sql", action="store_true", help="print each page's statements")
    parser.add_argument(
        "--sort", default="cumulative", help="pstats sort key for --top (cumulative, tottime, ncalls)"
    )
    args = parser.parse_args(argv)
    wanted = {p.strip() for p in args.pages.split(",") if p.strip()}

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.database_url), "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        subjects = pick_subjects()
        db.session.commit()
    prepare_attempt(app, subjects)
    for note in subjects.notes:
        print(f"note: {note}")
    clients = {}
    for role, username in subjects.users.items():
        clients[role] = app.test_client()
        with app.app_context():
            _login_in_process(app, clients[role], username)
    statements: list[str] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(" ".join(statement.split()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _before)
    print(f"{'page':28} {'status':>6} {'SQL':>4} {'KB':>6} {'calls/req':>10} {'CPU ms/req':>10}")
    for page in PAGES:
        if wanted and page.label not in wanted:
            continue
        if page.endpoint not in app.view_functions or any(subjects.values.get(k) is None for k in page.needs):
            print(f"{page.label:28} skipped")
            continue
        with app.test_request_context():
            path = app.url_for(page.endpoint, **{k: subjects.values[k] for k in page.needs})
        client = clients[page.role]
        client.get(path)
        statements.clear()
        response = client.get(path)
        queries = list(statements)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        start = time.process_time()
        for _ in range(args.n):
            client.get(path)
        cpu_ms = (time.process_time() - start) * 1000 / args.n
        print(
            f"{page.label:28} {response.status_code:>6} {len(queries):>4} "
            f"{len(response.data) / 1024:>6.1f} {stats.total_calls // 3:>10,} {cpu_ms:>10.2f}"
        )
        if args.sql:
            for q in queries:
                print("    ", q[:300])
        if args.top:
            stats.sort_stats(args.sort).print_stats(args.top)
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", _before)
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
