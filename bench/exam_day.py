"""Exam day: N participants of one angkatan take the same timed post-test at once.

    python bench/exam_day.py [--participants 300] [--database-url URL] [--exam-minutes 5]

Scenario (every request goes through the real pages and endpoints, like a browser with the
quiz page's JavaScript would send them):
- Setup, in-process: N accounts enrolled in one angkatan of a course, a post-test of 40 questions
  (30 multiple choice, 10 true/false, imported as GIFT through the quizzes service), all on one
  page, closing at a common time (``close_at``) ``--exam-minutes`` after the start window opens.
- Everyone logs in (before the exam; reported, no target), then each participant opens the quiz
  page and presses "Mulai" at a random moment of the first 60 s (step ``start``: the POST and the
  attempt page it leads to).
- Each answers the 40 questions through the JSON autosave endpoint, spread over the exam time,
  and changes 10 % of the answers later (step ``autosave``); a retry re-sends the same sequence
  number, as the page's script does.
- ``--reload-share`` of them reload the attempt page midway and check that every answer
  acknowledged so far is shown as saved (step ``reload``).
- Near the common deadline (3-30 s before it) each presses "Kumpulkan" (the form posts every
  answer, then the confirmation page; step ``review``) and confirms (step ``submit``: the POST
  and the result page). ``--double-share`` of them confirm twice at once (a double click).
- Afterwards the database is checked: exactly N attempts and N quiz grades, one attempt per
  participant, every acknowledged answer stored with its last value, every attempt graded once
  (state graded, every question graded at the attempt's grading time, the score equal to the
  grade of the stored answers).

Served by gunicorn exactly as `make run` does (gunicorn.conf.py, 2 sync workers), on 127.0.0.1.
Targets: 0 lost acknowledged answers, 0 responses 5xx, start p95 <= 1.5 s, autosave p95 <= 300 ms,
submit p95 <= 1 s. The run stops by itself (a bounded number of requests, every one with a timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bench.common import (  # noqa: E402
    ROOT,
    cpu_seconds,
    default_sqlite_url,
    flask,
    machine_note,
    percentiles,
    rss_mb,
    serve,
    sqlalchemy_url,
    worker_pids,
)
from lms import create_app  # noqa: E402
from lms.accounts.models import User  # noqa: E402
from lms.courses.models import Angkatan, Course, CourseStatus, Enrolment, Module  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.models_base import utcnow  # noqa: E402

try:  # the scenario needs the quizzes feature
    from lms.quizzes import question_types as qt
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion, QuizGrade, QuizKind
    from lms.quizzes.models import Quiz as QuizModel
except ImportError:  # pragma: no cover - reported by main()
    quiz_services = None

PASSWORD = "pelita-ujian-2026"  # noqa: S105 - benchmark accounts
QUESTIONS = 40
TARGETS = {"start": 1500.0, "autosave": 300.0, "submit": 1000.0}  # p95, milliseconds
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INPUT_RE = re.compile(r'<input type="(radio|checkbox)" name="q(\d+)" value="([^"]+)"( checked)?')
ATTEMPT_RE = re.compile(r"/kuis/percobaan/(\d+)")


# --------------------------------------------------------------------------- setup


@dataclass
class Exam:
    tag: str
    quiz_id: int
    usernames: list[str]
    angkatan_id: int


def gift_source(n: int = QUESTIONS, seed: int = 7) -> str:
    """40 questions: multiple choice with four options, and true/false."""
    rng = random.Random(seed)
    parts = []
    for i in range(1, n + 1):
        if i % 4 == 0:
            answer = "T" if rng.random() < 0.5 else "F"
            parts.append(f"::S{i}:: Pernyataan {i}: ASN wajib menjaga netralitas. {{{answer}}}")
        else:
            right = rng.randrange(4)
            options = " ".join(
                ("=" if k == right else "~") + f"Pilihan {chr(65 + k)} untuk soal {i}" for k in range(4)
            )
            parts.append(f"::S{i}:: Soal {i}: manakah nilai dasar BerAKHLAK yang paling tepat? {{{options}}}")
    return "\n\n".join(parts) + "\n"


def setup_exam(app, participants: int, tag: str) -> Exam:
    """Accounts, course, angkatan, enrolments and the post-test (bulk inserts + quiz services)."""
    with app.app_context():
        password_hash = generate_password_hash(PASSWORD)
        usernames = [f"ujian{tag}-{i:04d}" for i in range(1, participants + 1)]
        db.session.execute(
            insert(User),
            [
                {
                    "username": u,
                    "full_name": f"Peserta Ujian {i}",
                    "email": f"{u}@ujian.example.go.id",
                    "password_hash": password_hash,
                }
                for i, u in enumerate(usernames, start=1)
            ],
        )
        ids = dict(
            db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all()
        )
        course = Course(
            title=f"Kursus Ujian {tag}",
            slug=f"ujian-{tag}",
            summary="Kursus untuk uji beban hari ujian.",
            jp=20,
            status=CourseStatus.PUBLISHED,
            published_at=utcnow(),
        )
        db.session.add(course)
        db.session.flush()
        db.session.add(Module(course_id=course.id, title="Modul 1", position=1, published=True))
        angkatan = Angkatan(name=f"Angkatan Ujian {tag}", course_id=course.id, capacity=participants)
        db.session.add(angkatan)
        db.session.flush()
        db.session.execute(
            insert(Enrolment),
            [{"angkatan_id": angkatan.id, "user_id": ids[u], "ndh": n} for n, u in enumerate(usernames, 1)],
        )
        summary = quiz_services.import_questions(course, gift_source(), "gift", filename="ujian.gift")
        quiz = quiz_services.create_quiz(
            course,
            quiz_services.QuizSettings(
                title=f"Post-test {tag}",
                kind=QuizKind.POST_TEST,
                questions_per_page=0,  # every question on one page
                time_limit_minutes=120,
                max_attempts=1,
                published=True,
            ),
        )
        quiz_services.add_questions(quiz, [q.id for q in summary.questions])
        db.session.commit()
        exam = Exam(tag, quiz.id, usernames, angkatan.id)
        db.session.remove()
        return exam


def set_close(app, quiz_id: int, close_at) -> None:
    with app.app_context():
        db.session.execute(update(QuizModel).where(QuizModel.id == quiz_id).values(close_at=close_at))
        db.session.commit()
        db.session.remove()


# --------------------------------------------------------------------------- participants


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    timeline: list[tuple[float, str, float]] = field(default_factory=list)  # (monotonic, step, seconds)
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    notes: list[str] = field(default_factory=list)

    def error(self, step: str, kind: str, detail: str = "") -> None:
        self.errors[step][kind] += 1
        if detail and len(self.notes) < 30:
            self.notes.append(f"{step}: {kind} {detail}"[:300])


@dataclass
class Participant:
    username: str
    session: aiohttp.ClientSession | None = None
    attempt_id: int | None = None
    csrf: str = ""
    options: dict[int, list[str]] = field(default_factory=dict)  # aq id -> values offered
    acked: dict[int, tuple[int, str]] = field(default_factory=dict)  # aq id -> (seq, value)
    submitted: bool = False


class Client:
    """The browser side of one run: requests with retries, timings and error counts per step."""

    def __init__(self, base: str, stats: Stats, retries: int = 3):
        self.base = base
        self.stats = stats
        self.retries = retries
        self.seq = int(time.time() * 1000) * 1000

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    async def request(self, p: Participant, step: str, method: str, path: str, record: bool = True, **kw):
        """Send one request (retrying on connection errors and 5xx); return (status, text, url)."""
        last = None
        for attempt in range(self.retries + 1):
            started = time.perf_counter()
            try:
                async with p.session.request(method, self.base + path, **kw) as r:
                    body = await r.text()
                    elapsed = time.perf_counter() - started
                    if r.status >= 500:
                        self.stats.error(step, f"HTTP {r.status}", path)
                        last = (r.status, body, str(r.url))
                    else:
                        if record:
                            self.stats.times[step].append(elapsed)
                            self.stats.timeline.append((started, step, elapsed))
                        return r.status, body, str(r.url)
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.stats.error(step, type(exc).__name__, path)
                last = (0, "", "")
            if attempt < self.retries:
                await asyncio.sleep(1.0 + attempt)
        return last

    async def login(self, p: Participant) -> bool:
        status, body, _url = await self.request(p, "login", "GET", "/login", record=False)
        token = CSRF_RE.search(body or "")
        if not token:
            self.stats.error("login", "no form")
            return False
        started = time.perf_counter()
        status, body, url = await self.request(
            p,
            "login",
            "POST",
            "/login",
            record=False,
            data={"login": p.username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        self.stats.times["login"].append(time.perf_counter() - started)
        if status != 200 or url.endswith("/login"):
            self.stats.error("login", f"refused ({status})")
            return False
        return True

    async def start(self, p: Participant, quiz_id: int) -> bool:
        status, body, _url = await self.request(p, "open", "GET", f"/kuis/{quiz_id}")
        token = CSRF_RE.search(body or "")
        if status != 200 or not token:
            self.stats.error("open", f"no start form ({status})")
            return False
        status, body, url = await self.request(
            p, "start", "POST", f"/kuis/{quiz_id}/mulai", data={"csrf_token": token.group(1)}
        )
        match = ATTEMPT_RE.search(url or "")
        if status != 200 or not match:
            self.stats.error("start", f"no attempt page ({status})", url)
            return False
        p.attempt_id = int(match.group(1))
        return self._read_attempt_page(p, body)

    def _read_attempt_page(self, p: Participant, body: str) -> bool:
        token = CSRF_RE.search(body)
        if token:
            p.csrf = token.group(1)
        options: dict[int, list[str]] = defaultdict(list)
        for _kind, aq, value, _checked in INPUT_RE.findall(body):
            options[int(aq)].append(value)
        if len(options) != QUESTIONS:
            self.stats.error("start", f"{len(options)} questions on the page")
            return False
        p.options = dict(options)
        return True

    async def autosave(self, p: Participant, aq: int, value: str) -> None:
        seq = self.next_seq()
        payload = {"question": aq, "seq": seq, "values": {f"q{aq}": [value]}}
        headers = {"X-CSRFToken": p.csrf, "Accept": "application/json"}
        result = await self.request(
            p, "autosave", "POST", f"/kuis/percobaan/{p.attempt_id}/jawaban", json=payload, headers=headers
        )
        status, body, _url = result
        if status != 200:
            self.stats.error("autosave", f"HTTP {status}", body[:120] if body else "")
            return
        try:
            data = json.loads(body)
        except ValueError:
            self.stats.error("autosave", "not JSON")
            return
        if data.get("ok") and not data.get("stale") and data.get("receipt"):
            previous = p.acked.get(aq)
            if previous is None or previous[0] < seq:
                p.acked[aq] = (seq, value)
        else:
            self.stats.error("autosave", "not acknowledged", str(data)[:120])

    async def reload(self, p: Participant) -> None:
        status, body, _url = await self.request(p, "reload", "GET", f"/kuis/percobaan/{p.attempt_id}")
        if status != 200:
            self.stats.error("reload", f"HTTP {status}")
            return
        shown = {(int(aq), value) for _k, aq, value, checked in INPUT_RE.findall(body) if checked}
        missing = [aq for aq, (_seq, value) in p.acked.items() if (aq, value) not in shown]
        if missing:
            self.stats.error("reload", "acknowledged answer not shown", f"{p.username} {missing[:3]}")

    async def submit(self, p: Participant, double: bool) -> None:
        form = [("csrf_token", p.csrf), ("hal", "1"), ("aksi", "kumpulkan")]
        for aq in sorted(p.options):
            form.append(("soal", str(aq)))
            if aq in p.acked:
                form.append((f"q{aq}", p.acked[aq][1]))
        status, body, url = await self.request(
            p, "review", "POST", f"/kuis/percobaan/{p.attempt_id}", data=form
        )
        token = CSRF_RE.search(body or "")
        if status == 200 and (url or "").endswith("/hasil"):
            # Too late: the server had already finished the attempt at its deadline (plus grace).
            self.stats.error("review", "too late: finished by the server at the deadline")
            p.submitted = True
            return
        if status != 200 or "kumpulkan" not in (url or "") or not token:
            self.stats.error("review", f"no confirmation page ({status})", url)
            return
        path = f"/kuis/percobaan/{p.attempt_id}/kumpulkan"
        calls = [self.request(p, "submit", "POST", path, data={"csrf_token": token.group(1)})]
        if double:
            calls.append(self.request(p, "submit", "POST", path, data={"csrf_token": token.group(1)}))
        for status, _body, url in await asyncio.gather(*calls):
            if status != 200 or not (url or "").endswith("/hasil"):
                self.stats.error("submit", f"no result page ({status})", url)
            else:
                p.submitted = True


@dataclass
class Options:
    participants: int = 300
    exam_minutes: float = 5.0
    start_window: float = 60.0
    reload_share: float = 0.2
    double_share: float = 0.1
    change_share: float = 0.1
    login_concurrency: int = 8
    seed: int = 1


async def run_participants(base: str, exam: Exam, opts: Options, app, hooks=None) -> tuple[Stats, list]:
    """Drive every participant through the exam; returns the stats and the participants."""
    stats = Stats()
    client = Client(base, stats)
    rng = random.Random(opts.seed)
    people = [Participant(u) for u in exam.usernames]
    timeout = aiohttp.ClientTimeout(total=60)
    for p in people:
        p.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=timeout,
            connector=aiohttp.TCPConnector(limit=4, force_close=True),
        )
    try:
        gate = asyncio.Semaphore(opts.login_concurrency)

        async def login(p):
            async with gate:
                return await client.login(p)

        logged = await asyncio.gather(*(login(p) for p in people))
        people = [p for p, ok in zip(people, logged, strict=True) if ok]
        t0 = time.monotonic()
        close_at = utcnow() + timedelta(seconds=opts.start_window + opts.exam_minutes * 60)
        set_close(app, exam.quiz_id, close_at)
        deadline = t0 + opts.start_window + opts.exam_minutes * 60
        stats.t0, stats.deadline = t0, deadline
        if hooks and "t0" in hooks:
            hooks["t0"](t0, deadline)

        async def one(p: Participant, prng: random.Random) -> None:
            await asyncio.sleep(prng.uniform(0, opts.start_window))
            if not await client.start(p, exam.quiz_id):
                return
            submit_at = deadline - prng.uniform(3, 30)
            answer_until = submit_at - 10
            questions = list(p.options)
            prng.shuffle(questions)
            plan = [(aq, prng.choice(p.options[aq])) for aq in questions]
            changes = prng.sample(questions, int(len(questions) * opts.change_share))
            plan += [(aq, prng.choice(p.options[aq])) for aq in changes]
            reload_after = len(plan) // 2 if prng.random() < opts.reload_share else -1
            begin = time.monotonic()
            gap = max(0.05, (answer_until - begin) / max(1, len(plan)))
            for k, (aq, value) in enumerate(plan):
                when = begin + gap * k + prng.uniform(0, gap * 0.8)
                await asyncio.sleep(max(0.0, when - time.monotonic()))
                await client.autosave(p, aq, value)
                if k == reload_after:
                    await client.reload(p)
            await asyncio.sleep(max(0.0, submit_at - time.monotonic()))
            await client.submit(p, double=prng.random() < opts.double_share)

        await asyncio.gather(*(one(p, random.Random(rng.random())) for p in people))
    finally:
        for p in people:
            await p.session.close()
        await asyncio.sleep(0.1)
    return stats, people


# --------------------------------------------------------------------------- checks


def check_database(app, exam: Exam, people: list[Participant], expected: int) -> dict:
    """The database after the run: counts, acknowledged answers, grading once."""
    problems: list[str] = []
    with app.app_context():
        attempts = db.session.scalars(select(Attempt).where(Attempt.quiz_id == exam.quiz_id)).all()
        grades = db.session.scalar(
            select(db.func.count(QuizGrade.id)).where(QuizGrade.quiz_id == exam.quiz_id)
        )
        users = {a.user_id for a in attempts}
        if len(attempts) != expected:
            problems.append(f"{len(attempts)} attempts for {expected} participants")
        if len(users) != len(attempts):
            problems.append(f"{len(attempts) - len(users)} participants with more than one attempt")
        if grades != expected:
            problems.append(f"{grades} quiz grades for {expected} participants")
        not_graded = [a.id for a in attempts if str(a.state) != "graded"]
        if not_graded:
            problems.append(f"{len(not_graded)} attempts not graded (e.g. {not_graded[:5]})")
        by_id = {a.id: a for a in attempts}
        questions = defaultdict(list)
        for aq in db.session.scalars(
            select(AttemptQuestion).join(Attempt).where(Attempt.quiz_id == exam.quiz_id)
        ):
            questions[aq.attempt_id].append(aq)
        answers = {
            a.attempt_question_id: a
            for a in db.session.scalars(
                select(AttemptAnswer).join(Attempt).where(Attempt.quiz_id == exam.quiz_id)
            )
        }
        lost = 0
        acked = 0
        for p in people:
            if p.attempt_id is None:
                continue
            for aq_id, (_seq, value) in p.acked.items():
                acked += 1
                aq = next((q for q in questions[p.attempt_id] if q.id == aq_id), None)
                stored = answers.get(aq_id)
                if aq is None or stored is None:
                    lost += 1
                    continue
                want = qt.get_type(aq.qtype).parse_form(aq.data, f"q{aq_id}", lambda _n, v=value: [v])
                if stored.response != want:
                    lost += 1
        if lost:
            problems.append(f"{lost} of {acked} acknowledged answers lost or not at their last value")
        twice = 0
        wrong_score = 0
        for attempt_id, aqs in questions.items():
            a = by_id[attempt_id]
            if a.graded_at is None:
                continue
            if any(q.graded_at != a.graded_at for q in aqs) or a.submitted_at > a.graded_at:
                twice += 1
            score = 0.0
            for q in aqs:
                answer = answers.get(q.id)
                fraction = qt.get_type(q.qtype).grade(q.data, answer.response if answer else None) or 0.0
                score += round(fraction * q.mark, 4)
            if abs(round(score, 4) - (a.score or 0.0)) > 1e-6:
                wrong_score += 1
        if twice:
            problems.append(f"{twice} attempts graded more than once (question grading times differ)")
        if wrong_score:
            problems.append(f"{wrong_score} attempts whose score is not the grade of their stored answers")
        db.session.remove()
    return {
        "attempts": len(attempts),
        "quiz_grades": grades,
        "acknowledged_answers": acked,
        "lost_answers": lost,
        "problems": problems,
    }


SERVER_STEPS = [
    ("autosave", re.compile(r"^POST /kuis/percobaan/\d+/jawaban ")),
    ("start", re.compile(r"^POST /kuis/\d+/mulai ")),
    ("attempt page", re.compile(r"^GET /kuis/percobaan/\d+ ")),
    ("review (save page)", re.compile(r"^POST /kuis/percobaan/\d+ ")),
    ("submit", re.compile(r"^POST /kuis/percobaan/\d+/kumpulkan ")),
    ("login", re.compile(r"^POST /login ")),
]


def server_times(access_log: Path) -> dict[str, dict]:
    """Time the workers spent per step (from the access log), without the wait for a worker."""
    times: dict[str, list[float]] = defaultdict(list)
    if not access_log.exists():
        return {}
    for line in access_log.read_text(errors="replace").splitlines():
        m = re.search(r'"([^"]*)" (\d{3}) (\d+)$', line)
        if not m:
            continue
        for step, pattern in SERVER_STEPS:
            if pattern.search(m.group(1)):
                times[step].append(int(m.group(3)) / 1000)
                break
    return {step: percentiles(values) for step, values in times.items()}


def count_5xx(access_log: Path) -> int:
    if not access_log.exists():
        return 0
    return sum(
        1 for line in access_log.read_text(errors="replace").splitlines() if re.search(r'" 5\d\d ', line)
    )


def summarise(stats: Stats, check: dict, server_5xx: int, opts: Options) -> dict:
    steps = {}
    for step in ("login", "open", "start", "autosave", "reload", "review", "submit"):
        steps[step] = {**percentiles(stats.times.get(step, [])), "errors": dict(stats.errors.get(step, {}))}
    verdicts = {
        "lost acknowledged answers = 0": check["lost_answers"] == 0 and not check["problems"],
        "responses 5xx = 0": server_5xx == 0,
    }
    for step, limit in TARGETS.items():
        verdicts[f"{step} p95 <= {limit:.0f} ms"] = steps[step]["n"] > 0 and steps[step]["p95"] <= limit
    return {"steps": steps, "check": check, "server_5xx": server_5xx, "verdicts": verdicts}


def phases(stats: Stats, opts: Options) -> list[dict]:
    """Autosave latency per phase of the exam: where does the tail come from?"""
    t0 = getattr(stats, "t0", None)
    if t0 is None:
        return []
    window = opts.start_window
    bounds = [
        ("start window (starts + autosaves)", t0, t0 + window),
        ("middle (autosaves only)", t0 + window, stats.deadline - 45),
        ("last 45 s (submits + last autosaves)", stats.deadline - 45, stats.deadline + 120),
    ]
    rows = []
    for label, low, high in bounds:
        values = [e for t, step, e in stats.timeline if step == "autosave" and low <= t < high]
        others = sum(1 for t, step, _e in stats.timeline if step != "autosave" and low <= t < high)
        rows.append({"phase": label, "other_requests": others, **percentiles(values)})
    return rows


def print_summary(summary: dict, meta: dict) -> None:
    print()
    print(f"# Exam day, {meta['started']}, {meta['participants']} participants, database {meta['database']}")
    print(f"machine: {meta['machine']}; gunicorn {meta['workers']} sync workers; client: asyncio + aiohttp")
    print(
        f"exam: {QUESTIONS} questions, {meta['exam_minutes']} min after a 60 s start window; "
        f"wall {meta['wall_s']:.0f} s"
    )
    print()
    print("| step | n | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---|")
    for step, s in summary["steps"].items():
        errors = ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "0"
        print(f"| {step} | {s['n']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {errors} |")
    if summary.get("phases"):
        print()
        print(
            "autosave by phase: "
            + "; ".join(
                f"{r['phase']}: n {r['n']}, p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, "
                f"p99 {r['p99']:.0f} ms ({r['other_requests']} other requests)"
                for r in summary["phases"]
            )
        )
    if summary.get("server"):
        print(
            "time in the worker (access log, no queueing): "
            + "; ".join(
                f"{k} p50 {v['p50']:.0f} / p95 {v['p95']:.0f} / p99 {v['p99']:.0f} ms"
                for k, v in summary["server"].items()
            )
        )
    c = summary["check"]
    print()
    print(
        f"database: {c['attempts']} attempts, {c['quiz_grades']} quiz grades, "
        f"{c['acknowledged_answers']} acknowledged answers, {c['lost_answers']} lost; "
        f"5xx in the access log: {summary['server_5xx']}"
    )
    for problem in c["problems"]:
        print(f"  PROBLEM: {problem}")
    print(f"worker RSS after the run: {meta['rss_mb']} MB")
    print(
        f"server CPU: {meta['server_cpu_s']:.0f} s for about {meta['requests']} requests "
        f"({1000 * meta['server_cpu_s'] / max(1, meta['requests']):.1f} ms each); load average {meta['load']}"
    )
    for name, ok in summary["verdicts"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")


def prepare(database_url: str):
    flask(["db", "upgrade"], database_url)
    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url), "RATELIMIT_ENABLED": False})


def summarise_profile(files: list[Path], top: int = 15) -> list[tuple[str, float]]:
    """Share of the workers' samples per innermost frame of this project (py-spy raw output)."""
    own: Counter = Counter()
    total = 0
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = stack.split(";")
            mine = next((f for f in reversed(frames) if "lms/" in f or ".html" in f), frames[-1])
            own[mine] += n
    return [(frame, n / total) for frame, n in own.most_common(top)] if total else []


def run(
    database_url: str,
    opts: Options,
    workers: int = 2,
    json_path: Path | None = None,
    hooks=None,
    profile: bool = False,
) -> dict:
    """One exam-day run against a fresh gunicorn; returns the summary (also printed)."""
    app = prepare(database_url)
    tag = time.strftime("%m%d%H%M%S")
    exam = setup_exam(app, opts.participants, tag)
    run_dir = ROOT / "instance" / "bench" / f"exam-{tag}"
    run_dir.mkdir(parents=True, exist_ok=True)
    access_log = run_dir / "access.log"
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    wall = time.monotonic()
    with serve("app:app", {"DATABASE_URL": database_url}, workers, access_log=str(access_log)) as (
        base,
        proc,
    ):
        if hooks is not None:
            hooks["server"] = proc
            hooks["base"] = base
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(worker_pids(proc.pid))
        spies = []
        if profile:
            for pid in worker_pids(proc.pid):
                out = run_dir / f"py-spy-{pid}.txt"
                spies.append(
                    (
                        out,
                        subprocess.Popen(
                            [
                                str(Path(sys.executable).parent / "py-spy"),
                                "record",
                                "--pid",
                                str(pid),
                                "--format",
                                "raw",
                                "--rate",
                                "50",
                                "--output",
                                str(out),
                                "--nonblocking",
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        ),
                    )
                )
        stats, people = asyncio.run(run_participants(base, exam, opts, app, hooks))
        # Server CPU (both workers; a worker killed during the run loses its share).
        server_cpu = cpu_seconds(worker_pids(proc.pid)) - cpu_before
        rss = [round(rss_mb(pid), 1) for pid in worker_pids(proc.pid)]
        load_after = os.getloadavg()[0]
        for _out, spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
    wall = time.monotonic() - wall
    check = check_database(app, exam, people, len([p for p in people if p.attempt_id]))
    if len(people) != opts.participants:
        check["problems"].append(f"only {len(people)} of {opts.participants} participants could log in")
    summary = summarise(stats, check, count_5xx(access_log), opts)
    summary["phases"] = phases(stats, opts)
    summary["server"] = server_times(access_log)
    meta = {
        "started": started,
        "participants": opts.participants,
        "database": database_url.split("@")[-1],
        "machine": machine_note(),
        "workers": workers,
        "exam_minutes": opts.exam_minutes,
        "wall_s": wall,
        "rss_mb": rss,
        "server_cpu_s": round(server_cpu, 1),
        "requests": sum(len(v) for v in stats.times.values())
        + sum(sum(c.values()) for c in stats.errors.values()),
        "load": f"{load_before:.1f} at the start, {load_after:.1f} at the end",
        "notes": stats.notes,
    }
    print_summary(summary, meta)
    if profile:
        summary["profile"] = summarise_profile([out for out, _spy in spies])
        print("\nworker CPU samples by innermost project frame (py-spy):")
        for frame, share in summary["profile"]:
            print(f"  {share:6.1%}  {frame}")
    for note in stats.notes[:10]:
        print(f"  note: {note}")
    result = {"meta": meta, **summary, "people": people}
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(
            json.dumps({k: v for k, v in result.items() if k != "people"}, indent=2, default=str)
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=default_sqlite_url("scale.sqlite3"))
    parser.add_argument("--participants", "-n", type=int, default=300)
    parser.add_argument("--exam-minutes", type=float, default=5.0, help="from the end of the start window")
    parser.add_argument("--reload-share", type=float, default=0.2)
    parser.add_argument("--double-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="py-spy the workers during the run")
    args = parser.parse_args(argv)
    if quiz_services is None:
        print("The quizzes feature is not installed in this checkout; nothing to run.", file=sys.stderr)
        return 2
    opts = Options(
        participants=args.participants,
        exam_minutes=args.exam_minutes,
        reload_share=args.reload_share,
        double_share=args.double_share,
    )
    result = run(args.database_url, opts, args.workers, args.json, profile=args.profile)
    return 0 if all(result["verdicts"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
