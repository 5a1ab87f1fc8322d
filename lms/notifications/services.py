"""Write notifications (in-app + outbox) and send the outbox over SMTP with retries."""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications.models import Notification, OutboxEmail, OutboxStatus, ScheduledRun

MAX_ATTEMPTS = 8
SMTP_TIMEOUT_SECONDS = 10
# Key in the SQLAlchemy session's ``info`` (one per request): set once notifications change.
_CHANGED = "notifications_changed"


def notify(user: User, subject: str, body: str, url: str = "", email: bool = True) -> Notification:
    """Tell ``user`` something: an in-app notification and, when they have an address, an email
    in the outbox. Only rows are written (no network), in the caller's transaction, so the
    decision that caused it commits or rolls back together with it."""
    note = Notification(user_id=user.id, subject=subject[:200], body=body, url=url[:500])
    db.session.add(note)
    _changed()
    if email and user.email:
        text = body
        if url:
            base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
            text = f"{body}\n\n{base}{url}" if base else f"{body}\n\n{url}"
        db.session.add(OutboxEmail(to_address=user.email, subject=subject[:200], body=text))
    return note


def unread_count_subquery(user_id):
    """Unread notifications of the user ``user_id`` (a column or a value), as a scalar subquery."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user: User) -> int:
    """Unread notifications of ``user`` (the number on the bell). Free on a page: loaded with
    the login session (``register_with_accounts``); one query otherwise."""
    loaded = account_services.session_extra(user, "unread_notifications")
    if loaded is not None and not db.session.info.get(_CHANGED):
        return loaded
    return db.session.scalar(select(unread_count_subquery(user.id)))


def _changed() -> None:
    """Notifications changed in this transaction: the count loaded with the session is stale."""
    db.session.info[_CHANGED] = True


def register_with_accounts() -> None:
    """Have the login session lookup load the bell's count in the same statement."""
    account_services.register_session_extra("unread_notifications", unread_count_subquery)


def notifications_for(user: User):
    """Query of ``user``'s notifications, newest first (for pagination)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(note: Notification) -> None:
    """Mark one notification read (idempotent)."""
    if note.read_at is None:
        note.read_at = utcnow()
        _changed()
    db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _changed()
    return result.rowcount or 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _message(row: OutboxEmail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "pelita.local")
    msg.set_content(row.body)
    return msg


def _open_smtp(cfg) -> smtplib.SMTP:
    server = smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=SMTP_TIMEOUT_SECONDS)
    if cfg.get("MAIL_USE_TLS"):
        server.starttls()
    if cfg.get("MAIL_USERNAME"):
        server.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
    return server


def send_pending(limit: int = 50, now: datetime | None = None) -> dict[str, int]:
    """Send up to ``limit`` due emails over SMTP (config MAIL_*). A failure is recorded on the row
    (attempts, last_error) and retried later with backoff; after MAX_ATTEMPTS the row is marked
    failed. Returns counts {"sent": n, "failed": n}. Flushes; the worker commits."""
    now = now or utcnow()
    cfg = current_app.config
    rows = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    ).all()
    counts = {"sent": 0, "failed": 0}
    if not rows:
        return counts
    server = None
    try:
        server = _open_smtp(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        for row in rows:
            _record_failure(row, exc, now)
            counts["failed"] += 1
        db.session.flush()
        return counts
    try:
        for row in rows:
            try:
                server.send_message(_message(row, cfg["MAIL_SENDER"]))
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(row, exc, now)
                counts["failed"] += 1
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.attempts += 1
                row.last_error = None
                counts["sent"] += 1
            db.session.flush()
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return counts


def _record_failure(row: OutboxEmail, exc: Exception, now: datetime) -> None:
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
    else:
        row.next_attempt_at = now + backoff(row.attempts)


def claim_daily_run(job: str, today: date) -> bool:
    """True the first time ``job`` is claimed for ``today`` (by any worker), False afterwards."""
    exists = db.session.scalar(
        select(ScheduledRun.id).where(ScheduledRun.job == job, ScheduledRun.run_on == today)
    )
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledRun(job=job, run_on=today))
    except IntegrityError:
        return False
    return True
