"""The background worker: periodic jobs run by `flask lms worker` in a loop.

Each job is a function called inside the app context; the worker commits after each job and
rolls back (and logs) when one fails, so one failing job never stops the others. Daily jobs are
claimed per calendar day in the database, so several workers run them once.

Add a job by appending to ``JOBS`` (features keep the work itself in their services)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask

from lms import database
from lms.accounts import services as account_services
from lms.extensions import db
from lms.notifications import services as notification_services
from lms.projects import services as project_services
from lms.quizzes import services as quiz_services

log = logging.getLogger("lms.worker")


@dataclass(frozen=True)
class Job:
    """A periodic job: ``daily`` jobs run once per UTC day, the others on every tick."""

    name: str
    run: Callable[[Flask], object]
    daily: bool = False


def _send_outbox(app: Flask):
    return notification_services.send_pending(limit=app.config.get("MAIL_BATCH_SIZE", 50))


def _overdue_digest(app: Flask):
    days = int(app.config.get("REVIEW_OVERDUE_DAYS", project_services.DEFAULT_OVERDUE_DAYS))
    return project_services.send_overdue_digest(overdue_days=days)


def finish_overdue_attempts(app: Flask) -> int:
    """Finish quiz attempts past their deadline plus grace, with their saved answers."""
    grace = int(app.config.get("QUIZ_GRACE_SECONDS", quiz_services.DEFAULT_GRACE_SECONDS))
    total = 0
    while True:  # small batches, one commit each: the write lock is never held for long
        batch = quiz_services.finish_overdue(grace_seconds=grace, limit=50)
        db.session.commit()
        total += batch
        if batch < 50:
            return total


def _purge_sessions(_app: Flask):
    return account_services.purge_expired_sessions()


def _optimize_database(_app: Flask):
    return database.optimize(db.session)


JOBS: list[Job] = [
    Job("finish-overdue-attempts", finish_overdue_attempts),
    Job("send-outbox", _send_outbox),
    Job("overdue-digest", _overdue_digest, daily=True),
    Job("purge-sessions", _purge_sessions),
    Job("optimize-database", _optimize_database, daily=True),
]


def run_jobs(app: Flask, jobs: list[Job] | None = None, today=None) -> dict[str, object]:
    """Run every job once (daily ones only if not yet run today). Returns results by job name;
    a failed job's result is the exception."""
    results: dict[str, object] = {}
    today = today or datetime.now(UTC).date()
    for job in JOBS if jobs is None else jobs:
        try:
            if job.daily and not notification_services.claim_daily_run(job.name, today):
                results[job.name] = "skipped"
                db.session.commit()
                continue
            results[job.name] = job.run(app)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            db.session.rollback()
            log.exception("worker job %s failed", job.name)
            results[job.name] = exc
    return results


def run_forever(app: Flask, interval: float, once: bool = False, echo: Callable[[str], None] = print) -> None:
    """Run the jobs every ``interval`` seconds (once with ``once``) until interrupted."""
    while True:
        results = run_jobs(app)
        echo(" ".join(f"{name}={result}" for name, result in results.items()))
        db.session.remove()  # a fresh session per tick: nothing stale is kept between runs
        if once:
            return
        time.sleep(interval)
