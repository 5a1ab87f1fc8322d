"""The attempt, confirmation and result pages: an attempt's questions in order with their saved
answers (one statement built once per process), paged, and the feedback that belongs to an
answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.quizzes import question_types as qt
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion


@dataclass
class QuestionView:
    """One question on the attempt or review page."""

    aq: AttemptQuestion
    number: int
    response: dict | None
    answered: bool
    saved_at: datetime | None = None
    revision: int | None = None

    @property
    def kind(self) -> qt.QuestionType:
        return qt.get_type(self.aq.qtype)

    @property
    def field(self) -> str:
        return f"q{self.aq.id}"


@dataclass
class AttemptPage:
    attempt: Attempt
    questions: list[QuestionView]
    all_questions: list[QuestionView]
    page: int
    pages: int

    @property
    def answered_count(self) -> int:
        return sum(1 for q in self.all_questions if q.answered)


# An attempt's questions in order, each with its saved answer (at most one: unique per question).
ATTEMPT_QUESTIONS_STMT = (
    select(AttemptQuestion, AttemptAnswer)
    .outerjoin(AttemptAnswer, AttemptAnswer.attempt_question_id == AttemptQuestion.id)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id", type_=Integer))
    .order_by(AttemptQuestion.position)
)


_ATTEMPT_WITH_QUIZ_STMT = (
    select(Attempt)
    .where(Attempt.id == bindparam("attempt_id", type_=Integer))
    .options(joinedload(Attempt.quiz))
)


def attempt_with_quiz(attempt_id: int) -> Attempt | None:
    """An attempt and its quiz in one statement (the attempt and confirmation pages show both)."""
    return db.session.scalar(_ATTEMPT_WITH_QUIZ_STMT, {"attempt_id": attempt_id})


def attempt_page(attempt: Attempt, page: int = 1) -> AttemptPage:
    """The questions of one page of an attempt, with the saved answers (one query)."""
    rows = db.session.execute(ATTEMPT_QUESTIONS_STMT, {"attempt_id": attempt.id}).all()
    questions = [aq for aq, _answer in rows]
    answers = {aq.id: answer for aq, answer in rows if answer is not None}
    views = []
    for number, aq in enumerate(questions, start=1):
        answer = answers.get(aq.id)
        response = answer.response if answer else None
        views.append(
            QuestionView(
                aq=aq,
                number=number,
                response=response,
                answered=qt.get_type(aq.qtype).is_answered(response),
                saved_at=answer.saved_at if answer else None,
                revision=answer.revision if answer else None,
            )
        )
    per_page = attempt.quiz.questions_per_page or len(views) or 1
    pages = max(1, -(-len(views) // per_page))
    page = min(max(1, page), pages)
    return AttemptPage(attempt, views[(page - 1) * per_page : page * per_page], views, page, pages)


def page_of(attempt_page_obj: AttemptPage, number: int) -> int:
    per_page = attempt_page_obj.attempt.quiz.questions_per_page or len(attempt_page_obj.all_questions) or 1
    return (number - 1) // per_page + 1


def feedback_for(view: QuestionView) -> list[str]:
    """Rendered feedback HTML that belongs to the learner's answer."""
    return [f for f in view.kind.feedback_html(view.aq.data, view.response) if f]
