"""Program data an admin edits: the stage template, rubrics, attitude criteria, due dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Angkatan, Program
from lms.extensions import db
from lms.models_base import Repr, Versioned


class StageTemplate(Versioned, Repr, db.Model):
    """One stage of a program's project cycle (Rancangan, Seminar Rancangan, ...).

    Which relation roles must approve a submission is data: ``approve_mentor``, ``approve_coach``,
    ``approve_penguji`` (a penguji assigned to a seminar session of this stage)."""

    __tablename__ = "project_stage_templates"
    __table_args__ = (
        UniqueConstraint("program_id", "code"),
        CheckConstraint("approve_mentor OR approve_coach OR approve_penguji", name="has_approver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # One required document per line ("Dokumen rancangan (PDF)").
    required_documents: Mapped[str] = mapped_column(Text, default="")
    approve_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    approve_coach: Mapped[bool] = mapped_column(Boolean, default=False)
    approve_penguji: Mapped[bool] = mapped_column(Boolean, default=False)
    scored: Mapped[bool] = mapped_column(Boolean, default=False)
    is_seminar: Mapped[bool] = mapped_column(Boolean, default=False)

    program: Mapped[Program] = relationship()
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="stage", order_by="RubricCriterion.position", cascade="all, delete-orphan"
    )

    @property
    def approver_roles(self) -> list[str]:
        roles = []
        if self.approve_coach:
            roles.append("coach")
        if self.approve_mentor:
            roles.append("mentor")
        if self.approve_penguji:
            roles.append("penguji")
        return roles

    @property
    def documents(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]

    __repr_format__ = "{0.program_id}:{0.code}"


class RubricCriterion(Repr, db.Model):
    """A rubric line of a scored stage: name, weight (percent) and score range."""

    __tablename__ = "project_rubric_criteria"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_score > min_score", name="range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("project_stage_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)
    min_score: Mapped[int] = mapped_column(Integer, default=0)
    max_score: Mapped[int] = mapped_column(Integer, default=100)

    stage: Mapped[StageTemplate] = relationship(back_populates="criteria")

    __repr_format__ = "{0.id} {0.name!r}"


class AttitudeCriterion(Repr, db.Model):
    """A criterion of the sikap dan etika kerja observation form of a program."""

    __tablename__ = "project_attitude_criteria"
    __table_args__ = (CheckConstraint("max_score > min_score", name="range_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    min_score: Mapped[int] = mapped_column(Integer, default=0)
    max_score: Mapped[int] = mapped_column(Integer, default=100)

    __repr_format__ = "{0.id} {0.name!r}"


class StageDueDate(Repr, db.Model):
    """When a stage is due in one angkatan."""

    __tablename__ = "project_stage_due_dates"
    __table_args__ = (UniqueConstraint("angkatan_id", "stage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    angkatan_id: Mapped[int] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("project_stage_templates.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date)

    angkatan: Mapped[Angkatan] = relationship()
    stage: Mapped[StageTemplate] = relationship()

    __repr_format__ = "angkatan={0.angkatan_id} stage={0.stage_id} {0.due_on}"
