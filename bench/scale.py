"""Scale data for benchmarks: `flask lms seed-scale` fills a database with realistic volume.

Everything is written with bulk inserts (``session.execute(insert(Model), rows)`` in batches), not
one ORM object per row, and the one password hash is computed once. Rows give only the columns
that matter; every other column takes its model default, so the seeding keeps working as features
add columns. Parts for features that are not installed (quizzes, projects) are skipped.

Every seeded account has a username ``skala<NNNNN>`` (participants), ``skala-mentor<NNN>``,
``skala-coach<NNN>``, ``skala-penguji<NNN>``, ``skala-pimpinan<NN>`` or ``skala-admin``, and the
password :data:`SCALE_PASSWORD`. The data is deterministic for a given ``seed``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from lms import database
from lms.accounts.models import Instansi, Role, UnitKerja, User, UserRole
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
    Module,
    Program,
    ProgramKind,
)
from lms.extensions import db
from lms.jp.models import JpRecord, JpSource
from lms.markdown import render_markdown

try:  # features that may not be installed yet: their steps are skipped
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import (
        Attempt,
        AttemptAnswer,
        AttemptQuestion,
        AttemptState,
        Question,
        QuizGrade,
        QuizKind,
    )
except ImportError:  # pragma: no cover - depends on the branch
    quiz_services = None
try:
    from lms.projects import services as project_services
    from lms.projects.models import (
        Decision,
        Project,
        Review,
        ReviewerRole,
        StageSubmission,
        SubmissionState,
        SubmissionVersion,
    )
except ImportError:  # pragma: no cover - depends on the branch
    project_services = None

SCALE_PASSWORD = "pelita-skala-2026"  # noqa: S105 - published benchmark password
PREFIX = "skala"


class ScaleError(RuntimeError):
    """The database cannot be seeded (for example it already holds scale data)."""


@dataclass
class ScaleSizes:
    """How much to create. The defaults are the issue's volume, minus lessons (see below)."""

    instansi: int = 20
    units: int = 200
    users: int = 20_000
    courses: int = 50
    modules_per_course: int = 10
    # 10 modules x 10 lessons = 100 lessons per course (5,000 lessons in all).
    lessons_per_module: int = 10
    programs: int = 4
    angkatan: int = 40
    min_participants: int = 50
    max_participants: int = 500
    completions: int = 200_000
    quiz_attempts: int = 50_000
    questions_per_quiz: int = 10
    projects: int = 5_000
    seed: int = 2026
    batch: int = 5_000


@dataclass
class ScaleReport:
    """Rows created per table, and seconds spent per step."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers

_NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # fixed "now" so a seed is reproducible
_LESSON_TEMPLATES = [
    "## Tujuan pembelajaran\n\nSetelah mempelajari materi ini peserta mampu menjelaskan {topic} "
    "dan menerapkannya di unit kerja.\n\n### Pokok bahasan\n\n1. Pengertian {topic}\n"
    "2. Dasar hukum (UU 20/2023 tentang ASN)\n3. Contoh penerapan di instansi daerah\n\n"
    "> Catatan: bacalah studi kasus sebelum mengerjakan kuis modul.\n\n"
    "| Aspek | Uraian |\n|---|---|\n| Sasaran | ASN {topic} |\n| Waktu | 2 JP |\n",
    "### Studi kasus\n\nSeorang kepala seksi di **{topic}** menghadapi antrean layanan yang panjang. "
    "Identifikasi akar masalahnya dengan diagram tulang ikan, lalu rumuskan *quick win* yang dapat "
    "dikerjakan dalam 30 hari.\n\n- Langkah 1: kumpulkan data layanan\n- Langkah 2: wawancara pengguna\n"
    "- Langkah 3: susun rencana aksi\n\n[Bacaan tambahan](https://jdih.example.go.id/{n})\n",
    "Materi ini membahas {topic}. " * 12
    + "\n\n#### Rangkuman\n\n- Nilai dasar BerAKHLAK\n- Pelayanan publik\n- Manajemen ASN\n",
]
_TOPICS = [
    "etika publik",
    "manajemen risiko",
    "pelayanan prima",
    "inovasi daerah",
    "kepemimpinan pengawas",
    "akuntabilitas kinerja",
    "nasionalisme",
    "whole of government",
    "manajemen perubahan",
    "komunikasi efektif",
]
_PROGRAMS = [
    ("PKN-II", "Pelatihan Kepemimpinan Nasional Tingkat II", ProgramKind.LEADERSHIP, 630, "proyek perubahan"),
    ("PKA", "Pelatihan Kepemimpinan Administrator", ProgramKind.LEADERSHIP, 908, "aksi perubahan"),
    ("PKP", "Pelatihan Kepemimpinan Pengawas", ProgramKind.LEADERSHIP, 830, "aksi perubahan"),
    ("LATSAR", "Pelatihan Dasar CPNS", ProgramKind.LATSAR, 510, "aktualisasi"),
]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(model, rows: Iterable[dict], size: int) -> int:
    """Insert ``rows`` into ``model``'s table in batches; return how many."""
    count = 0
    for batch in _chunks(rows, size):
        db.session.execute(insert(model), batch)
        count += len(batch)
    return count


def scale_nip(n: int) -> str:
    """A valid 18-digit NIP PNS, unique per ``n`` (birth day and sequence number vary)."""
    birth = date(1966, 1, 1) + timedelta(days=(n // 999) * 3)
    seq = n % 999 + 1
    tmt = f"{birth.year + 23}{n % 12 + 1:02d}"
    return f"{birth:%Y%m%d}{tmt}{1 + n % 2}{seq:03d}"


def participant_username(n: int) -> str:
    """Username of the ``n``-th seeded participant (1-based)."""
    return f"{PREFIX}{n:05d}"


def has_scale_data() -> bool:
    """True when a previous seed-scale already ran on this database."""
    return db.session.scalar(select(User.id).where(User.username == f"{PREFIX}-admin")) is not None


# --------------------------------------------------------------------------- the steps


class _Seeder:
    def __init__(self, sizes: ScaleSizes, progress: Callable[[str], None]):
        self.s = sizes
        self.rng = random.Random(sizes.seed)
        self.report = ScaleReport()
        self.progress = progress

    def step(self, name: str, fn: Callable[[], int | dict[str, int]]) -> None:
        started = time.perf_counter()
        result = fn()
        db.session.flush()
        elapsed = time.perf_counter() - started
        self.report.seconds[name] = round(elapsed, 2)
        counts = result if isinstance(result, dict) else {name: result}
        self.report.counts.update(counts)
        self.progress(f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()) + f" ({elapsed:.1f} s)")

    # -- organisations and people

    def organisations(self) -> dict[str, int]:
        s = self.s
        n_inst = _bulk(
            Instansi,
            ({"name": f"Instansi Skala {i:02d}", "code": f"SK{i:02d}"} for i in range(1, s.instansi + 1)),
            s.batch,
        )
        self.instansi_ids = list(
            db.session.scalars(
                select(Instansi.id).where(Instansi.name.like("Instansi Skala %")).order_by(Instansi.id)
            )
        )
        units = (
            {"instansi_id": self.instansi_ids[i % len(self.instansi_ids)], "name": f"Unit Skala {i:03d}"}
            for i in range(1, s.units + 1)
        )
        n_units = _bulk(UnitKerja, units, s.batch)
        self.units = db.session.execute(
            select(UnitKerja.id, UnitKerja.instansi_id)
            .where(UnitKerja.name.like("Unit Skala %"))
            .order_by(UnitKerja.id)
        ).all()
        return {"instansi": n_inst, "unit_kerja": n_units}

    def users(self) -> dict[str, int]:
        s = self.s
        password_hash = generate_password_hash(SCALE_PASSWORD)  # once for every account
        staff = max(1, s.users // 100)  # 1 % mentors, half as many coaches, ...
        self.plan: list[tuple[str, str, tuple[Role, ...]]] = [
            (f"{PREFIX}-admin", "Admin Skala", (Role.ADMIN,))
        ]
        self.plan += [
            (f"{PREFIX}-mentor{i:03d}", f"Mentor Skala {i}", (Role.MENTOR,)) for i in range(1, staff + 1)
        ]
        self.plan += [
            (f"{PREFIX}-coach{i:03d}", f"Coach Skala {i}", (Role.COACH,)) for i in range(1, staff // 2 + 2)
        ]
        self.plan += [
            (f"{PREFIX}-penguji{i:03d}", f"Penguji Skala {i}", (Role.PENGUJI,))
            for i in range(1, staff // 4 + 2)
        ]
        self.plan += [
            (f"{PREFIX}-pimpinan{i:02d}", f"Pimpinan Skala {i}", (Role.PIMPINAN, Role.MENTOR))
            for i in range(1, min(s.instansi, 20) + 1)
        ]
        participants = max(0, s.users - len(self.plan))
        self.plan += [(participant_username(i), f"Peserta Skala {i}", ()) for i in range(1, participants + 1)]
        jabatan = ["Analis Kebijakan", "Pranata Komputer", "Kepala Seksi", "Kepala Subbagian", "Auditor"]
        pangkat = ["Penata Muda (III/a)", "Penata (III/c)", "Penata Tk. I (III/d)", "Pembina (IV/a)"]
        zones = ["Asia/Jakarta"] * 6 + ["Asia/Makassar"] * 3 + ["Asia/Jayapura"]

        def rows():
            for n, (username, name, _roles) in enumerate(self.plan, start=1):
                unit_id, instansi_id = self.units[n % len(self.units)] if self.units else (None, None)
                yield {
                    "username": username,
                    "nip": scale_nip(n),
                    "full_name": name,
                    "email": f"{username}@skala.example.go.id",
                    "password_hash": password_hash,
                    "instansi_id": instansi_id,
                    "unit_id": unit_id,
                    "jabatan": jabatan[n % len(jabatan)],
                    "pangkat_golongan": pangkat[n % len(pangkat)],
                    "timezone": zones[n % len(zones)],
                    "created_at": _NOW - timedelta(days=400),
                }

        n_users = _bulk(User, rows(), s.batch)
        ids = dict(
            db.session.execute(select(User.username, User.id).where(User.username.like(f"{PREFIX}%"))).all()
        )
        self.user_ids = ids
        role_rows = ({"user_id": ids[u], "role": role} for u, _n, roles in self.plan for role in roles)
        n_roles = _bulk(UserRole, role_rows, s.batch)
        self.participant_ids = [ids[u] for u, _n, roles in self.plan if not roles]
        self.mentor_ids = [ids[u] for u, _n, roles in self.plan if Role.MENTOR in roles]
        self.coach_ids = [ids[u] for u, _n, roles in self.plan if Role.COACH in roles]
        self.penguji_ids = [ids[u] for u, _n, roles in self.plan if Role.PENGUJI in roles]
        return {"users": n_users, "user_roles": n_roles}

    # -- catalogue

    def catalogue(self) -> dict[str, int]:
        s = self.s
        programs = [
            {
                "code": f"{code}-SKALA",
                "name": f"{name} (skala)",
                "kind": kind,
                "jp": jp,
                "project_label": label,
                "description": f"Program {name}.",
            }
            for code, name, kind, jp, label in _PROGRAMS[: s.programs]
        ]
        n_programs = _bulk(Program, programs, s.batch)
        self.program_ids = list(
            db.session.scalars(select(Program.id).where(Program.code.like("%-SKALA")).order_by(Program.id))
        )
        in_programs = min(s.courses, 3 * len(self.program_ids))

        def course_rows():
            for i in range(1, s.courses + 1):
                topic = _TOPICS[i % len(_TOPICS)]
                yield {
                    "program_id": self.program_ids[(i - 1) // 3] if i <= in_programs else None,
                    "title": f"Kursus Skala {i:02d}: {topic.title()}",
                    "slug": f"{PREFIX}-kursus-{i:02d}",
                    "summary": f"Kursus daring tentang {topic} untuk ASN.",
                    "jp": 10 + (i % 5) * 5,
                    "status": CourseStatus.PUBLISHED,
                    "published_at": _NOW - timedelta(days=300),
                    "created_at": _NOW - timedelta(days=320),
                }

        n_courses = _bulk(Course, course_rows(), s.batch)
        self.courses = db.session.execute(
            select(Course.id, Course.program_id, Course.jp, Course.title)
            .where(Course.slug.like(f"{PREFIX}-kursus-%"))
            .order_by(Course.id)
        ).all()
        course_ids = [c.id for c in self.courses]
        modules = (
            {
                "course_id": cid,
                "title": f"Modul {m}: {_TOPICS[(m + ci) % len(_TOPICS)].title()}",
                "summary": "Ringkasan modul.",
                "position": m,
                "published": True,
            }
            for ci, cid in enumerate(course_ids)
            for m in range(1, s.modules_per_course + 1)
        )
        n_modules = _bulk(Module, modules, s.batch)
        module_rows = db.session.execute(
            select(Module.id, Module.course_id)
            .where(Module.course_id.in_(course_ids))
            .order_by(Module.course_id, Module.position)
        ).all()
        bodies = []
        for t, template in enumerate(_LESSON_TEMPLATES):
            for k, topic in enumerate(_TOPICS[:4]):
                source = template.format(topic=topic, n=t * 10 + k)
                bodies.append((source, render_markdown(source)))  # rendered once per variant

        def lesson_rows():
            for j, module in enumerate(module_rows):
                for p in range(1, s.lessons_per_module + 1):
                    source, html = bodies[(j + p) % len(bodies)]
                    yield {
                        "module_id": module.id,
                        "title": f"Materi {p}: {_TOPICS[(j + p) % len(_TOPICS)]}",
                        "kind": LessonKind.TEXT,
                        "position": p,
                        "body_md": source,
                        "body_html": html,
                        "duration_minutes": 15 + p % 4 * 5,
                    }

        n_lessons = _bulk(Lesson, lesson_rows(), s.batch)
        self.lessons_by_course: dict[int, list[int]] = {cid: [] for cid in course_ids}
        for lid, cid in db.session.execute(
            select(Lesson.id, Module.course_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id.in_(course_ids))
            .order_by(Module.course_id, Module.position, Lesson.position)
        ):
            self.lessons_by_course[cid].append(lid)
        return {"programs": n_programs, "courses": n_courses, "modules": n_modules, "lessons": n_lessons}

    # -- cohorts

    def cohorts(self) -> dict[str, int]:
        s = self.s
        rng = self.rng
        program_angkatan = round(s.angkatan * 0.45) if self.program_ids else 0
        today = _NOW.date()
        angkatan_rows = []
        self.angkatan_plan: list[tuple[str, int | None, int | None, int]] = []
        for i in range(1, s.angkatan + 1):
            size = min(rng.randint(s.min_participants, s.max_participants), len(self.participant_ids))
            if i <= program_angkatan:
                program_id, course_id = self.program_ids[(i - 1) % len(self.program_ids)], None
            else:
                program_id, course_id = None, self.courses[(i - 1) % len(self.courses)].id
            # Half the angkatan are running now, the rest ended during the last year.
            start = today - timedelta(days=30 if i % 2 else 200 + i)
            name = f"Angkatan Skala {_ROMAN[(i - 1) % 10]}-{i:02d} Tahun {start.year}"
            self.angkatan_plan.append((name, program_id, course_id, size))
            angkatan_rows.append(
                {
                    "name": name,
                    "program_id": program_id,
                    "course_id": course_id,
                    "start_date": start,
                    "end_date": start + timedelta(days=90),
                    "capacity": max(size, 1),
                }
            )
        n_angkatan = _bulk(Angkatan, angkatan_rows, s.batch)
        by_name = dict(
            db.session.execute(
                select(Angkatan.name, Angkatan.id).where(Angkatan.name.like("Angkatan Skala %"))
            ).all()
        )
        enrolments = []
        for name, _program_id, _course_id, size in self.angkatan_plan:
            members = rng.sample(self.participant_ids, size)
            for ndh, user_id in enumerate(members, start=1):
                enrolments.append(
                    {
                        "angkatan_id": by_name[name],
                        "user_id": user_id,
                        "ndh": ndh,
                        "status": EnrolmentStatus.ACTIVE,
                        "mentor_id": rng.choice(self.mentor_ids) if self.mentor_ids else None,
                        "coach_id": rng.choice(self.coach_ids) if self.coach_ids else None,
                        "enrolled_at": _NOW - timedelta(days=rng.randint(20, 300)),
                    }
                )
        n_enrol = _bulk(Enrolment, enrolments, s.batch)
        self.angkatan_ids = [by_name[p[0]] for p in self.angkatan_plan]
        self.enrolments = db.session.execute(
            select(Enrolment.id, Enrolment.user_id, Angkatan.id, Angkatan.program_id, Angkatan.course_id)
            .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
            .where(Angkatan.id.in_(self.angkatan_ids))
            .order_by(Enrolment.id)
        ).all()
        return {"angkatan": n_angkatan, "enrolments": n_enrol}

    def _courses_of(self, program_id: int | None, course_id: int | None) -> list[int]:
        if course_id is not None:
            return [course_id]
        return [c.id for c in self.courses if c.program_id == program_id]

    # -- progress, completions, JP

    def completions(self) -> dict[str, int]:
        s = self.s
        rng = self.rng
        # Every (user, course) a participant may study, in enrolment order.
        pairs: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()
        for e in self.enrolments:
            for cid in self._courses_of(e.program_id, e.course_id):
                if (e.user_id, cid) not in seen and self.lessons_by_course.get(cid):
                    seen.add((e.user_id, cid))
                    pairs.append((e.user_id, cid))
        rng.shuffle(pairs)
        budget = s.completions
        amounts: dict[tuple[int, int], int] = {}
        # About one in twelve finishes the course; the others are somewhere along the way.
        for k, (user_id, cid) in enumerate(pairs):
            if budget <= 0:
                break
            total = len(self.lessons_by_course[cid])
            if k % 12 == 0:
                n = total
            else:
                mean = budget / max(1, len(pairs) - k)
                n = min(total - 1, max(0, int(rng.uniform(0, 2 * mean))))
            n = min(n, budget)
            if n > 0:
                amounts[(user_id, cid)] = n
                budget -= n
        # Spend what is left: first short of finishing a course, then finishing courses.
        for cap in (-1, 0):
            for pair in pairs:
                if budget <= 0:
                    break
                total = len(self.lessons_by_course[pair[1]])
                extra = min(budget, total + cap - amounts.get(pair, 0))
                if extra > 0:
                    amounts[pair] = amounts.get(pair, 0) + extra
                    budget -= extra
        plan = [(u, c, n) for (u, c), n in amounts.items()]
        done_courses = [(u, c) for u, c, n in plan if n == len(self.lessons_by_course[c])]

        def progress_rows():
            for user_id, cid, n in plan:
                start = _NOW - timedelta(days=rng.randint(5, 300))
                for j, lesson_id in enumerate(self.lessons_by_course[cid][:n]):
                    at = start + timedelta(minutes=20 * j)
                    yield {
                        "user_id": user_id,
                        "lesson_id": lesson_id,
                        "first_viewed_at": at,
                        "last_viewed_at": at,
                        "completed_at": at,
                    }

        n_progress = _bulk(LessonProgress, progress_rows(), s.batch)
        courses = {c.id: c for c in self.courses}
        completed_at = _NOW - timedelta(days=3)
        n_done = _bulk(
            CourseCompletion,
            ({"user_id": u, "course_id": c, "completed_at": completed_at} for u, c in done_courses),
            s.batch,
        )
        n_jp = _bulk(
            JpRecord,
            (
                {
                    "user_id": u,
                    "source": JpSource.COURSE,
                    "source_id": c,
                    "title": courses[c].title,
                    "jp": courses[c].jp,
                    "year": completed_at.year,
                    "earned_at": completed_at,
                    "recorded_at": completed_at,
                }
                for u, c in done_courses
            ),
            s.batch,
        )
        self.done_courses = done_courses
        return {"lesson_progress": n_progress, "course_completions": n_done, "jp_records": n_jp}

    def run(self) -> ScaleReport:
        self.step("organisations", self.organisations)
        self.step("users", self.users)
        self.step("catalogue", self.catalogue)
        self.step("cohorts", self.cohorts)
        self.step("completions", self.completions)
        for name, extra in EXTRA_STEPS:
            if extra is None:
                self.report.skipped.append(name)
                continue
            self.step(name, lambda extra=extra: extra(self))
        return self.report


def _quiz_gift(course_no: int, n: int) -> str:
    parts = []
    for i in range(1, n + 1):
        right = (course_no + i) % 4
        options = " ".join(("=" if k == right else "~") + f"Pilihan {chr(65 + k)}" for k in range(4))
        topic = _TOPICS[(course_no + i) % len(_TOPICS)]
        parts.append(
            f"::K{course_no}-{i}:: Soal {i} tentang {topic}: pilih jawaban yang paling tepat. {{{options}}}"
        )
    return "\n\n".join(parts) + "\n"


def _seed_quizzes(seeder: _Seeder) -> dict[str, int]:
    """Per course a question bank, a pre-test and a post-test; graded attempts with their
    questions and answers, and the grade that counts, for enrolled participants."""
    s, rng = seeder.s, seeder.rng
    quizzes: list[tuple[int, int, list]] = []  # quiz id, course id, questions
    for n, course in enumerate(seeder.courses, start=1):
        course_obj = db.session.get(Course, course.id)
        summary = quiz_services.import_questions(course_obj, _quiz_gift(n, s.questions_per_quiz), "gift")
        questions = sorted(summary.questions, key=lambda q: q.id)
        for kind, title in ((QuizKind.PRE_TEST, "Pre-test"), (QuizKind.POST_TEST, "Post-test")):
            quiz = quiz_services.create_quiz(
                course_obj,
                quiz_services.QuizSettings(
                    title=f"{title} {course.title}"[:200],
                    kind=kind,
                    time_limit_minutes=60,
                    max_attempts=2,
                    published=True,
                ),
            )
            quiz_services.add_questions(quiz, [q.id for q in questions])
            quizzes.append((quiz.id, course.id, questions))
    db.session.flush()
    by_course: dict[int, list[tuple[int, list]]] = {}
    for quiz_id, course_id, questions in quizzes:
        by_course.setdefault(course_id, []).append((quiz_id, questions))
    pairs = sorted(
        {(e.user_id, cid) for e in seeder.enrolments for cid in seeder._courses_of(e.program_id, e.course_id)}
    )
    rng.shuffle(pairs)
    plan: list[tuple[int, int, int, list]] = []  # quiz, user, number, questions
    budget = s.quiz_attempts
    firsts = [(q, u, qs) for u, c in pairs for q, qs in by_course.get(c, [])]
    for quiz_id, user_id, questions in firsts[:budget]:
        plan.append((quiz_id, user_id, 1, questions))
    # Second attempts (the quizzes allow two) for as many as the budget still asks for.
    budget -= len(plan)
    retake = min(1.0, budget / len(firsts)) if firsts and budget > 0 else 0.0
    for quiz_id, user_id, questions in firsts:
        if budget <= 0:
            break
        if rng.random() < retake + 0.02:
            plan.append((quiz_id, user_id, 2, questions))
            budget -= 1
    base = _NOW - timedelta(days=60)
    attempt_rows, outcomes = [], []
    for quiz_id, user_id, number, questions in plan:
        started = base + timedelta(minutes=rng.randint(0, 60 * 24 * 50))
        chosen = []
        score = 0.0
        for q in questions:
            options = q.data.get("options") or []
            pick = (
                rng.choice(options)
                if options and rng.random() < 0.35
                else max(options, key=lambda o: o["fraction"])
            )
            fraction = max(0.0, float(pick.get("fraction", 0)))
            chosen.append((q, str(pick["id"]), fraction))
            score += fraction * q.default_mark
        max_score = sum(q.default_mark for q in questions)
        percent = round(100 * score / max_score, 2) if max_score else 0.0
        finished = started + timedelta(minutes=rng.randint(10, 55))
        attempt_rows.append(
            {
                "quiz_id": quiz_id,
                "user_id": user_id,
                "number": number,
                "state": AttemptState.GRADED,
                "started_at": started,
                "deadline_at": started + timedelta(minutes=60),
                "last_saved_at": finished,
                "submitted_at": finished,
                "graded_at": finished,
                "score": round(score, 4),
                "max_score": max_score,
                "percent": percent,
                "passed": percent >= 60,
            }
        )
        outcomes.append(chosen)
    n_attempts = _bulk(Attempt, attempt_rows, s.batch)
    quiz_ids = [q[0] for q in quizzes]
    ids = {
        (row.quiz_id, row.user_id, row.number): row.id
        for row in db.session.execute(
            select(Attempt.id, Attempt.quiz_id, Attempt.user_id, Attempt.number).where(
                Attempt.quiz_id.in_(quiz_ids)
            )
        )
    }
    keyed = [
        (ids[(r["quiz_id"], r["user_id"], r["number"])], r, chosen)
        for r, chosen in zip(attempt_rows, outcomes, strict=True)
    ]

    def question_rows():
        for attempt_id, row, chosen in keyed:
            for position, (q, _pick, fraction) in enumerate(chosen, start=1):
                yield {
                    "attempt_id": attempt_id,
                    "question_id": q.id,
                    "position": position,
                    "qtype": q.qtype,
                    "title": q.title,
                    "text_html": q.text_html,
                    "general_feedback_html": q.general_feedback_html,
                    "data": q.data,
                    "order": [str(o["id"]) for o in q.data.get("options") or []],
                    "mark": q.default_mark,
                    "fraction": fraction,
                    "score": round(fraction * q.default_mark, 4),
                    "graded_at": row["graded_at"],
                    "grader_comment": "",
                }

    n_questions = _bulk(AttemptQuestion, question_rows(), s.batch)
    aq_ids = {
        (a, p): i
        for i, a, p in db.session.execute(
            select(AttemptQuestion.id, AttemptQuestion.attempt_id, AttemptQuestion.position)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(Attempt.quiz_id.in_(quiz_ids))
        )
    }

    def answer_rows():
        for attempt_id, row, chosen in keyed:
            for position, (_q, pick, _fraction) in enumerate(chosen, start=1):
                yield {
                    "attempt_id": attempt_id,
                    "attempt_question_id": aq_ids[(attempt_id, position)],
                    "response": {"choice": pick},
                    "revision": 1,
                    "saved_at": row["submitted_at"],
                }

    n_answers = _bulk(AttemptAnswer, answer_rows(), s.batch)
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for attempt_id, row, _chosen in keyed:
        key = (row["quiz_id"], row["user_id"])
        if key not in best or row["percent"] > best[key][0]:
            best[key] = (row["percent"], attempt_id)
    n_grades = _bulk(
        QuizGrade,
        (
            {"quiz_id": q, "user_id": u, "attempt_id": a, "percent": p, "passed": p >= 60, "updated_at": _NOW}
            for (q, u), (p, a) in best.items()
        ),
        s.batch,
    )
    return {
        "quizzes": len(quizzes),
        "questions": db.session.scalar(select(func.count(Question.id))),
        "attempts": n_attempts,
        "attempt_questions": n_questions,
        "attempt_answers": n_answers,
        "quiz_grades": n_grades,
    }


_PROJECT_BODY = (
    "## Latar belakang\n\nAntrean layanan rekomendasi di unit kerja rata-rata 14 hari. "
    "Aksi perubahan ini memangkasnya menjadi 3 hari dengan layanan daring.\n\n"
    "## Tonggak\n\n1. Jangka pendek: SOP baru dan formulir daring\n2. Jangka menengah: integrasi data\n"
    "3. Jangka panjang: replikasi ke OPD lain\n"
)


def _seed_projects(seeder: _Seeder) -> dict[str, int]:
    """Projects of participants in program angkatan, with their first stage (rancangan) in every
    state: approved by coach and mentor, waiting in the queues, sent back for revision, or draft."""
    s, rng = seeder.s, seeder.rng
    stages: dict[int, object] = {}
    for program_id in seeder.program_ids:
        program = db.session.get(Program, program_id)
        stages[program_id] = project_services.install_default_stages(program)[0]
    candidates = [e for e in seeder.enrolments if e.program_id is not None]
    rng.shuffle(candidates)
    chosen = candidates[: s.projects]
    if len(chosen) < s.projects:
        seeder.progress(f"projects: only {len(chosen)} participants in program angkatan (asked {s.projects})")
    mentor_of = dict(
        db.session.execute(
            select(Enrolment.id, Enrolment.mentor_id).where(Enrolment.id.in_([e.id for e in chosen]))
        ).all()
    )
    coach_of = dict(
        db.session.execute(
            select(Enrolment.id, Enrolment.coach_id).where(Enrolment.id.in_([e.id for e in chosen]))
        ).all()
    )
    topics = [t.title() for t in _TOPICS]
    n_projects = _bulk(
        Project,
        (
            {
                "enrolment_id": e.id,
                "title": f"Aksi Perubahan {topics[i % len(topics)]} di Unit {i + 1}",
                "problem_statement": "Layanan lambat dan tidak terpantau.",
                "unit": f"Unit Skala {i % 200 + 1:03d}",
                "created_at": _NOW - timedelta(days=40),
            }
            for i, e in enumerate(chosen)
        ),
        s.batch,
    )
    project_ids = dict(
        db.session.execute(
            select(Project.enrolment_id, Project.id).where(Project.enrolment_id.in_([e.id for e in chosen]))
        ).all()
    )
    html = render_markdown(_PROJECT_BODY)
    plan = []  # enrolment, state, days waiting
    for e in chosen:
        r = rng.random()
        state = (
            SubmissionState.APPROVED
            if r < 0.4
            else SubmissionState.SUBMITTED
            if r < 0.7
            else SubmissionState.REVISION_REQUESTED
            if r < 0.85
            else SubmissionState.DRAFT
        )
        plan.append((e, state, rng.randint(0, 20)))
    submissions = []
    for e, state, days in plan:
        waiting = state == SubmissionState.SUBMITTED
        submissions.append(
            {
                "project_id": project_ids[e.id],
                "stage_id": stages[e.program_id].id,
                "state": state,
                "draft_md": _PROJECT_BODY,
                "current_version_no": 0 if state == SubmissionState.DRAFT else 1,
                "waiting_since": _NOW - timedelta(days=days) if waiting else None,
                "approved_at": _NOW - timedelta(days=days) if state == SubmissionState.APPROVED else None,
            }
        )
    n_submissions = _bulk(StageSubmission, submissions, s.batch)
    submission_ids = dict(
        db.session.execute(
            select(StageSubmission.project_id, StageSubmission.id).where(
                StageSubmission.project_id.in_(list(project_ids.values()))
            )
        ).all()
    )
    versions = [
        {
            "submission_id": submission_ids[project_ids[e.id]],
            "number": 1,
            "body_md": _PROJECT_BODY,
            "body_html": html,
            "submitted_by_id": e.user_id,
            "submitted_at": _NOW - timedelta(days=days + 2),
        }
        for e, state, days in plan
        if state != SubmissionState.DRAFT
    ]
    n_versions = _bulk(SubmissionVersion, versions, s.batch)
    version_ids = dict(
        db.session.execute(
            select(SubmissionVersion.submission_id, SubmissionVersion.id).where(
                SubmissionVersion.submission_id.in_(list(submission_ids.values()))
            )
        ).all()
    )
    reviews = []
    for e, state, days in plan:
        sid = submission_ids[project_ids[e.id]]
        at = _NOW - timedelta(days=days)
        pairs = []
        if state == SubmissionState.APPROVED:
            pairs = [(ReviewerRole.COACH, coach_of[e.id], Decision.APPROVE)]
            pairs.append((ReviewerRole.MENTOR, mentor_of[e.id], Decision.APPROVE))
        elif state == SubmissionState.REVISION_REQUESTED:
            pairs = [(ReviewerRole.COACH, coach_of[e.id], Decision.REVISE)]
        for role, reviewer_id, decision in pairs:
            if reviewer_id is None:
                continue
            reviews.append(
                {
                    "submission_id": sid,
                    "version_id": version_ids[sid],
                    "reviewer_id": reviewer_id,
                    "role": role,
                    "decision": decision,
                    "comment": "Sudah baik."
                    if decision == Decision.APPROVE
                    else "Perjelas tonggak jangka pendek.",
                    "created_at": at,
                }
            )
    n_reviews = _bulk(Review, reviews, s.batch)
    return {
        "projects": n_projects,
        "project_submissions": n_submissions,
        "project_submission_versions": n_versions,
        "project_reviews": n_reviews,
    }


# Steps for features that may or may not be installed: (name, function or None).
EXTRA_STEPS: list[tuple[str, Callable[[_Seeder], dict[str, int]] | None]] = [
    ("quizzes", _seed_quizzes if quiz_services is not None else None),
    ("projects", _seed_projects if project_services is not None else None),
]


def seed_scale(
    sizes: ScaleSizes | None = None, progress: Callable[[str], None] = lambda _m: None
) -> ScaleReport:
    """Fill the database with scale data (flushes; the caller commits). Refuses to run twice."""
    if has_scale_data():
        raise ScaleError("Data skala sudah ada di basis data ini; gunakan basis data kosong.")
    return _Seeder(sizes or ScaleSizes(), progress).run()


def table_counts(names: Iterable[str]) -> dict[str, int]:
    """Row counts of the given models' tables (used by tests and the CLI summary)."""
    models = {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers}
    return {n: db.session.scalar(select(func.count()).select_from(models[n])) for n in names if n in models}


# --- the command: flask lms seed-scale (registered by lms/cli.py) ---------------------------

_SIZE_HELP = {
    "instansi": "instansi (agencies)",
    "units": "unit kerja",
    "users": "accounts (about 1% mentors, coaches, penguji; the rest peserta)",
    "courses": "published courses",
    "modules_per_course": "modules per course",
    "lessons_per_module": "lessons per module",
    "programs": "programs (at most 4; leadership programs carry a project)",
    "angkatan": "angkatan (45% run a program, the rest a course)",
    "min_participants": "fewest participants per angkatan",
    "max_participants": "most participants per angkatan",
    "completions": "lesson completions",
    "quiz_attempts": "quiz attempts (when quizzes are installed)",
    "questions_per_quiz": "questions per seeded quiz attempt",
    "projects": "proyek perubahan (when projects are installed)",
    "seed": "random seed",
    "batch": "rows per INSERT batch",
}


def _size_options(fn):
    for name, default in reversed(list(ScaleSizes().__dict__.items())):
        fn = click.option(
            f"--{name.replace('_', '-')}",
            name,
            type=int,
            default=default,
            show_default=True,
            help=_SIZE_HELP[name],
        )(fn)
    return fn


@click.command("seed-scale")
@_size_options
@click.option("--force", is_flag=True, help="Allow seeding in production configuration.")
def seed_scale_command(force: bool, **sizes) -> None:
    """Fill the database with benchmark volume (bulk inserts; takes minutes at full size)."""
    if current_app.config["ENV_NAME"] == "production" and not force:
        click.echo("Menolak: konfigurasi produksi. Gunakan --force bila memang disengaja.", err=True)
        raise SystemExit(1)
    try:
        report = seed_scale(ScaleSizes(**sizes), progress=click.echo)
    except ScaleError as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    database.optimize(db.session, full=True)  # planner statistics for the freshly loaded tables
    total = sum(report.seconds.values())
    click.echo(f"Data skala siap dalam {total:.0f} detik. Kata sandi semua akun: {SCALE_PASSWORD}")
    for name in report.skipped:
        click.echo(f"  dilewati: {name} (fitur belum terpasang)")
