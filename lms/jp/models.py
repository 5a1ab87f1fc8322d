"""The JP ledger's tables: ledger lines (``JpRecord``) and where they came from, external
training recorded by the person (verified by an admin before it counts), and the yearly JP
targets per instansi and employee class.

The tables kept their names and columns when they moved here from ``lms.courses.models``
(``jp_records``) and ``lms.results.models.jp`` (``external_trainings``, ``jp_targets``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import EmployeeClass, Instansi, User
from lms.extensions import db
from lms.models_base import Repr, UpdatedAt, UTCDateTime, Versioned, str_enum, utcnow


class JpSource(enum.StrEnum):
    COURSE = "course"
    PROGRAM = "program"
    EXTERNAL = "external"


class JpRecord(Repr, db.Model):
    """One line of a person's JP ledger: JP earned in a calendar year from one source.

    The unique constraint makes crediting idempotent: one completion credits JP once.
    ``year`` is the calendar year in the learner's own time zone at completion.
    """

    __tablename__ = "jp_records"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "source_id"),
        Index("ix_jp_records_user_year", "user_id", "year"),
        CheckConstraint("jp >= 0", name="jp_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[JpSource] = mapped_column(str_enum(JpSource, "jp_source", 12))
    source_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    jp: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, index=True)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __repr_format__ = "user={0.user_id} {0.source}:{0.source_id} {0.jp} JP"


class ExternalStatus(enum.StrEnum):
    """pending -> verified | rejected; rejected -> pending (corrected and sent again)."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


# The external training's state machine ({(state, event): next state}); services move it.
EXTERNAL_TRANSITIONS: dict[tuple[ExternalStatus, str], ExternalStatus] = {
    (ExternalStatus.PENDING, "verify"): ExternalStatus.VERIFIED,
    (ExternalStatus.PENDING, "reject"): ExternalStatus.REJECTED,
    (ExternalStatus.REJECTED, "resubmit"): ExternalStatus.PENDING,
}


class ExternalTraining(Versioned, Repr, db.Model):
    """Training taken outside Pelita, with its certificate; counts only once verified (it then
    writes one ``JpRecord``, source ``external``)."""

    __tablename__ = "external_trainings"
    __table_args__ = (
        CheckConstraint("jp > 0 AND jp <= 2000", name="jp_range"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("status = 'pending' OR reviewed_at IS NOT NULL", name="reviewed_has_date"),
        Index("ix_external_trainings_status_submitted", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    organizer: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    jp: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_mime: Mapped[str] = mapped_column(String(120))
    file_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[ExternalStatus] = mapped_column(
        str_enum(ExternalStatus, "external_status", 12), default=ExternalStatus.PENDING, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    review_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __repr_format__ = "{0.id} {0.title!r} {0.status}"


_DEFAULT_ROW = text("instansi_id IS NULL")


class JpTarget(UpdatedAt, Repr, db.Model):
    """The yearly JP target of an employee class, for one instansi or (instansi NULL) the default."""

    __tablename__ = "jp_targets"
    __table_args__ = (
        UniqueConstraint("instansi_id", "employee_class"),
        # One default per employee class (NULLs are distinct in a unique constraint).
        Index(
            "uq_jp_targets_default_class",
            "employee_class",
            unique=True,
            sqlite_where=_DEFAULT_ROW,
            postgresql_where=_DEFAULT_ROW,
        ),
        CheckConstraint("target_jp >= 0 AND target_jp <= 2000", name="target_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    employee_class: Mapped[EmployeeClass] = mapped_column(str_enum(EmployeeClass, "jp_target_class", 10))
    target_jp: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    instansi: Mapped[Instansi | None] = relationship()

    __repr_format__ = "instansi={0.instansi_id} {0.employee_class} {0.target_jp}"
