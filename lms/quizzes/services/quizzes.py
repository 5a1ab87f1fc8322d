"""Quizzes: their settings (checked against the course), their slots (fixed questions and random
draws from a category), and deleting a quiz nobody attempted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.courses.models import Course, Module
from lms.errors import DomainError, check_version, stale_guard
from lms.extensions import db
from lms.quizzes.models import (
    Attempt,
    GradingMethod,
    Question,
    QuestionCategory,
    Quiz,
    QuizKind,
    QuizSlot,
    ReviewTiming,
)


@dataclass
class QuizSettings:
    """The settings an admin sets on a quiz."""

    title: str
    description: str = ""
    kind: QuizKind = QuizKind.PRACTICE
    module_id: int | None = None
    pre_test_id: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = True
    questions_per_page: int = 10
    time_limit_minutes: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    max_attempts: int | None = None
    grading_method: GradingMethod = GradingMethod.HIGHEST
    passing_grade: float = 60.0
    review: ReviewTiming = ReviewTiming.IMMEDIATELY
    required_for_completion: bool = False
    published: bool = False


def _check_settings(course: Course, s: QuizSettings, quiz: Quiz | None = None) -> None:
    if s.open_at and s.close_at and s.close_at <= s.open_at:
        raise DomainError(_("Waktu tutup harus setelah waktu buka."))
    if not 0 <= s.passing_grade <= 100:
        raise DomainError(_("Nilai lulus harus antara 0 dan 100."))
    if s.module_id is not None:
        module = db.session.get(Module, s.module_id)
        if module is None or module.course_id != course.id:
            raise DomainError(_("Modul tidak termasuk kursus ini."))
    if s.pre_test_id is not None:
        if s.kind != QuizKind.POST_TEST:
            raise DomainError(_("Hanya post-test yang dipasangkan dengan pre-test."))
        pre = db.session.get(Quiz, s.pre_test_id)
        if pre is None or pre.course_id != course.id or pre.kind != QuizKind.PRE_TEST:
            raise DomainError(_("Pasangan harus pre-test dari kursus yang sama."))


def create_quiz(course: Course, settings: QuizSettings) -> Quiz:
    """A new quiz (unpublished unless the settings say otherwise)."""
    _check_settings(course, settings)
    position = db.session.scalar(
        select(func.coalesce(func.max(Quiz.position), 0)).where(Quiz.course_id == course.id)
    )
    quiz = Quiz(course_id=course.id, position=(position or 0) + 1, **settings.__dict__)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings, expected_version: int | None = None) -> Quiz:
    """Change a quiz's settings; a stale form is refused."""
    check_version(quiz.version, expected_version)
    _check_settings(quiz.course, settings, quiz)
    for key, value in settings.__dict__.items():
        setattr(quiz, key, value)
    with stale_guard():
        db.session.flush()
    return quiz


def settings_of(quiz: Quiz) -> QuizSettings:
    return QuizSettings(**{k: getattr(quiz, k) for k in QuizSettings.__dataclass_fields__})


def _next_slot_position(quiz: Quiz) -> int:
    current = db.session.scalar(select(func.max(QuizSlot.position)).where(QuizSlot.quiz_id == quiz.id))
    return (current or 0) + 1


def add_questions(quiz: Quiz, question_ids: list[int], mark: float | None = None) -> int:
    """Add bank questions to a quiz (those already in it are skipped); returns how many were added."""
    present = set(db.session.scalars(select(QuizSlot.question_id).where(QuizSlot.quiz_id == quiz.id)))
    valid = db.session.scalars(
        select(Question.id)
        .where(Question.course_id == quiz.course_id, Question.id.in_(question_ids))
        .order_by(Question.id)
    ).all()
    position = _next_slot_position(quiz)
    added = 0
    for qid in valid:
        if qid in present:
            continue
        db.session.add(QuizSlot(quiz_id=quiz.id, question_id=qid, position=position, mark=mark))
        position += 1
        added += 1
    db.session.flush()
    return added


def add_random_slot(quiz: Quiz, category_id: int, count: int, mark: float | None = None) -> QuizSlot:
    """Draw ``count`` questions from a category for every attempt."""
    category = db.session.get(QuestionCategory, category_id)
    if category is None or category.course_id != quiz.course_id:
        raise DomainError(_("Kategori tidak ditemukan di bank soal kursus ini."))
    available = db.session.scalar(select(func.count(Question.id)).where(Question.category_id == category_id))
    if count < 1 or count > (available or 0):
        raise DomainError(
            _(
                "Kategori %(c)s berisi %(n)s soal; jumlah acak harus 1 sampai %(n)s.",
                c=category.path,
                n=available or 0,
            )
        )
    slot = QuizSlot(
        quiz_id=quiz.id, category_id=category_id, count=count, position=_next_slot_position(quiz), mark=mark
    )
    db.session.add(slot)
    db.session.flush()
    return slot


def remove_slot(slot: QuizSlot) -> None:
    db.session.delete(slot)
    db.session.flush()


def move_slot(slot: QuizSlot, direction: int) -> None:
    """Swap a slot with its neighbour (direction -1 up, +1 down)."""
    slots = db.session.scalars(
        select(QuizSlot).where(QuizSlot.quiz_id == slot.quiz_id).order_by(QuizSlot.position)
    ).all()
    index = next(i for i, s in enumerate(slots) if s.id == slot.id)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(slots):
        ordered = list(slots)
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position
    db.session.flush()


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz nobody has attempted (otherwise unpublish it to keep the results)."""
    attempted = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id))
    if attempted:
        raise DomainError(
            _(
                "Kuis sudah dikerjakan %(n)s kali; batalkan terbitnya saja agar nilai tetap tersimpan.",
                n=attempted,
            )
        )
    db.session.execute(update(Quiz).where(Quiz.pre_test_id == quiz.id).values(pre_test_id=None))
    db.session.delete(quiz)
    db.session.flush()
