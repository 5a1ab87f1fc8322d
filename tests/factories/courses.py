"""Factories for the courses feature: programs, courses with modules and lessons, angkatan,
enrolments, and bulk builders for query-count tests."""

from __future__ import annotations

import itertools

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from lms.accounts.models import User
from lms.courses.models import (
    Angkatan,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonKind,
    Module,
    Program,
    ProgramKind,
    touch_courses,
)
from lms.extensions import db
from lms.markdown import render_markdown
from lms.models_base import utcnow

__all__ = [
    "make_program",
    "make_course",
    "make_module",
    "make_lesson",
    "make_angkatan",
    "enrol_user",
    "bulk_lessons",
    "bulk_learners",
]

_seq = itertools.count(1)
_BULK_HASH = generate_password_hash("bulk-users-never-log-in")


def _done(commit: bool) -> None:
    db.session.flush()
    if commit:
        db.session.commit()


def make_program(code: str | None = None, commit: bool = True, **fields) -> Program:
    """A program; ``code`` defaults to a unique one."""
    n = next(_seq)
    fields.setdefault("name", f"Program Uji {n}")
    fields.setdefault("kind", ProgramKind.LEADERSHIP)
    fields.setdefault("jp", 100)
    program = Program(code=code or f"PRG{n}", **fields)
    db.session.add(program)
    _done(commit)
    return program


def make_module(
    course: Course, title: str | None = None, published: bool = True, commit: bool = True
) -> Module:
    """A module appended to ``course``."""
    position = len(course.modules)
    module = Module(
        course=course, title=title or f"Modul {position + 1}", published=published, position=position
    )
    db.session.add(module)
    _done(commit)
    return module


def make_lesson(
    module: Module,
    title: str | None = None,
    kind: str = "text",
    body_md: str = "Isi pelajaran.",
    required: bool = True,
    commit: bool = True,
    **fields,
) -> Lesson:
    """A lesson appended to ``module`` (body rendered like the service does)."""
    position = len(module.lessons)
    kind = LessonKind(kind)
    if kind == LessonKind.VIDEO:
        fields.setdefault("video_url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    if kind == LessonKind.LINK:
        fields.setdefault("link_url", "https://www.menpan.go.id/")
    lesson = Lesson(
        module=module,
        title=title or f"Pelajaran {position + 1}",
        kind=kind,
        body_md=body_md,
        body_html=render_markdown(body_md),
        required=required,
        position=position,
        **fields,
    )
    db.session.add(lesson)
    _done(commit)
    return lesson


def make_course(
    title: str | None = None,
    status: str = "published",
    modules: int = 1,
    lessons: int = 2,
    jp: int = 10,
    program: Program | None = None,
    sequential: bool = False,
    kinds: tuple[str, ...] = ("text",),
    commit: bool = True,
    **fields,
) -> Course:
    """A course with ``modules`` published modules of ``lessons`` lessons each.

    Lesson kinds cycle through ``kinds``."""
    n = next(_seq)
    status = CourseStatus(status)
    course = Course(
        title=title or f"Kursus Uji {n}",
        slug=fields.pop("slug", None) or f"kursus-uji-{n}",
        status=status,
        jp=jp,
        program=program,
        sequential=sequential,
        published_at=utcnow() if status != CourseStatus.DRAFT else None,
        **fields,
    )
    db.session.add(course)
    db.session.flush()
    kind_cycle = itertools.cycle(kinds)
    for m in range(modules):
        module = make_module(course, title=f"Modul {m + 1}", commit=False)
        for _i in range(lessons):
            make_lesson(module, kind=next(kind_cycle), commit=False)
    _done(commit)
    return course


def make_angkatan(
    course: Course | None = None,
    program: Program | None = None,
    name: str | None = None,
    enrolment_open: bool = False,
    commit: bool = True,
    **fields,
) -> Angkatan:
    """An angkatan running ``course`` or ``program``."""
    n = next(_seq)
    angkatan = Angkatan(
        name=name or f"Angkatan Uji {n} Tahun 2026",
        course=course,
        program=program,
        enrolment_open=enrolment_open,
        **fields,
    )
    db.session.add(angkatan)
    _done(commit)
    return angkatan


def enrol_user(
    user: User,
    target: Course | Angkatan,
    ndh: int | None = None,
    status: str = "active",
    commit: bool = True,
    **fields,
) -> Enrolment:
    """Enrol ``user`` in an angkatan (a new one for ``target`` when given a course)."""
    angkatan = target if isinstance(target, Angkatan) else make_angkatan(course=target, commit=False)
    status = EnrolmentStatus(status)
    enrolment = Enrolment(
        angkatan=angkatan,
        user=user,
        ndh=ndh,
        status=status,
        completed_at=utcnow() if status == EnrolmentStatus.COMPLETED else None,
        **fields,
    )
    db.session.add(enrolment)
    _done(commit)
    return enrolment


def bulk_lessons(module: Module, count: int, kind: str = "text", commit: bool = True) -> None:
    """Add ``count`` lessons to ``module`` with one bulk INSERT (for query-count tests)."""
    start = len(module.lessons)
    now = utcnow()
    db.session.execute(
        insert(Lesson),
        [
            {
                "module_id": module.id,
                "title": f"Pelajaran massal {start + i + 1}",
                "kind": LessonKind(kind),
                "position": start + i,
                "body_md": "Teks.",
                "body_html": "<p>Teks.</p>",
                "required": True,
                "updated_at": now,
                "version": 1,
            }
            for i in range(count)
        ],
    )
    touch_courses(db.session, [module.course_id])  # a bulk INSERT flushes nothing: stamp the outline
    db.session.expire(module, ["lessons"])
    _done(commit)


def bulk_learners(
    angkatan: Angkatan,
    count: int,
    mentors: list[User] = (),
    coaches: list[User] = (),
    commit: bool = True,
) -> list[int]:
    """Create ``count`` users enrolled in ``angkatan`` with bulk INSERTs; returns their ids.

    Mentors and coaches, when given, are assigned in turn (so lists show several of them)."""
    n = next(_seq)
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "username": f"bulk{n}x{i}",
                "full_name": f"Peserta Massal {i}",
                "password_hash": _BULK_HASH,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(count)
        ],
    )
    ids = list(db.session.scalars(select(User.id).where(User.username.like(f"bulk{n}x%")).order_by(User.id)))
    base_ndh = 1000 * n
    db.session.execute(
        insert(Enrolment),
        [
            {
                "angkatan_id": angkatan.id,
                "user_id": uid,
                "ndh": base_ndh + i,
                "status": EnrolmentStatus.ACTIVE,
                "enrolled_at": now,
                "mentor_id": mentors[i % len(mentors)].id if mentors else None,
                "coach_id": coaches[i % len(coaches)].id if coaches else None,
            }
            for i, uid in enumerate(ids)
        ],
    )
    _done(commit)
    return ids
