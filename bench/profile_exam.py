"""Profile each exam-day step in-process: SQL count, Python calls and CPU per request.

    python bench/profile_exam.py [--database-url URL] [-n 20] [--top 30] [--step submit]

Builds a small exam as bench/exam_day.py does (40 questions on one page, GIFT), on the small
benchmark database by default, and for ``-n`` fresh participants requests the steps the exam-day
client sends: start (POST "Mulai"), attempt page, autosave (one answer), review (the page form
with every answer, then the confirmation page), submit (confirm, then the result page). Prints
per step the statements, Python calls (cProfile, second participant: the first warms the caches
up) and CPU ms per request (``time.process_time`` over the others, without the profiler).
Where bench/exam_day.py measures the whole system under load, this shows what one request of
each step costs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.common import default_sqlite_url, sqlalchemy_url  # noqa: E402
from bench.exam_day import gift_source, setup_exam  # noqa: E402
from bench.pages import _login_in_process, ensure_database  # noqa: E402
from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402

STEPS = ("start", "attempt page", "autosave", "review", "submit")
OPTION_RE = re.compile(r'name="q(\d+)" value="([^"]+)"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_sqlite_url("small.sqlite3"))
    parser.add_argument("-n", type=int, default=20, help="participants (at least 3)")
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--step", default="", help="print --top for this step only")
    args = parser.parse_args(argv)
    assert gift_source  # the same questions as the exam-day run

    ensure_database(args.database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.database_url),
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    exam = setup_exam(app, args.n, f"p{int(time.time()) % 100000}")
    statements: list[str] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _before)
    cpu: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = {}
    calls: dict[str, int] = {}
    profiles: dict[str, pstats.Stats] = {}

    def step(name: str, first: bool, fn):
        statements.clear()
        if warmup:
            return fn()
        if first:
            profiler = cProfile.Profile()
            profiler.enable()
            result = fn()
            profiler.disable()
            profiles[name] = pstats.Stats(profiler)
            calls[name] = profiles[name].total_calls
            counts[name] = len(statements)
            return result
        start = time.process_time()
        result = fn()
        cpu[name] += time.process_time() - start
        return result

    for i, username in enumerate(exam.usernames):
        warmup = i == 0  # the first participant compiles templates and statements: not measured
        first = i == 1  # the second one is profiled
        client = app.test_client()
        with app.app_context():
            _login_in_process(app, client, username)
        r = step("start", first, lambda c=client: c.post(f"/kuis/{exam.quiz_id}/mulai"))
        attempt_path = r.headers["Location"].split("?")[0]
        attempt_path = attempt_path[attempt_path.index("/kuis/") :]
        page = step("attempt page", first, lambda c=client, p=attempt_path: c.get(p))
        options: dict[str, str] = {}
        for aq, value in OPTION_RE.findall(page.get_data(as_text=True)):
            options.setdefault(aq, value)
        for seq, (aq, value) in enumerate(sorted(options.items()), start=1):
            step(
                "autosave",
                first and seq == 1,
                lambda c=client, path=attempt_path, aq=aq, value=value, seq=seq: c.post(
                    path + "/jawaban",
                    json={"question": int(aq), "seq": seq, "values": {f"q{aq}": [value]}},
                ),
            )
        form = [("hal", "1"), ("aksi", "kumpulkan")]
        for aq, value in sorted(options.items()):
            form += [("soal", aq), (f"q{aq}", value)]

        def review(c=client, form=form, path=attempt_path):
            c.post(path, data=MultiDict(form))
            return c.get(path + "/kumpulkan")

        step("review", first, review)

        def submit(c=client, path=attempt_path):
            r = c.post(path + "/kumpulkan", data={})
            return c.get(r.headers["Location"])

        step("submit", first, submit)
        if first:
            print(f"{len(options)} questions answered per participant")

    rest = max(args.n - 2, 1)
    print("review and submit are two requests each")
    print(f"{'step':14} {'SQL':>4} {'calls/req':>10} {'CPU ms/req':>10}")
    for name in STEPS:
        per = rest * (len(options) - 1) if name == "autosave" else rest
        ms = cpu[name] * 1000 / max(per, 1)
        print(f"{name:14} {counts.get(name, 0):>4} {calls.get(name, 0):>10,} {ms:>10.2f}")
        if args.top and (not args.step or args.step == name):
            profiles[name].sort_stats(args.sort).print_stats(args.top)
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", _before)
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
