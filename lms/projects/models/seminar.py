"""Seminar sessions (groups of about ten, time slots, penguji), their scores and outcomes, and
the attitude and work ethic (sikap dan etika kerja) observations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment
from lms.extensions import db
from lms.models_base import CreatedAt, Repr, UpdatedAt, UTCDateTime, Versioned, str_enum
from lms.projects.models.config import AttitudeCriterion, RubricCriterion, StageTemplate


class SeminarSession(CreatedAt, Repr, db.Model):
    """A seminar session of an angkatan for one seminar stage."""

    __tablename__ = "seminar_sessions"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("slot_minutes > 0", name="slot_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    angkatan_id: Mapped[int] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("project_stage_templates.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=45)
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=10)

    angkatan: Mapped[Angkatan] = relationship()
    stage: Mapped[StageTemplate] = relationship()
    examiners: Mapped[list[SeminarExaminer]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    slots: Mapped[list[SeminarSlot]] = relationship(
        back_populates="session", order_by="SeminarSlot.position", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} {0.title!r}"


class SeminarExaminer(Repr, db.Model):
    """A penguji assigned to a seminar session."""

    __tablename__ = "seminar_examiners"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("seminar_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    session: Mapped[SeminarSession] = relationship(back_populates="examiners")
    user: Mapped[User] = relationship()

    __repr_format__ = "session={0.session_id} user={0.user_id}"


class SeminarOutcome(enum.StrEnum):
    LULUS = "lulus"
    LULUS_PERBAIKAN = "lulus_perbaikan"
    DITUNDA = "ditunda"
    TIDAK_LULUS = "tidak_lulus"


class SeminarSlot(Versioned, Repr, db.Model):
    """A participant's time slot in a session, and the outcome."""

    __tablename__ = "seminar_slots"
    __table_args__ = (
        UniqueConstraint("session_id", "enrolment_id"),
        CheckConstraint("outcome IS NULL OR decided_at IS NOT NULL", name="outcome_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("seminar_sessions.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[SeminarOutcome | None] = mapped_column(str_enum(SeminarOutcome, "seminar_outcome", 20))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[SeminarSession] = relationship(back_populates="slots")
    enrolment: Mapped[Enrolment] = relationship()

    __repr_format__ = "{0.id} enrolment={0.enrolment_id}"


class SeminarScore(UpdatedAt, Repr, db.Model):
    """A score given at a seminar by a penguji, the mentor or the coach, per rubric criterion."""

    __tablename__ = "seminar_scores"
    __table_args__ = (UniqueConstraint("slot_id", "scorer_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("seminar_slots.id", ondelete="CASCADE"), index=True)
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("project_rubric_criteria.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)

    criterion: Mapped[RubricCriterion] = relationship()
    scorer: Mapped[User] = relationship()

    __repr_format__ = "slot={0.slot_id} c{0.criterion_id}={0.score}"


class ObserverRole(enum.StrEnum):
    COACH = "coach"
    MENTOR = "mentor"
    ADMIN = "admin"


class AttitudeObservation(CreatedAt, Repr, db.Model):
    """One filled observation form on a participant's attitude and work ethic."""

    __tablename__ = "attitude_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[ObserverRole] = mapped_column(str_enum(ObserverRole, "observer_role", 10))
    observed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    observer: Mapped[User] = relationship()
    scores: Mapped[list[AttitudeScore]] = relationship(
        back_populates="observation", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} enrolment={0.enrolment_id}"


class AttitudeScore(Repr, db.Model):
    """A score on one attitude criterion in an observation."""

    __tablename__ = "attitude_scores"
    __table_args__ = (UniqueConstraint("observation_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("attitude_observations.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("project_attitude_criteria.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)

    observation: Mapped[AttitudeObservation] = relationship(back_populates="scores")
    criterion: Mapped[AttitudeCriterion] = relationship()

    __repr_format__ = "obs={0.observation_id} c{0.criterion_id}={0.score}"
