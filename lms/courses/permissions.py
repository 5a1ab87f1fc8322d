"""Who may see and do what with courses, modules, lessons and angkatan.

Each rule exists twice: as ``can_<verb>(user, obj)`` for a detail page and as a query for list
pages (``learner_courses``, ``catalogue_courses``), so a list never shows what a page would refuse.

- Admins (penyelenggara) author everything and see drafts and unpublished modules.
- A learner sees a *published* course's content when enrolled (active or completed) in an
  angkatan that runs that course, or that runs the course's program.
- Learners see only published modules; sequential gating is progress, so it lives in services.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, bindparam, exists, or_, select

from lms.accounts.models import User
from lms.accounts.permissions import is_admin
from lms.courses.models import (
    Angkatan,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    Module,
)
from lms.extensions import db

# Enrolments that give access to content (a withdrawn participant loses it).
ACCESS_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_author(user: User | None) -> bool:
    """Admins create and edit programs, courses, modules, lessons and angkatan."""
    return is_admin(user)


def _enrolment_covers(course_id_col, program_id_col):
    """SQL condition: an angkatan row runs this course directly or through its program."""
    return or_(
        Angkatan.course_id == course_id_col,
        and_(program_id_col.is_not(None), Angkatan.program_id == program_id_col),
    )


def enrolled_in_course_clause(user_id, course_id_col=None, program_id_col=None):
    """SQL condition on ``Course``: the user has an active or completed enrolment covering it.
    ``course_id_col``/``program_id_col`` name the course's columns in another FROM (a subquery
    of courses); by default those of ``Course``."""
    return exists(
        select(Enrolment.id)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.status.in_(ACCESS_STATUSES),
            _enrolment_covers(
                Course.id if course_id_col is None else course_id_col,
                Course.program_id if program_id_col is None else program_id_col,
            ),
        )
    )


def _is_enrolled_stmt(with_program: bool) -> Select:
    cover = Angkatan.course_id == bindparam("course_id")
    if with_program:
        cover = or_(cover, Angkatan.program_id == bindparam("program_id"))
    return (
        select(Enrolment.id)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status.in_(ACCESS_STATUSES), cover)
        .limit(1)
    )


# Built once (with bound parameters): every course page and lesson asks this.
_IS_ENROLLED_STMTS = {False: _is_enrolled_stmt(False), True: _is_enrolled_stmt(True)}


def is_enrolled(user: User | None, course: Course) -> bool:
    """True when ``user`` has an active or completed enrolment covering ``course`` (one query)."""
    if not _signed_in(user):
        return False
    if getattr(course, "viewer_id", None) == user.id:
        # A course row read for this user with this same rule (services._viewer_columns).
        return bool(course.viewer_enrolled)
    stmt = _IS_ENROLLED_STMTS[course.program_id is not None]
    params = {"user_id": user.id, "course_id": course.id, "program_id": course.program_id}
    # On the session's connection: a plain row needs no ORM result layer (asked on every course
    # page and lesson). Pending changes are flushed first, as Session.execute would.
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params).first() is not None


def can_view_course(user: User | None, course: Course) -> bool:
    """The course's public page (summary, outline titles, enrol button): published, or an author."""
    if can_author(user):
        return True
    return _signed_in(user) and course.status == CourseStatus.PUBLISHED


def can_access_course(user: User | None, course: Course) -> bool:
    """The course's content: authors always; learners when published and enrolled."""
    if can_author(user):
        return True
    if not _signed_in(user) or course.status != CourseStatus.PUBLISHED:
        return False
    return is_enrolled(user, course)


def can_view_module(user: User | None, module: Module) -> bool:
    """A module's content: its course is accessible and the module is published (authors: always)."""
    if can_author(user):
        return True
    return module.published and can_access_course(user, module.course)


def can_view_lesson(user: User | None, lesson: Lesson) -> bool:
    """A lesson's content: same rule as its module (gating is progress, checked in services)."""
    return can_view_module(user, lesson.module)


def can_self_enrol(user: User | None, angkatan: Angkatan) -> bool:
    """Whether the enrol button shows; services re-check dates and capacity when it is pressed."""
    return _signed_in(user) and angkatan.enrolment_open


def can_view_surat_tugas(user: User | None, enrolment: Enrolment) -> bool:
    """The assignment letter: its owner and admins."""
    return _signed_in(user) and (user.id == enrolment.user_id or can_author(user))


# --- the same rules as queries for list pages ----------------------------------------------------


def catalogue_courses(user: User | None) -> Select:
    """Courses a user may find in the catalogue: published ones (authors also see drafts there)."""
    stmt = select(Course)
    if not can_author(user):
        stmt = stmt.where(Course.status == CourseStatus.PUBLISHED)
    return stmt


def learner_courses(user: User) -> Select:
    """Published courses whose content ``user`` may open as a learner (the rule of
    :func:`can_access_course` for non-authors), as a ``select(Course)`` ordered by title."""
    return (
        select(Course)
        .where(Course.status == CourseStatus.PUBLISHED, enrolled_in_course_clause(user.id))
        .order_by(Course.title, Course.id)
    )
