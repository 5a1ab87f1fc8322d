"""The essay grading queue: groups of essays waiting for a grader, and one question's answers for
the batch grading page.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from lms.accounts.models import User
from lms.courses.models import Course, Enrolment
from lms.quizzes import permissions as quiz_permissions
from lms.quizzes import question_types as qt
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion, AttemptState, Quiz


def pending_essays_stmt(grader: User, course_id: int | None = None, mine_only: bool = False) -> Select:
    """Groups (quiz, question) of essays waiting for a grader, with counts (one query)."""
    stmt = (
        select(
            Quiz.id,
            Quiz.title,
            Course.title,
            AttemptQuestion.question_id,
            AttemptQuestion.title,
            func.count(AttemptQuestion.id),
            func.min(Attempt.submitted_at),
        )
        .select_from(AttemptQuestion)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(
            qt.manual_only(AttemptQuestion.qtype),
            AttemptQuestion.graded_at.is_(None),
            Attempt.state == AttemptState.NEEDS_GRADING,
            Quiz.course_id.in_(quiz_permissions.gradeable_course_ids(grader)),
        )
        .group_by(Quiz.id, Quiz.title, Course.title, AttemptQuestion.question_id, AttemptQuestion.title)
        .order_by(func.min(Attempt.submitted_at))
    )
    if course_id:
        stmt = stmt.where(Quiz.course_id == course_id)
    if mine_only:
        stmt = stmt.where(
            Attempt.user_id.in_(select(Enrolment.user_id).where(Enrolment.coach_id == grader.id))
        )
    return stmt


def essay_answers_stmt(
    quiz: Quiz, question_id: int | None, grader: User, mine_only: bool = False, include_graded: bool = False
) -> Select:
    """Essay answers of one quiz question with their learners (for the batch grading page)."""
    stmt = (
        select(
            AttemptQuestion,
            AttemptAnswer.response,
            User.full_name,
            User.nip,
            Attempt.number,
            Attempt.submitted_at,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(AttemptAnswer, AttemptAnswer.attempt_question_id == AttemptQuestion.id)
        .where(
            Attempt.quiz_id == quiz.id,
            qt.manual_only(AttemptQuestion.qtype),
            Attempt.state.in_([AttemptState.NEEDS_GRADING, AttemptState.GRADED]),
        )
        .order_by(Attempt.submitted_at, AttemptQuestion.id)
    )
    stmt = stmt.where(
        AttemptQuestion.question_id == question_id if question_id else AttemptQuestion.question_id.is_(None)
    )
    if not include_graded:
        stmt = stmt.where(AttemptQuestion.graded_at.is_(None))
    if mine_only:
        stmt = stmt.where(
            Attempt.user_id.in_(select(Enrolment.user_id).where(Enrolment.coach_id == grader.id))
        )
    return stmt
