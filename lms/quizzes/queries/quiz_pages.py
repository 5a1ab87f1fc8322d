"""The admin's quiz pages: every course with its bank and quizzes, a course's quizzes and modules
(the settings form's choices), and a quiz's slots with their questions.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from lms.courses.models import Course, Module
from lms.extensions import db
from lms.quizzes.models import Question, QuestionCategory, Quiz, QuizKind, QuizSlot


def courses_overview_stmt() -> Select:
    """Courses with the size of their bank and their number of quizzes (one query; paginate it)."""
    questions = select(func.count(Question.id)).where(Question.course_id == Course.id).scalar_subquery()
    quizzes = select(func.count(Quiz.id)).where(Quiz.course_id == Course.id).scalar_subquery()
    return select(Course, questions, quizzes).order_by(Course.title, Course.id)


def quiz_choices(course_id: int, kind: QuizKind | None = None) -> list[Quiz]:
    stmt = select(Quiz).where(Quiz.course_id == course_id).order_by(Quiz.position, Quiz.id)
    if kind is not None:
        stmt = stmt.where(Quiz.kind == kind)
    return list(db.session.scalars(stmt))


def modules_of(course_id: int) -> list[Module]:
    return list(
        db.session.scalars(select(Module).where(Module.course_id == course_id).order_by(Module.position))
    )


def quiz_question_count(quiz: Quiz) -> int:
    return sum(s.count if s.category_id else 1 for s in quiz.slots)


def slot_rows(quiz: Quiz) -> list[tuple[QuizSlot, Question | None, QuestionCategory | None]]:
    """A quiz's slots with their question or category (one query)."""
    return [
        (slot, question, category)
        for slot, question, category in db.session.execute(
            select(QuizSlot, Question, QuestionCategory)
            .outerjoin(Question, Question.id == QuizSlot.question_id)
            .outerjoin(QuestionCategory, QuestionCategory.id == QuizSlot.category_id)
            .where(QuizSlot.quiz_id == quiz.id)
            .order_by(QuizSlot.position)
        ).all()
    ]
