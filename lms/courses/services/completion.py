"""Course completion and JP: whether a learner is done with a course, recording the completion
once and crediting the course's JP once (through the JP ledger's ``credit_jp``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
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
)
from lms.courses.queries.requirements import requirements_progress
from lms.courses.services.enrolments import change_enrolment_status
from lms.extensions import db
from lms.jp.models import JpSource
from lms.jp.services import credit_jp
from lms.models_base import utcnow


def required_lessons_progress(user_id: int, course: Course) -> tuple[int, int]:
    """(done, total) of required lessons in published modules: one query."""
    row = db.session.execute(
        select(func.count(Lesson.id), func.count(LessonProgress.completed_at))
        .select_from(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id),
        )
        .where(Module.course_id == course.id, Module.published.is_(True), Lesson.required.is_(True))
    ).one()
    return int(row[1] or 0), int(row[0] or 0)


def is_course_complete(user: User, course: Course) -> bool:
    """Every required lesson done and every registered requirement met (and something to do)."""
    done, total = required_lessons_progress(user.id, course)
    if done < total:
        return False
    extra_done, extra_total = requirements_progress(user.id, course)
    return extra_done >= extra_total and total + extra_total > 0


def check_completion(user: User, course: Course, at: datetime | None = None) -> bool:
    """Is ``user`` done with ``course``? When complete and not yet recorded, record the completion
    (once) and credit the course's JP (once) for the calendar year in the learner's time zone.

    Safe to call after every lesson, quiz or import: never records twice, also when two requests
    race (the unique constraints decide; savepoints keep the transaction usable).
    """
    existing = db.session.scalar(
        select(CourseCompletion.id).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )
    if existing is not None:
        return True
    if course.status == CourseStatus.DRAFT or not is_course_complete(user, course):
        return False
    at = at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(CourseCompletion(user_id=user.id, course_id=course.id, completed_at=at))
    except IntegrityError:
        return True  # another request recorded it first (and credits the JP)
    if course.jp > 0:
        credit_jp(user, JpSource.COURSE, course.id, course.title, course.jp, at)
    _complete_course_enrolments(user, course, at)
    db.session.flush()
    return True


def _complete_course_enrolments(user: User, course: Course, at: datetime) -> None:
    """An angkatan that runs just this course is finished when the course is."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(
            Enrolment.user_id == user.id,
            Angkatan.course_id == course.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    for enrolment in enrolments:
        change_enrolment_status(enrolment, EnrolmentStatus.COMPLETED, at=at)


def completion_of(user: User, course: Course) -> CourseCompletion | None:
    """The recorded completion, if any."""
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )
