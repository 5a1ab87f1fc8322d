"""The read-model of "Pembelajaran Saya" (the learner's home): the learner's courses with their
angkatan, progress, completion and the year's JP in one cached statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Row, String, and_, bindparam, case, func, or_, select

from lms.accounts.models import User
from lms.courses import permissions
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)
from lms.courses.queries._common import _read
from lms.courses.queries.outline import LessonRef, _ids, course_shapes
from lms.courses.queries.requirements import requirements_progress
from lms.jp.models import JpRecord
from lms.jp.services import jp_total
from lms.timezones import local_today, local_year


class MyAngkatan(NamedTuple):
    """What a card shows of the angkatan that gives the learner the course."""

    name: str
    end_date: date | None


@dataclass
class MyCourse:
    """One card on the learner's home (``course``: a row with the course's id, program_id,
    title, slug, jp and updated_at)."""

    course: Row
    angkatan: MyAngkatan
    done: int
    total: int
    completed_at: datetime | None
    jp_year: int | None
    next_lesson: LessonRef | None
    resume: LessonRef | None

    @property
    def percent(self) -> float:
        if self.completed_at is not None:
            return 100.0
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def deadline(self) -> date | None:
        return self.angkatan.end_date


def _my_progress(column):
    """A scalar subquery on the learner's progress rows in the enclosing query's course (its
    published modules): see _MY_COURSES_STMT."""
    return (
        select(column)
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(
            LessonProgress.user_id == bindparam("user_id"),
            Module.course_id == Course.id,
            Module.published.is_(True),
        )
    )


# Built once, with bound parameters (see _PROGRESS_STMTS). The learner's courses, each with the
# angkatan of every enrolment that covers it (directly or through the course's program; the
# oldest enrolment first, it names the card's angkatan), the learner's completion, and their
# progress as in _progress_stmt (the ids of the lessons done; the lesson opened last).
_MY_COURSES_STMT = (
    select(
        Course.id,
        Course.program_id,
        Course.title,
        Course.slug,
        Course.jp,
        Course.updated_at,
        CourseCompletion.completed_at,
        Angkatan.name.label("angkatan_name"),
        Angkatan.end_date.label("angkatan_end_date"),
        # The page's JP of the year, read along (the same on every row).
        select(func.coalesce(func.sum(JpRecord.jp), 0))
        .where(JpRecord.user_id == bindparam("user_id"), JpRecord.year == bindparam("year"))
        .scalar_subquery()
        .label("jp_year_total"),
        _my_progress(
            func.aggregate_strings(
                case((LessonProgress.completed_at.is_not(None), LessonProgress.lesson_id.cast(String))), ","
            )
        )
        .scalar_subquery()
        .label("done_ids"),
        _my_progress(LessonProgress.lesson_id)
        .order_by(LessonProgress.last_viewed_at.desc(), LessonProgress.id.desc())
        .limit(1)
        .scalar_subquery()
        .label("resume_id"),
    )
    .select_from(Enrolment)
    .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
    .join(
        Course,
        or_(
            Course.id == Angkatan.course_id,
            and_(Course.program_id.is_not(None), Course.program_id == Angkatan.program_id),
        ),
    )
    .outerjoin(
        CourseCompletion,
        and_(CourseCompletion.course_id == Course.id, CourseCompletion.user_id == bindparam("user_id")),
    )
    .where(
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.status.in_(permissions.ACCESS_STATUSES),
        Course.status == CourseStatus.PUBLISHED,
    )
    .order_by(Course.title, Course.id, Enrolment.id)
)


def my_learning(user: User) -> list[MyCourse]:
    """The learner's courses with progress, next lesson, resume point and deadline."""
    return my_learning_page(user, local_today(user.timezone).year)[0]


def my_learning_page(user: User, year: int) -> tuple[list[MyCourse], int]:
    """The learner's courses with progress, next lesson, resume point and deadline, and the JP
    they earned in ``year`` (see :func:`jp_total`).

    One query for the lot (the courses with their angkatan, the learner's completion and
    progress, and the year's JP), the courses' modules and lessons from :func:`course_shapes`
    (cached per process), plus the registered requirements per course. A learner without
    courses: one query for the JP instead.
    """
    courses: list[Row] = []
    for row in _read(_MY_COURSES_STMT, {"user_id": user.id, "year": year}):
        if not courses or courses[-1].id != row.id:  # the oldest enrolment names the angkatan
            courses.append(row)
    if not courses:
        return [], jp_total(user, year)
    shapes = course_shapes(courses)
    result = []
    for course in courses:
        shape = shapes[course.id]
        done_ids = _ids(course.done_ids)
        required = [le for le in shape.order if le.required]
        done = sum(1 for le in required if le.id in done_ids)
        extra_done, extra_total = requirements_progress(user.id, course)
        # The first lesson not done is always in an open module, also in a sequential course:
        # every lesson before it, hence every module before its own, is done.
        next_lesson = next((le for le in shape.order if le.id not in done_ids), None)
        resume = shape.lessons.get(course.resume_id) if course.resume_id is not None else None
        completed_at = course.completed_at
        result.append(
            MyCourse(
                course=course,
                angkatan=MyAngkatan(course.angkatan_name, course.angkatan_end_date),
                done=done + extra_done,
                total=len(required) + extra_total,
                completed_at=completed_at,
                jp_year=local_year(completed_at, user.timezone) if completed_at else None,
                next_lesson=next_lesson,
                resume=resume,
            )
        )
    return result, int(courses[0].jp_year_total or 0)
