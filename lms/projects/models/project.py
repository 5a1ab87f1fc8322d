"""A participant's project and its work: stage submissions (one state machine), their versions,
files, reviews and scores, milestones with evidence, and the consultation log (the audit log is
``lms.audit``)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.models_base import CreatedAt, Repr, Timestamps, UpdatedAt, UTCDateTime, Versioned, str_enum, utcnow
from lms.projects.models.config import RubricCriterion, StageTemplate


class Project(Versioned, Timestamps, Repr, db.Model):
    """The change project of one enrolment (one per peserta per angkatan)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300), index=True)
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")

    enrolment: Mapped[Enrolment] = relationship()
    submissions: Mapped[list[StageSubmission]] = relationship(back_populates="project")

    __repr_format__ = "{0.id} {0.title!r}"


class SubmissionState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    REVISION_REQUESTED = "revision_requested"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"


class SubmissionEvent(enum.StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    APPROVE_PART = "approve_part"  # one required role approved, others still to decide
    APPROVE_ALL = "approve_all"  # the last required role approved
    REQUEST_REVISION = "request_revision"


S, E = SubmissionState, SubmissionEvent
# THE transition table of a stage submission; services.move_submission is the only user.
TRANSITIONS: dict[tuple[SubmissionState, SubmissionEvent], SubmissionState] = {
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.REVISION_REQUESTED, E.RESUBMIT): S.RESUBMITTED,
    (S.SUBMITTED, E.APPROVE_PART): S.IN_REVIEW,
    (S.RESUBMITTED, E.APPROVE_PART): S.IN_REVIEW,
    (S.IN_REVIEW, E.APPROVE_PART): S.IN_REVIEW,
    (S.SUBMITTED, E.APPROVE_ALL): S.APPROVED,
    (S.RESUBMITTED, E.APPROVE_ALL): S.APPROVED,
    (S.IN_REVIEW, E.APPROVE_ALL): S.APPROVED,
    (S.SUBMITTED, E.REQUEST_REVISION): S.REVISION_REQUESTED,
    (S.RESUBMITTED, E.REQUEST_REVISION): S.REVISION_REQUESTED,
    (S.IN_REVIEW, E.REQUEST_REVISION): S.REVISION_REQUESTED,
}
del S, E
# States in which a submission waits for reviewers.
WAITING_STATES = (SubmissionState.SUBMITTED, SubmissionState.IN_REVIEW, SubmissionState.RESUBMITTED)


class StageSubmission(Versioned, UpdatedAt, Repr, db.Model):
    """The work of one project on one stage: the draft, the state, and the submitted versions."""

    __tablename__ = "project_submissions"
    __table_args__ = (
        UniqueConstraint("project_id", "stage_id"),
        CheckConstraint("state != 'approved' OR approved_at IS NOT NULL", name="approved_has_date"),
        CheckConstraint(
            "state NOT IN ('submitted', 'in_review', 'resubmitted') "
            "OR (waiting_since IS NOT NULL AND current_version_no > 0)",
            name="waiting_has_version",
        ),
        Index("ix_project_submissions_state_waiting", "state", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("project_stage_templates.id"), index=True)
    state: Mapped[SubmissionState] = mapped_column(
        str_enum(SubmissionState, "submission_state", 20), default=SubmissionState.DRAFT
    )
    draft_md: Mapped[str] = mapped_column(Text, default="")
    current_version_no: Mapped[int] = mapped_column(Integer, default=0)
    # When the current version started waiting (oldest first in the queues); empty otherwise.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="submissions")
    stage: Mapped[StageTemplate] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )

    @property
    def is_waiting(self) -> bool:
        return self.state in WAITING_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in (SubmissionState.DRAFT, SubmissionState.REVISION_REQUESTED)

    __repr_format__ = "{0.id} {0.state}"


class SubmissionVersion(Repr, db.Model):
    """A submitted version, kept for good: its text, files, who submitted it and when."""

    __tablename__ = "project_submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[StageSubmission] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="version", order_by="SubmissionFile.id", viewonly=True
    )

    __repr_format__ = "{0.submission_id} v{0.number}"


class SubmissionFile(Repr, db.Model):
    """A file of a submission: in the draft while ``version_id`` is empty, then frozen in a version.

    A revision starts with new rows pointing at the same stored file, so versions never share
    rows and a draft change never alters what was submitted."""

    __tablename__ = "project_submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_submission_versions.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[StageSubmission] = relationship()
    version: Mapped[SubmissionVersion | None] = relationship(back_populates="files")

    @property
    def viewable_inline(self) -> bool:
        return self.kind in {"pdf", "png", "jpg", "gif", "webp"}

    __repr_format__ = "{0.id} {0.original_name!r}"


class ReviewerRole(enum.StrEnum):
    MENTOR = "mentor"
    COACH = "coach"
    PENGUJI = "penguji"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REVISE = "revise"


class Review(CreatedAt, Repr, db.Model):
    """One reviewer's decision on one version, in one relation role."""

    __tablename__ = "project_reviews"
    __table_args__ = (Index("ix_project_reviews_submission_version", "submission_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("project_submission_versions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[ReviewerRole] = mapped_column(str_enum(ReviewerRole, "reviewer_role", 10))
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "review_decision", 10))
    comment: Mapped[str] = mapped_column(Text, default="")

    reviewer: Mapped[User] = relationship()
    version: Mapped[SubmissionVersion] = relationship()

    __repr_format__ = "{0.id} {0.role} {0.decision}"


class ReviewScore(UpdatedAt, Repr, db.Model):
    """A reviewer's score on one rubric criterion of a submission (changes are audited)."""

    __tablename__ = "project_review_scores"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("project_rubric_criteria.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)

    criterion: Mapped[RubricCriterion] = relationship()
    reviewer: Mapped[User] = relationship()

    __repr_format__ = "{0.submission_id} c{0.criterion_id}={0.score}"


class MilestoneTerm(enum.StrEnum):
    SHORT = "pendek"
    MEDIUM = "menengah"
    LONG = "panjang"


class MilestoneStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Milestone(Versioned, CreatedAt, Repr, db.Model):
    """A milestone of the change (jangka pendek/menengah/panjang), confirmed by the mentor."""

    __tablename__ = "project_milestones"
    __table_args__ = (
        CheckConstraint("(confirmed_at IS NULL) = (confirmed_by_id IS NULL)", name="confirmation_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    term: Mapped[MilestoneTerm] = mapped_column(str_enum(MilestoneTerm, "milestone_term", 10), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[MilestoneStatus] = mapped_column(
        str_enum(MilestoneStatus, "milestone_status", 12), default=MilestoneStatus.PLANNED
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    confirmed_by: Mapped[User | None] = relationship()
    evidence: Mapped[list[MilestoneEvidence]] = relationship(
        back_populates="milestone", order_by="MilestoneEvidence.id"
    )

    __repr_format__ = "{0.id} {0.term}"


class MilestoneEvidence(Repr, db.Model):
    """Evidence for a milestone: a stored file or a link (exactly one of them)."""

    __tablename__ = "project_milestone_evidence"
    __table_args__ = (CheckConstraint("(storage_key IS NULL) != (url IS NULL)", name="file_xor_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("project_milestones.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(String(300), default="")
    storage_key: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(10))
    mime: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(500))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    milestone: Mapped[Milestone] = relationship(back_populates="evidence")

    __repr_format__ = "{0.id}"


class ConsultWith(enum.StrEnum):
    MENTOR = "mentor"
    COACH = "coach"


class Consultation(CreatedAt, Repr, db.Model):
    """A line of the lembar konsultasi; ``confirmed_*`` is the digital paraf."""

    __tablename__ = "project_consultations"
    __table_args__ = (
        CheckConstraint("(confirmed_at IS NULL) = (confirmed_by_id IS NULL)", name="paraf_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    met_on: Mapped[date] = mapped_column(Date, index=True)
    with_role: Mapped[ConsultWith] = mapped_column(str_enum(ConsultWith, "consult_with", 10))
    topic: Mapped[str] = mapped_column(String(300))
    result: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])

    __repr_format__ = "{0.id} {0.met_on}"
