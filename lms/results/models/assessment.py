"""Assessment schemes (components, weights, predicate bands) per program with an effective date,
the stored final result of each participant, and manual component scores (the audit log is ``lms.audit``)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Enrolment, Program
from lms.extensions import db
from lms.models_base import Repr, Timestamps, UTCDateTime, Versioned, str_enum, utcnow


class AssessmentScheme(Versioned, Timestamps, Repr, db.Model):
    """How a program's final score is made: weighted components and predicate bands.

    An angkatan uses the scheme in force at its start date (the latest ``effective_from`` on or
    before it). Once results were computed with a scheme it is locked: a change of rules is a new
    scheme with a later effective date, so an earlier angkatan keeps its rules.
    """

    __tablename__ = "assessment_schemes"
    __table_args__ = (UniqueConstraint("program_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    program: Mapped[Program] = relationship()
    components: Mapped[list[SchemeComponent]] = relationship(
        back_populates="scheme", order_by="SchemeComponent.position", cascade="all, delete-orphan"
    )
    bands: Mapped[list[PredicateBand]] = relationship(
        back_populates="scheme", order_by="PredicateBand.position", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} program={0.program_id} from={0.effective_from}"


class SchemeComponent(Repr, db.Model):
    """One weighted component of a scheme, named by the key of a component source."""

    __tablename__ = "assessment_scheme_components"
    __table_args__ = (
        UniqueConstraint("scheme_id", "key"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_schemes.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    weight: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[AssessmentScheme] = relationship(back_populates="components")

    __repr_format__ = "{0.key} {0.weight}"


class PredicateBand(Repr, db.Model):
    """A predicate given to final scores strictly above ``above``; the band with ``above`` NULL
    is the catch-all for every lower score."""

    __tablename__ = "assessment_predicate_bands"
    __table_args__ = (CheckConstraint("above IS NULL OR (above >= 0 AND above < 100)", name="above_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_schemes.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(60))
    above: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[AssessmentScheme] = relationship(back_populates="bands")

    __repr_format__ = "{0.label!r} > {0.above}"


class Outcome(enum.StrEnum):
    """The admin's decision on a participant (set by hand, audit-logged)."""

    LULUS = "lulus"
    LULUS_PERBAIKAN = "lulus_dengan_perbaikan"
    DITUNDA = "ditunda"
    TIDAK_LULUS = "tidak_lulus"

    @property
    def passing(self) -> bool:
        return self in (Outcome.LULUS, Outcome.LULUS_PERBAIKAN)


class ParticipantResult(Repr, db.Model):
    """A participant's stored components, final score and predicate, plus the admin's outcome.

    Recomputed by ``recompute_results`` whenever a component changes; ``scheme_id`` pins the
    scheme the angkatan was first computed with.
    """

    __tablename__ = "participant_results"
    __table_args__ = (
        CheckConstraint("(final_score IS NULL) = (predicate IS NULL)", name="final_has_predicate"),
        CheckConstraint("outcome IS NULL OR outcome_set_at IS NOT NULL", name="outcome_has_date"),
        Index("ix_participant_results_angkatan_final", "angkatan_id", "final_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    angkatan_id: Mapped[int] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_schemes.id"), index=True)
    # {component key: score 0-100 or None when not available yet}
    components: Mapped[dict] = mapped_column(JSON, default=dict)
    final_score: Mapped[float | None] = mapped_column(Float)
    predicate: Mapped[str | None] = mapped_column(String(60), index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, "result_outcome", 30), index=True)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_set_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Compared explicitly by the outcome form (recomputation must not make that form stale).
    outcome_version: Mapped[int] = mapped_column(Integer, default=0)

    enrolment: Mapped[Enrolment] = relationship()
    scheme: Mapped[AssessmentScheme | None] = relationship()

    __repr_format__ = "enrolment={0.enrolment_id} {0.final_score} {0.predicate!r}"


class ManualScore(Repr, db.Model):
    """A component score typed in by an admin (attendance, or any component without a source)."""

    __tablename__ = "manual_scores"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "component_key"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    component_key: Mapped[str] = mapped_column(String(40), index=True)
    score: Mapped[float] = mapped_column(Float)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    __repr_format__ = "enrolment={0.enrolment_id} {0.component_key}={0.score}"
