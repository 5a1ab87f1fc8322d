"""Submitting and grading: the first submit wins and grades (the server finishes overdue attempts
with their saved answers), essays wait for a person, and the grade that counts is kept per
learner and quiz (a required quiz passed asks courses to check completion).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.accounts.models import User
from lms.courses import services as course_services
from lms.errors import DomainError, WorkflowError
from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import question_types as qt
from lms.quizzes.models import (
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    AttemptState,
    GradingMethod,
    Quiz,
    QuizGrade,
)
from lms.quizzes.queries.attempt_page import ATTEMPT_QUESTIONS_STMT
from lms.quizzes.queries.completion import required_quizzes_status
from lms.quizzes.services.attempt_rules import DEFAULT_GRACE_SECONDS, is_overdue, move_attempt


def submit_attempt(attempt: Attempt, now: datetime | None = None, auto: bool = False) -> bool:
    """Finish an attempt and grade it. Only the first submit grades; later ones change nothing.

    Returns True for the submit that won."""
    now = now or utcnow()
    won = move_attempt(
        attempt.id, AttemptState.IN_PROGRESS, AttemptEvent.SUBMIT, submitted_at=now, auto_submitted=auto
    )
    if won:
        grade_attempt(attempt.id, now)
    db.session.expire(attempt)
    return won


def finish_if_overdue(
    attempt: Attempt, now: datetime | None = None, grace_seconds: int = DEFAULT_GRACE_SECONDS
) -> bool:
    """Finish an open attempt past its deadline plus grace with its saved answers."""
    now = now or utcnow()
    if not is_overdue(attempt, now, grace_seconds):
        return False
    return submit_attempt(attempt, now, auto=True)


def finish_overdue(
    now: datetime | None = None, grace_seconds: int = DEFAULT_GRACE_SECONDS, limit: int = 1000
) -> int:
    """Finish every open attempt past its deadline plus grace (the worker runs this every minute)."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=grace_seconds)
    attempts = db.session.scalars(
        select(Attempt)
        .where(
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < cutoff,
        )
        .order_by(Attempt.deadline_at)
        .limit(limit)
    ).all()
    return sum(1 for attempt in attempts if submit_attempt(attempt, now, auto=True))


def grade_attempt(attempt_id: int, now: datetime) -> None:
    """Grade a submitted attempt's automatic questions; essays wait for a person."""
    rows = db.session.execute(ATTEMPT_QUESTIONS_STMT, {"attempt_id": attempt_id}).all()
    questions = [aq for aq, _answer in rows]
    answers = {aq.id: answer.response for aq, answer in rows if answer is not None}
    waiting = False
    updates = []
    score = 0.0
    for aq in questions:
        kind = qt.get_type(aq.qtype)
        response = answers.get(aq.id)
        fraction = kind.grade(aq.data, response)
        if fraction is None and not kind.is_answered(response):
            fraction = 0.0  # an empty essay needs no grader
        if fraction is None:
            waiting = True
            continue
        points = round(fraction * aq.mark, 4)
        score += points
        updates.append({"id": aq.id, "fraction": fraction, "score": points, "graded_at": now})
    if updates:
        # One executemany, not one UPDATE per question.
        db.session.execute(update(AttemptQuestion), updates)
    for aq in questions:
        db.session.expire(aq)
    if waiting:
        move_attempt(attempt_id, AttemptState.SUBMITTED, AttemptEvent.AWAIT_GRADER)
        return
    _finalize(attempt_id, score, AttemptState.SUBMITTED, now)


def _finalize(attempt_id: int, score: float, source: AttemptState, now: datetime) -> None:
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    score = round(score, 4)
    percent = round(100 * score / attempt.max_score, 2) if attempt.max_score else 0.0
    passed = percent >= attempt.quiz.passing_grade - 1e-9
    values = {"score": score, "percent": percent, "passed": passed, "graded_at": now}
    if source == AttemptState.GRADED:  # a regrade: the state stays
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    elif not move_attempt(attempt_id, source, AttemptEvent.GRADE, **values):
        return
    db.session.expire(attempt)
    _after_graded(attempt, now)


def _after_graded(attempt: Attempt, now: datetime) -> None:
    grade = update_quiz_grade(attempt.quiz, attempt.user_id, now)
    if grade is not None and grade.passed and attempt.quiz.required_for_completion:
        user = db.session.get(User, attempt.user_id)
        course_services.check_completion(user, attempt.quiz.course, at=now)


def update_quiz_grade(quiz: Quiz, user_id: int, now: datetime | None = None) -> QuizGrade | None:
    """Recompute the grade that counts (highest or last graded attempt) and upsert it."""
    now = now or utcnow()
    graded = db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.percent)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id, Attempt.state == AttemptState.GRADED)
        .order_by(Attempt.number)
    ).all()
    if not graded:
        return None
    if quiz.grading_method == GradingMethod.LAST:
        chosen = graded[-1]
    else:
        chosen = max(graded, key=lambda row: (row.percent or 0, -row.number))
    percent = chosen.percent or 0.0
    passed = percent >= quiz.passing_grade - 1e-9
    dialect = db.session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = builder(QuizGrade).values(
        quiz_id=quiz.id, user_id=user_id, attempt_id=chosen.id, percent=percent, passed=passed, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[QuizGrade.quiz_id, QuizGrade.user_id],
        set_={"attempt_id": chosen.id, "percent": percent, "passed": passed, "updated_at": now},
    )
    db.session.execute(stmt)
    return db.session.scalar(
        select(QuizGrade)
        .where(QuizGrade.quiz_id == quiz.id, QuizGrade.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def grade_essay(
    attempt_question: AttemptQuestion,
    grader: User,
    score: float,
    comment: str = "",
    now: datetime | None = None,
) -> Attempt:
    """Record a person's score for an essay; the attempt's score is final when all are graded."""
    now = now or utcnow()
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_question.attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if attempt.state not in (AttemptState.NEEDS_GRADING, AttemptState.GRADED):
        raise WorkflowError(_("Percobaan ini belum dikumpulkan."))
    if not qt.get_type(attempt_question.qtype).manual:
        raise DomainError(_("Hanya soal esai yang dinilai manual."))
    if score is None or not 0 <= score <= attempt_question.mark:
        raise DomainError(_("Nilai harus antara 0 dan %(m)s.", m=_fmt_mark(attempt_question.mark)))
    attempt_question.score = round(float(score), 4)
    attempt_question.fraction = attempt_question.score / attempt_question.mark
    attempt_question.graded_at = now
    attempt_question.graded_by_id = grader.id
    attempt_question.grader_comment = (comment or "").strip()[:5000]
    db.session.flush()
    questions = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    if all(aq.graded_at is not None for aq in questions):
        _finalize(attempt.id, sum(aq.score or 0 for aq in questions), attempt.state, now)
    return attempt


def _fmt_mark(mark: float) -> str:
    return str(int(mark)) if float(mark).is_integer() else f"{mark:g}"


def register_with_courses() -> None:
    """Make "required quizzes passed" a condition of course completion (called by create_app)."""
    course_services.register_completion_requirement(required_quizzes_status)
