"""A learner's progress on lessons: record a visit (which completes a text lesson), mark a lesson
done, and whether a visit needs writing at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.courses.models import Lesson, LessonKind, LessonProgress
from lms.courses.queries.outline import Outline, OutlineLesson, OutlineModule
from lms.courses.services.completion import check_completion
from lms.extensions import db
from lms.models_base import utcnow


def _progress_row(user: User, lesson: Lesson, at: datetime, complete: bool) -> tuple[LessonProgress, bool]:
    """Get or create the progress row: (row, created). Two tabs opening a lesson at once do not
    collide: the loser of the insert race reads the winner's row."""
    row = db.session.scalar(
        select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                first_viewed_at=at,
                last_viewed_at=at,
                completed_at=at if complete else None,
            )
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(
            select(LessonProgress).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
            )
        )
        return row, False
    return row, True


def _touch(user: User, lesson: Lesson, at: datetime, complete: bool) -> LessonProgress:
    """Record a visit (and completion when asked); check the course when a lesson got done."""
    row, created = _progress_row(user, lesson, at, complete)
    newly_done = created and complete
    if not created:
        row.last_viewed_at = at
        if complete and row.completed_at is None:
            row.completed_at = at
            newly_done = True
    db.session.flush()
    if newly_done:
        check_completion(user, lesson.module.course, at=at)
    return row


# A lesson opened again within this time of its last recorded view is not written again.
VIEW_REFRESH = timedelta(minutes=5)


def view_needs_recording(outline: Outline, lesson: Lesson, at: datetime | None = None) -> bool:
    """Whether opening ``lesson`` now must write (call :func:`record_view`), judged from the
    learner's ``outline`` (read moments ago): on the first visit; while a text lesson is not yet
    done (reading completes it, once); when another lesson was opened since (so that "continue
    where you left off" points here); and when the last recorded view is older than
    :data:`VIEW_REFRESH`. Otherwise (reloads, a lesson read again a minute later) the visit is
    already on record and the page is read-only, so it needs no write lock at all.
    """
    _module_state, state = outline.by_lesson[lesson.id]
    if not state.viewed:
        return True
    if lesson.kind == LessonKind.TEXT and not state.done:
        return True
    if outline.resume is None or outline.resume.id != lesson.id:
        return True
    return (at or utcnow()) - state.viewed_at >= VIEW_REFRESH


def record_view(user: User, lesson: Lesson, at: datetime | None = None) -> LessonProgress:
    """A learner opened a lesson: remember it (for "resume") and, for a text lesson, mark it
    done, since reading is what completes it. Returns the progress row."""
    return _touch(user, lesson, at or utcnow(), complete=lesson.kind == LessonKind.TEXT)


def mark_lesson_done(user: User, lesson: Lesson, at: datetime | None = None) -> LessonProgress:
    """A learner says they watched the video, read the file or visited the link."""
    return _touch(user, lesson, at or utcnow(), complete=True)


def lesson_state(outline: Outline, lesson: Lesson) -> tuple[OutlineModule, OutlineLesson]:
    """The lesson's module and tick inside an outline."""
    return outline.by_lesson[lesson.id]
