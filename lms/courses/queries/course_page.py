"""A course's page: the course by slug, the course with the viewer's enrolment and completion as
one plain row, and the angkatan open for self-enrolment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.orm import defer, joinedload

from lms.accounts.models import User
from lms.courses.models import Angkatan, Course, CourseCompletion, Program
from lms.courses.queries._common import _read, _viewer_columns, _viewer_completion_join
from lms.extensions import db
from lms.timezones import local_today

_COURSE_BY_SLUG_STMT = (
    select(Course)
    .where(Course.slug == bindparam("slug"))
    .options(joinedload(Course.program), defer(Course.description_md))
)


def course_by_slug(slug: str) -> Course | None:
    """A course by its slug, with its program."""
    return db.session.scalar(_COURSE_BY_SLUG_STMT, {"slug": slug})


_COURSE_PAGE_STMT = (
    select(
        Course.id,
        Course.program_id,
        Course.title,
        Course.slug,
        Course.summary,
        Course.description_html,
        Course.jp,
        Course.cover_key,
        Course.status,
        Course.sequential,
        Course.updated_at,
        Program.name.label("program_name"),
        *_viewer_columns(Course.id, Course.program_id),
    )
    .outerjoin(Program, Program.id == Course.program_id)
    .outerjoin(CourseCompletion, _viewer_completion_join())
    .where(Course.slug == bindparam("slug"))
)


def course_page_by_slug(slug: str, viewer: User) -> Row | None:
    """What a course's page shows of the course and its program's name, as one plain row with
    the course's attribute names (the page only reads it), with the viewer's enrolment and
    completion (see :func:`_viewer_columns`)."""
    return _read(_COURSE_PAGE_STMT, {"slug": slug, "user_id": viewer.id}).first()


def open_angkatan_for(course: Course, today: date | None = None) -> list[Angkatan]:
    """Angkatan that take self-enrolment for this course now, soonest first (one query)."""
    today = today or local_today()
    cover = Angkatan.course_id == course.id
    if course.program_id is not None:
        cover = or_(cover, Angkatan.program_id == course.program_id)
    return list(
        db.session.scalars(
            select(Angkatan)
            .where(
                cover,
                Angkatan.enrolment_open.is_(True),
                or_(Angkatan.end_date.is_(None), Angkatan.end_date >= today),
            )
            .order_by(Angkatan.start_date.is_(None), Angkatan.start_date, Angkatan.id)
            .limit(20)
        )
    )
