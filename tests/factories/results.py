"""Factories for the results feature (names are prefixed so they never clash with the courses,
quizzes and projects factories re-exported beside them)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from lms.accounts.models import EmployeeClass, Instansi, UnitKerja, User
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    Module,
    Program,
)
from lms.extensions import db
from lms.jp.models import JpRecord, JpSource
from lms.models_base import utcnow
from lms.results import services
from lms.results.models import Outcome
from tests.factories.accounts import _PASSWORD_HASH, make_user

__all__ = [
    "bulk_results_participants",
    "bulk_results_staff",
    "enrol_in_results",
    "fake_component_source",
    "make_results_angkatan",
    "make_results_completion",
    "make_results_course",
    "make_results_jp",
    "make_results_program",
    "make_results_scheme",
    "passing_participant",
    "tiny_pdf",
]

_seq = itertools.count(1)


def tiny_pdf() -> bytes:
    """A small valid PDF (content-checked uploads accept it)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
        b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def make_results_program(code: str | None = None, jp: int = 830, **fields) -> Program:
    n = next(_seq)
    program = Program(
        code=code or f"PKP{n}", name=fields.pop("name", f"Pelatihan Kepemimpinan Pengawas {n}"), jp=jp
    )
    for key, value in fields.items():
        setattr(program, key, value)
    db.session.add(program)
    db.session.flush()
    return program


def make_results_course(
    program: Program | None = None, jp: int = 20, lessons: int = 0, title: str | None = None
) -> Course:
    """A published course with one published module of ``lessons`` required lessons."""
    n = next(_seq)
    course = Course(
        title=title or f"Kursus Uji {n}",
        slug=f"kursus-uji-{n}",
        jp=jp,
        program_id=program.id if program else None,
        status=CourseStatus.PUBLISHED,
        published_at=utcnow(),
    )
    module = Module(title="Modul 1", position=1, published=True)
    module.lessons = [
        Lesson(title=f"Pelajaran {i}", position=i, required=True) for i in range(1, lessons + 1)
    ]
    course.modules = [module]
    db.session.add(course)
    db.session.flush()
    return course


def make_results_angkatan(
    program: Program | None = None,
    course: Course | None = None,
    start: date | None = date(2026, 2, 1),
    end: date | None = date(2026, 6, 30),
    name: str | None = None,
) -> Angkatan:
    n = next(_seq)
    angkatan = Angkatan(
        name=name or f"Angkatan Uji {n}",
        program_id=program.id if program else None,
        course_id=course.id if course else None,
        start_date=start,
        end_date=end,
    )
    if program is None and course is None:
        angkatan.program_id = make_results_program().id
    db.session.add(angkatan)
    db.session.flush()
    return angkatan


def enrol_in_results(
    angkatan: Angkatan, user: User | None = None, ndh: int | None = None, **fields
) -> Enrolment:
    user = user or make_user(commit=False)
    status = fields.pop("status", EnrolmentStatus.ACTIVE)
    enrolment = Enrolment(
        angkatan_id=angkatan.id,
        user_id=user.id,
        ndh=ndh,
        status=status,
        completed_at=utcnow() if status == EnrolmentStatus.COMPLETED else None,
        **fields,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_results_scheme(
    program: Program,
    effective_from: date = date(2024, 1, 1),
    components: list[tuple[str, str, float]] | None = None,
    bands: list[tuple[str, float | None]] | None = None,
    name: str = "Skema uji",
):
    components = [("kehadiran", "Kehadiran", 100)] if components is None else components
    return services.create_scheme(
        program,
        name,
        effective_from,
        [services.ComponentInput(k, label, w) for k, label, w in components],
        [services.BandInput(label, above) for label, above in (bands or services.DEFAULT_BANDS)],
        None,
    )


def passing_participant(angkatan: Angkatan, score: float = 92.5, user: User | None = None, **user_fields):
    """A participant with a manual 'kehadiran' score and outcome lulus (needs a scheme whose only
    component is kehadiran). Returns the enrolment."""
    user = user or make_user(commit=False, **user_fields)
    enrolment = enrol_in_results(angkatan, user)
    services.save_manual_scores(angkatan, "kehadiran", {enrolment.id: score}, None)
    services.set_outcome(enrolment, Outcome.LULUS, "", None)
    return enrolment


def make_results_completion(user: User, course: Course, at: datetime | None = None) -> CourseCompletion:
    completion = CourseCompletion(user_id=user.id, course_id=course.id, completed_at=at or utcnow())
    db.session.add(completion)
    db.session.flush()
    return completion


def make_results_jp(
    user_id: int, year: int, jp: int, source: JpSource = JpSource.COURSE, source_id: int | None = None
):
    record = JpRecord(
        user_id=user_id,
        source=source,
        source_id=source_id or next(_seq) + 100000,
        title="Kegiatan uji",
        jp=jp,
        year=year,
        earned_at=datetime(year, 6, 1, 3, 0, tzinfo=utcnow().tzinfo),
    )
    db.session.add(record)
    db.session.flush()
    return record


@contextlib.contextmanager
def fake_component_source(key: str, scores: dict[int, float | None], label: str | None = None, calls=None):
    """Register a component source answering ``scores`` for the duration of the block."""

    def fn(enrolment_ids):
        if calls is not None:
            calls.append(list(enrolment_ids))
        return {i: scores.get(i) for i in enrolment_ids}

    services.register_component_source(key, label or key.title(), fn)
    try:
        yield fn
    finally:
        services.unregister_component_source(key)


def _bulk_users(count: int, instansi_id: int | None, unit_ids: list[int | None], prefix: str) -> list[int]:
    n0 = next(_seq) * 100000
    rows = [
        {
            "username": f"{prefix}{n0 + i}",
            "full_name": f"Pegawai {prefix} {i:05d}",
            "password_hash": _PASSWORD_HASH,
            "instansi_id": instansi_id,
            "unit_id": unit_ids[i % len(unit_ids)] if unit_ids else None,
            "employee_class": EmployeeClass.PNS,
            "timezone": "Asia/Jakarta",
            "language": "id",
            "active": True,
            "version": 1,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for i in range(count)
    ]
    db.session.execute(insert(User), rows)
    return list(db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%")).order_by(User.id)))


def bulk_results_participants(angkatan: Angkatan, count: int, lessons: list[int] | None = None) -> list[int]:
    """Insert ``count`` participants (users, enrolments, some lesson progress, some JP and
    completions) in a few statements; returns the enrolment ids."""
    prefix = f"p{angkatan.id}x"
    user_ids = _bulk_users(count, None, [], prefix)
    db.session.execute(
        insert(Enrolment),
        [
            {
                "angkatan_id": angkatan.id,
                "user_id": uid,
                "ndh": i + 1,
                "status": EnrolmentStatus.COMPLETED if i % 5 == 0 else EnrolmentStatus.ACTIVE,
                "completed_at": utcnow() if i % 5 == 0 else None,
                "enrolled_at": utcnow(),
            }
            for i, uid in enumerate(user_ids)
        ],
    )
    if lessons:
        db.session.execute(
            insert(LessonProgress),
            [
                {
                    "user_id": uid,
                    "lesson_id": lesson_id,
                    "first_viewed_at": utcnow(),
                    "last_viewed_at": utcnow(),
                    "completed_at": utcnow(),
                }
                for i, uid in enumerate(user_ids)
                for lesson_id in lessons[: i % (len(lessons) + 1)]
            ],
        )
    year = utcnow().year
    db.session.execute(
        insert(JpRecord),
        [
            {
                "user_id": uid,
                "source": JpSource.EXTERNAL,
                "source_id": 900000 + i,
                "title": "Pelatihan",
                "jp": 10 + (i % 20),
                "year": year,
                "earned_at": utcnow(),
                "recorded_at": utcnow(),
            }
            for i, uid in enumerate(user_ids)
        ],
    )
    db.session.flush()
    return list(db.session.scalars(select(Enrolment.id).where(Enrolment.angkatan_id == angkatan.id)))


def bulk_results_staff(
    instansi: Instansi, units: list[UnitKerja], count: int, course: Course | None = None
) -> list[int]:
    """Insert ``count`` staff across ``units`` with JP this year (some reach 20) and, when a
    course is given, completions for every third person; returns the user ids."""
    prefix = f"s{instansi.id}x"
    user_ids = _bulk_users(count, instansi.id, [u.id for u in units], prefix)
    year = utcnow().year
    db.session.execute(
        insert(JpRecord),
        [
            {
                "user_id": uid,
                "source": JpSource.EXTERNAL,
                "source_id": 800000 + i,
                "title": "Pelatihan",
                "jp": (i % 4) * 8,
                "year": year,
                "earned_at": utcnow(),
                "recorded_at": utcnow(),
            }
            for i, uid in enumerate(user_ids)
        ],
    )
    if course is not None:
        db.session.execute(
            insert(CourseCompletion),
            [
                {"user_id": uid, "course_id": course.id, "completed_at": utcnow() - timedelta(hours=1)}
                for i, uid in enumerate(user_ids)
                if i % 3 == 0
            ],
        )
    db.session.flush()
    return user_ids
