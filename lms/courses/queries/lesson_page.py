"""The lesson page's read-model: a lesson with its module, course and attachments as plain
read-only tuples in one cached statement; the ORM lesson for writes; a module's lessons for the
offline download."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer, joinedload, selectinload

from lms.accounts.models import User
from lms.courses.models import (
    Course,
    CourseCompletion,
    CourseStatus,
    Lesson,
    LessonAttachment,
    LessonKind,
    Module,
)
from lms.courses.queries._common import _read, _viewer_columns, _viewer_completion_join
from lms.extensions import db

_LESSON_PAGE_STMT = (
    select(Lesson)
    .where(Lesson.id == bindparam("lesson_id"))
    .options(
        # The lesson's pages show the course's title, never its description or program.
        joinedload(Lesson.module)
        .joinedload(Module.course)
        .options(defer(Course.description_md), defer(Course.description_html)),
        joinedload(Lesson.attachments),
    )
)


def lesson_for_page(lesson_id: int) -> Lesson | None:
    """A lesson with its module, course and attachments (one query: a lesson has few
    attachments, so joining them costs less than a second round trip)."""
    return db.session.scalars(_LESSON_PAGE_STMT, {"lesson_id": lesson_id}).unique().one_or_none()


class PageCourse(NamedTuple):
    """What the lesson page reads of the lesson's course."""

    id: int
    program_id: int | None
    slug: str
    title: str
    status: CourseStatus
    sequential: bool
    jp: int
    updated_at: datetime
    viewer_id: int | None
    viewer_enrolled: bool
    viewer_completion_id: int | None
    viewer_completed_at: datetime | None


class PageModule(NamedTuple):
    """What the lesson page reads of the lesson's module (with its course)."""

    id: int
    title: str
    published: bool
    course: PageCourse


class PageAttachment(NamedTuple):
    id: int
    name: str
    size: int


class PageLesson(NamedTuple):
    """A lesson as its page shows it: read-only, with its module, course and attachments. The
    permission rules read it as they read a ``Lesson`` (``lesson.module.course``)."""

    id: int
    title: str
    kind: LessonKind
    body_html: str
    video_url: str | None
    link_url: str | None
    file_key: str | None
    file_name: str | None
    file_size: int | None
    required: bool
    duration_minutes: int | None
    module: PageModule
    attachments: tuple[PageAttachment, ...]


_PAGE_LESSON_STMT = (
    select(
        Lesson.id,
        Lesson.title,
        Lesson.kind,
        Lesson.body_html,
        Lesson.video_url,
        Lesson.link_url,
        Lesson.file_key,
        Lesson.file_name,
        Lesson.file_size,
        Lesson.required,
        Lesson.duration_minutes,
        Module.id,
        Module.title,
        Module.published,
        Course.id,
        Course.program_id,
        Course.slug,
        Course.title,
        Course.status,
        Course.sequential,
        Course.jp,
        Course.updated_at,
        *_viewer_columns(Course.id, Course.program_id),
        LessonAttachment.id,
        LessonAttachment.name,
        LessonAttachment.size,
    )
    .join(Module, Module.id == Lesson.module_id)
    .join(Course, Course.id == Module.course_id)
    .outerjoin(CourseCompletion, _viewer_completion_join())
    .outerjoin(LessonAttachment, LessonAttachment.lesson_id == Lesson.id)
    .where(Lesson.id == bindparam("lesson_id"))
    .order_by(LessonAttachment.position, LessonAttachment.id)
)


def page_lesson(lesson_id: int, viewer: User) -> PageLesson | None:
    """A lesson with its module, course and attachments as plain read-only tuples, in one
    query (the lesson page is the most visited page; loading ORM objects for it costs more than
    the query). Writes go through the ``Lesson`` itself (``db.session.get``)."""
    rows = _read(_PAGE_LESSON_STMT, {"lesson_id": lesson_id, "user_id": viewer.id}).all()
    if not rows:
        return None
    row = tuple(rows[0])
    course = PageCourse(*row[14:22], row[22], bool(row[23]), row[24], row[25])
    attachments = tuple(PageAttachment(*r[26:29]) for r in rows if r[26] is not None)
    return PageLesson(*row[:11], PageModule(*row[11:14], course), attachments)


def module_lessons(module: Module) -> list[Lesson]:
    """A module's lessons with their bodies and attachments, for the offline download (two
    queries, not one more per lesson for its attachments)."""
    return list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.module_id == module.id)
            .order_by(Lesson.position, Lesson.id)
            .options(selectinload(Lesson.attachments))
        )
    )
