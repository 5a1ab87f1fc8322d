"""The condition quizzes add to a course's completion, "required quizzes passed" (one statement,
built once per process; the courses pages ask for it on every request)."""

from __future__ import annotations

from sqlalchemy import Integer, and_, bindparam, func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizGrade

# Built once per process (building the statement cost more than running it); the courses pages
# ask for it on every request.
_REQUIRED_QUIZZES_STMT = (
    select(func.count(Quiz.id), func.count(QuizGrade.id))
    .select_from(Quiz)
    .outerjoin(
        QuizGrade,
        and_(
            QuizGrade.quiz_id == Quiz.id,
            QuizGrade.user_id == bindparam("user_id", type_=Integer),
            QuizGrade.passed.is_(True),
        ),
    )
    .where(
        Quiz.course_id == bindparam("course_id", type_=Integer),
        Quiz.required_for_completion.is_(True),
        Quiz.published.is_(True),
    )
)


def required_quizzes_status(user_id: int, course: Course) -> tuple[int, int]:
    """(passed, total) of the course's published quizzes required for completion: one query."""
    row = db.session.execute(_REQUIRED_QUIZZES_STMT, {"user_id": user_id, "course_id": course.id}).one()
    return int(row[1]), int(row[0])
