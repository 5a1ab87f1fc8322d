"""In-app notifications, the email outbox, and the worker's once-a-day bookkeeping."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import db
from lms.models_base import CreatedAt, Repr, UTCDateTime, str_enum, utcnow


class Notification(Repr, db.Model):
    """A message shown in the app (the bell). ``read_at`` is empty while unread."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __repr_format__ = "{0.id} user={0.user_id}"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class OutboxEmail(CreatedAt, Repr, db.Model):
    """An email waiting to be sent by the worker; written in the same transaction as its cause,
    so a decision never waits for (or is lost with) an SMTP server."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_date"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_emails_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status", 10), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __repr_format__ = "{0.id} {0.status}"


class ScheduledRun(CreatedAt, Repr, db.Model):
    """One run of a once-a-day job; the unique key lets only one worker claim a day."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    run_on: Mapped[date] = mapped_column(Date)

    __repr_format__ = "{0.job} {0.run_on}"
