"""Factories for the quizzes feature: courses with enrolled learners, banks, quizzes, attempts."""

from __future__ import annotations

import itertools
from datetime import timedelta

from lms.courses.models import Angkatan, Course, CourseStatus, Enrolment, Module
from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import services
from lms.quizzes.models import QuizKind

__all__ = [
    "SAMPLE_GIFT",
    "make_quiz_course",
    "enrol",
    "make_bank",
    "make_quiz",
]

_seq = itertools.count(1)

SAMPLE_GIFT = """$CATEGORY: $course$/top/Umum

::Q1 Pilihan:: Ibu kota Indonesia? {=Jakarta ~Bandung ~Surabaya}

::Q2 Benar salah:: Bumi bulat. {T}

::Q3 Singkat:: Lembaga pengawas pelayanan publik? {=Ombudsman* =ORI}

::Q4 Numerik:: 2 + 2 = ? {#4}

::Q5 Jamak:: Pilih bilangan genap {~%50%2 ~%50%4 ~%-100%3}
"""


def make_quiz_course(published: bool = True, module: bool = True, **fields) -> Course:
    """A course (published by default) with one published module."""
    n = next(_seq)
    course = Course(
        title=fields.pop("title", f"Kursus Kuis {n}"),
        slug=fields.pop("slug", f"kursus-kuis-{n}"),
        status=CourseStatus.PUBLISHED if published else CourseStatus.DRAFT,
        published_at=utcnow() if published else None,
        **fields,
    )
    db.session.add(course)
    db.session.flush()
    if module:
        db.session.add(Module(course_id=course.id, title="Modul 1", position=1, published=True))
    db.session.commit()
    return course


def enrol(
    user, course: Course, coach=None, angkatan: Angkatan | None = None, ndh: int | None = None
) -> Enrolment:
    """Enrol ``user`` in an angkatan of ``course`` (a new one unless given)."""
    if angkatan is None:
        angkatan = Angkatan(name=f"Angkatan {next(_seq)}", course_id=course.id)
        db.session.add(angkatan)
        db.session.flush()
    enrolment = Enrolment(
        angkatan_id=angkatan.id, user_id=user.id, coach_id=coach.id if coach else None, ndh=ndh
    )
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def make_bank(course: Course, source: str = SAMPLE_GIFT):
    """Import GIFT into the course's bank; returns the questions."""
    summary = services.import_questions(course, source, "gift", filename="uji.gift")
    db.session.commit()
    return summary.questions


def make_quiz(course: Course, questions=None, commit: bool = True, **settings):
    """A published quiz with the given questions (all of the course's bank by default)."""
    settings.setdefault("title", f"Kuis {next(_seq)}")
    settings.setdefault("published", True)
    if "kind" in settings and isinstance(settings["kind"], str):
        settings["kind"] = QuizKind(settings["kind"])
    quiz = services.create_quiz(course, services.QuizSettings(**settings))
    if questions is None:
        questions = make_bank(course)
    services.add_questions(quiz, [q.id for q in questions])
    if commit:
        db.session.commit()
    return quiz


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
