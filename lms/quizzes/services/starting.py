"""Starting an attempt: the window and attempt-count rules, drawing the questions (random slots,
shuffled order) and opening exactly one attempt when a double click or a retry races.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import noload

from lms.errors import DomainError, WorkflowError
from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import question_types as qt
from lms.quizzes.models import Attempt, AttemptQuestion, AttemptState, Question, Quiz
from lms.quizzes.queries.start_page import user_attempts
from lms.quizzes.services.attempt_rules import DEFAULT_GRACE_SECONDS, deadline_for, is_overdue
from lms.quizzes.services.grading import submit_attempt


@dataclass
class StartCheck:
    """Whether a learner may start (or continue) a quiz now, and why not."""

    ok: bool
    reason: str = ""
    open_attempt: Attempt | None = None
    attempts: list[Attempt] = field(default_factory=list)


def start_check(
    quiz: Quiz, attempts: list[Attempt], now: datetime, question_count: int | None = None
) -> StartCheck:
    """Apply the window and attempt-count rules to a learner's attempts (no queries when the
    quiz's ``question_count`` is given; else its slots are loaded)."""
    open_attempt = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if open_attempt is not None:
        return StartCheck(True, open_attempt=open_attempt, attempts=attempts)
    if quiz.open_at and now < quiz.open_at:
        return StartCheck(False, _("Kuis belum dibuka."), attempts=attempts)
    if quiz.close_at and now >= quiz.close_at:
        return StartCheck(False, _("Kuis sudah ditutup."), attempts=attempts)
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        return StartCheck(
            False,
            _("Kesempatan mengerjakan sudah habis (%(n)s kali).", n=quiz.max_attempts),
            attempts=attempts,
        )
    if (question_count == 0) if question_count is not None else not quiz.slots:
        return StartCheck(False, _("Kuis belum berisi soal."), attempts=attempts)
    return StartCheck(True, attempts=attempts)


def _draw_questions(quiz: Quiz, rng: random.Random) -> list[tuple[Question, float]]:
    """The questions of a new attempt: fixed slots as they are, random slots drawn now."""
    slots = list(quiz.slots)
    category_ids = [s.category_id for s in slots if s.category_id]
    pools: dict[int, list[int]] = defaultdict(list)
    if category_ids:
        for qid, cid in db.session.execute(
            select(Question.id, Question.category_id).where(Question.category_id.in_(category_ids))
        ):
            pools[cid].append(qid)
    fixed_ids = {s.question_id for s in slots if s.question_id}
    plan: list[tuple[int, float | None]] = []
    used: set[int] = set(fixed_ids)
    for slot in slots:
        if slot.question_id:
            plan.append((slot.question_id, slot.mark))
            continue
        pool = sorted(set(pools.get(slot.category_id, [])) - used)
        picked = rng.sample(pool, min(slot.count, len(pool)))
        used.update(picked)
        plan.extend((qid, slot.mark) for qid in picked)
    if not plan:
        return []
    stmt = select(Question).where(Question.id.in_([p for p, _m in plan])).options(noload(Question.tag_rows))
    questions = {q.id: q for q in db.session.scalars(stmt)}
    return [(questions[qid], mark or questions[qid].default_mark) for qid, mark in plan if qid in questions]


def start_attempt(
    quiz: Quiz,
    user_id: int,
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
    rng: random.Random | None = None,
) -> Attempt:
    """Open an attempt, or return the one already open (a double click opens one attempt)."""
    now = now or utcnow()
    attempts = user_attempts(quiz.id, user_id)
    current = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if current is not None:
        if not is_overdue(current, now, grace_seconds):
            return current
        submit_attempt(current, now, auto=True)
        attempts = user_attempts(quiz.id, user_id)
    check = start_check(quiz, attempts, now)
    if not check.ok:
        raise DomainError(check.reason)
    rng = rng or random.Random()
    drawn = _draw_questions(quiz, rng)
    if not drawn:
        raise DomainError(_("Kuis belum berisi soal."))
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    number = max((a.number for a in attempts), default=0) + 1
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user_id,
        number=number,
        state=AttemptState.IN_PROGRESS,
        started_at=now,
        deadline_at=deadline_for(quiz, now),
        max_score=round(sum(mark for _q, mark in drawn), 4),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # Another request (a double click, a retry) opened the attempt first: use that one.
        winner = db.session.scalar(
            select(Attempt).where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user_id,
                Attempt.state == AttemptState.IN_PROGRESS,
            )
        )
        if winner is None:
            raise WorkflowError(
                _("Percobaan baru saja dimulai dari tempat lain. Muat ulang halaman.")
            ) from None
        return winner
    rows = []
    for position, (question, mark) in enumerate(drawn, start=1):
        kind = qt.get_type(question.qtype)
        order = kind.attempt_order(question.data, rng if quiz.shuffle_options else None)
        rows.append(
            {
                "attempt_id": attempt.id,
                "question_id": question.id,
                "position": position,
                "qtype": question.qtype,
                "title": question.title,
                "text_html": question.text_html,
                "general_feedback_html": question.general_feedback_html,
                "data": question.data,
                "order": order,
                "mark": float(mark),
                "grader_comment": "",
            }
        )
    db.session.execute(insert(AttemptQuestion), rows)
    return attempt
