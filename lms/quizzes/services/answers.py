"""Saving answers (autosave and the page's form): each save first claims the still-open attempt's
row with a conditional UPDATE, then upserts the one answer row; a stale retry never overwrites a
newer answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from lms.errors import DomainError
from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import question_types as qt
from lms.quizzes.models import Attempt, AttemptQuestion, AttemptState
from lms.quizzes.queries.autosave import upsert_answers_stmt
from lms.quizzes.services.attempt_rules import DEFAULT_GRACE_SECONDS, AttemptClosed


@dataclass
class SaveReceipt:
    """What the learner is told after a save: which question, which revision, when."""

    attempt_question_id: int
    revision: int | None
    saved_at: datetime
    stale: bool = False  # a newer answer was already saved; this one was ignored

    @property
    def receipt(self) -> str:
        return f"{self.attempt_question_id}-{self.revision}" if self.revision else ""


def _claim_open_attempt(attempt_id: int, now: datetime, grace_seconds: int) -> bool:
    """Lock the attempt's row for this transaction if it still takes answers."""
    cutoff = now - timedelta(seconds=grace_seconds)
    result = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt_id,
            Attempt.state == AttemptState.IN_PROGRESS,
            or_(Attempt.deadline_at.is_(None), Attempt.deadline_at >= cutoff),
        )
        .values(last_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _closed_error(attempt_id: int, now: datetime, grace_seconds: int) -> AttemptClosed:
    state = db.session.scalar(select(Attempt.state).where(Attempt.id == attempt_id))
    if state == AttemptState.IN_PROGRESS:
        return AttemptClosed(_("Waktu mengerjakan sudah habis; jawaban ini tidak diterima."))
    return AttemptClosed(_("Percobaan ini sudah dikumpulkan; jawaban tidak dapat diubah."))


def _upsert(rows: list[dict]):
    stmt = upsert_answers_stmt(db.session.get_bind().dialect.name)
    return db.session.execute(stmt, rows).all()


def save_answer(
    attempt_id: int,
    attempt_question: AttemptQuestion,
    response: dict,
    client_seq: int | None = None,
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> SaveReceipt:
    """Save one answer (autosave). Refused after the deadline plus grace, or once submitted."""
    now = now or utcnow()
    if attempt_question.attempt_id != attempt_id:
        raise DomainError(_("Soal tidak termasuk percobaan ini."))
    if not _claim_open_attempt(attempt_id, now, grace_seconds):
        raise _closed_error(attempt_id, now, grace_seconds)
    rows = _upsert(
        [
            {
                "attempt_id": attempt_id,
                "attempt_question_id": attempt_question.id,
                "response": response,
                "client_seq": client_seq,
                "revision": 1,
                "saved_at": now,
            }
        ]
    )
    if not rows:
        return SaveReceipt(attempt_question.id, None, now, stale=True)
    return SaveReceipt(attempt_question.id, rows[0].revision, now)


def save_answers(
    attempt: Attempt,
    responses: dict[int, dict],
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> list[SaveReceipt]:
    """Save the answers of a whole page (the form submitted without JavaScript)."""
    now = now or utcnow()
    if not responses:
        if not _claim_open_attempt(attempt.id, now, grace_seconds):
            raise _closed_error(attempt.id, now, grace_seconds)
        return []
    valid = set(
        db.session.scalars(
            select(AttemptQuestion.id).where(
                AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.id.in_(list(responses))
            )
        )
    )
    if not _claim_open_attempt(attempt.id, now, grace_seconds):
        raise _closed_error(attempt.id, now, grace_seconds)
    rows = [
        {
            "attempt_id": attempt.id,
            "attempt_question_id": aq_id,
            "response": response,
            "client_seq": None,
            "revision": 1,
            "saved_at": now,
        }
        for aq_id, response in sorted(responses.items())
        if aq_id in valid
    ]
    if not rows:
        return []
    return [SaveReceipt(r.attempt_question_id, r.revision, now) for r in _upsert(rows)]


def parse_responses(questions: list[AttemptQuestion], getlist) -> dict[int, dict]:
    """Responses from form values for the given attempt questions (field ``q<id>``)."""
    return {aq.id: qt.get_type(aq.qtype).parse_form(aq.data, f"q{aq.id}", getlist) for aq in questions}
