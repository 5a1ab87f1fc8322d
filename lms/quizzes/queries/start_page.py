"""The quiz's start page: the quiz with its course, module and number of questions, and the
learner's attempts (statements built once per process).
"""

from __future__ import annotations

import functools

from sqlalchemy import Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import defer, joinedload

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz, QuizSlot


@functools.cache
def _quiz_for_start_page_stmt() -> Select:
    """A quiz with its course (without the description, which the learner's quiz pages never
    show) and module, and its number of questions as ``quiz_question_count`` counts them: one
    statement, built once per process (parameter ``quiz_id``)."""
    question_count = (
        select(func.coalesce(func.sum(case((QuizSlot.category_id.is_not(None), QuizSlot.count), else_=1)), 0))
        .where(QuizSlot.quiz_id == Quiz.id)
        .scalar_subquery()
    )
    return (
        select(Quiz, question_count)
        .where(Quiz.id == bindparam("quiz_id", type_=Integer))
        .options(
            joinedload(Quiz.course).options(defer(Course.description_md), defer(Course.description_html)),
            joinedload(Quiz.module),
        )
    )


def quiz_for_start_page(quiz_id: int) -> tuple[Quiz, int] | None:
    """(quiz, number of questions) for the quiz's start page, or None when there is no such quiz."""
    row = db.session.execute(_quiz_for_start_page_stmt(), {"quiz_id": quiz_id}).first()
    return (row[0], int(row[1])) if row is not None else None


_USER_ATTEMPTS_STMT = (
    select(Attempt)
    .where(
        Attempt.quiz_id == bindparam("quiz_id", type_=Integer),
        Attempt.user_id == bindparam("user_id", type_=Integer),
    )
    .order_by(Attempt.number)
)


def user_attempts(quiz_id: int, user_id: int) -> list[Attempt]:
    """A learner's attempts on a quiz, in order (statement built once per process)."""
    return list(db.session.scalars(_USER_ATTEMPTS_STMT, {"quiz_id": quiz_id, "user_id": user_id}))
