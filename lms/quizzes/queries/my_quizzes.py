"""A learner's quizzes: the "my quizzes" page (statements built once per process) and a course's
or module's list (``quizzes/_course_quizzes.html``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Integer, Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes import permissions as quiz_permissions
from lms.quizzes.models import Attempt, AttemptState, Quiz, QuizGrade


@dataclass
class LearnerQuizRow:
    """A quiz as listed for a learner: settings, grade that counts, whether an attempt is open."""

    quiz: Quiz
    course_title: str
    percent: float | None
    passed: bool | None
    open_attempt_id: int | None


def learner_quiz_rows_stmt(
    user_id: int,
    course_id: int | None = None,
    module_id: int | None = None,
    course_level_only: bool = False,
    admin: bool = False,
) -> Select:
    """One query for a learner's quiz list (their courses, or one course or module)."""
    open_attempt = aliased(Attempt)
    stmt = (
        select(Quiz, Course.title, QuizGrade.percent, QuizGrade.passed, open_attempt.id)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(QuizGrade, and_(QuizGrade.quiz_id == Quiz.id, QuizGrade.user_id == user_id))
        .outerjoin(
            open_attempt,
            and_(
                open_attempt.quiz_id == Quiz.id,
                open_attempt.user_id == user_id,
                open_attempt.state == AttemptState.IN_PROGRESS,
            ),
        )
        .order_by(Course.title, Quiz.module_id.is_not(None), Quiz.position, Quiz.id)
    )
    if not admin:
        stmt = stmt.where(
            Quiz.published.is_(True), Quiz.course_id.in_(quiz_permissions.enrolled_course_ids(user_id))
        )
    if course_id is not None:
        stmt = stmt.where(Quiz.course_id == course_id)
    if module_id is not None:
        stmt = stmt.where(Quiz.module_id == module_id)
    elif course_level_only:
        stmt = stmt.where(Quiz.module_id.is_(None))
    return stmt


@functools.cache
def _learner_quiz_list_statements() -> tuple[Select, Select]:
    """The "my quizzes" page's statements (rows of one page, total), built once per process with
    the bound parameters ``user_id``, ``limit`` and ``offset``: building the statement cost more
    than running it."""
    rows = learner_quiz_rows_stmt(bindparam("user_id", type_=Integer))
    page = rows.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
    total = select(func.count()).select_from(rows.order_by(None).subquery())
    return page, total


def learner_quiz_list_page(user_id: int, limit: int, offset: int) -> list[LearnerQuizRow]:
    """One page of a learner's quizzes across their courses (the "my quizzes" page)."""
    stmt = _learner_quiz_list_statements()[0]
    rows = db.session.execute(stmt, {"user_id": user_id, "limit": limit, "offset": offset}).all()
    return [LearnerQuizRow(*row) for row in rows]


def learner_quiz_list_count(user_id: int) -> int:
    """How many quizzes ``learner_quiz_list_page`` pages through."""
    return db.session.execute(_learner_quiz_list_statements()[1], {"user_id": user_id}).scalar() or 0


def learner_quiz_rows(
    user_id: int, course_id: int | None = None, module_id: int | None = None, course_level_only: bool = False
) -> list[LearnerQuizRow]:
    """A learner's quizzes of one course or module (for ``quizzes/_course_quizzes.html``)."""
    rows = db.session.execute(learner_quiz_rows_stmt(user_id, course_id, module_id, course_level_only)).all()
    return [LearnerQuizRow(*row) for row in rows]
