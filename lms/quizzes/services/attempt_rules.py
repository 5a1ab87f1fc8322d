"""The rules of an attempt's life: its deadline and the grace after it, the one function that
moves its state (``ATTEMPT_TRANSITIONS`` in models.py), and when its review may be shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from lms.errors import WorkflowError
from lms.extensions import db
from lms.models_base import next_state, utcnow
from lms.quizzes.models import ATTEMPT_TRANSITIONS, Attempt, AttemptEvent, AttemptState, Quiz, ReviewTiming

DEFAULT_GRACE_SECONDS = 30


class AttemptClosed(WorkflowError):
    """The attempt no longer takes answers: it was submitted or its time ran out."""


def deadline_for(quiz: Quiz, started_at: datetime) -> datetime | None:
    """The attempt's deadline: the time limit from the start, cut at the quiz's close."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.close_at:
        candidates.append(quiz.close_at)
    return min(candidates) if candidates else None


def seconds_remaining(attempt: Attempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (0 when past), from the server's clock."""
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


def is_overdue(attempt: Attempt, now: datetime, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> bool:
    """An open attempt past its deadline plus the grace: the server finishes it."""
    return (
        attempt.state == AttemptState.IN_PROGRESS
        and attempt.deadline_at is not None
        and now > attempt.deadline_at + timedelta(seconds=grace_seconds)
    )


def move_attempt(attempt_id: int, source: AttemptState, event: AttemptEvent, **values) -> bool:
    """The one function that moves an attempt's state (``ATTEMPT_TRANSITIONS``), with a
    conditional UPDATE from ``source``.

    Returns False when the attempt was not in ``source`` any more (another request moved it).
    """
    target = next_state(ATTEMPT_TRANSITIONS, source, event)
    if target is None:
        raise WorkflowError(_("Perubahan status percobaan tidak diizinkan."))
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.state == source)
        .values(state=target, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def review_allowed(quiz: Quiz, attempt: Attempt, now: datetime | None = None) -> bool:
    """May the learner see the right answers and feedback of a finished attempt now?"""
    if attempt.state == AttemptState.IN_PROGRESS:
        return False
    if quiz.review == ReviewTiming.IMMEDIATELY:
        return True
    if quiz.review == ReviewTiming.AFTER_CLOSE:
        return quiz.close_at is not None and (now or utcnow()) >= quiz.close_at
    return False
