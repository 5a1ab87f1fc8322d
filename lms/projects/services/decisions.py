"""Reviewers' decisions on a submission: approve or request revision, with rubric scores; the
stage is approved when every approver role has approved the current version."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.errors import DomainError, PermissionDenied, WorkflowError, check_version, stale_guard
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications import services as notifications
from lms.projects import permissions
from lms.projects.models import (
    Decision,
    Review,
    ReviewerRole,
    ReviewScore,
    StageSubmission,
    SubmissionEvent,
    SubmissionFile,
    SubmissionState,
)
from lms.projects.services.auditlog import audit
from lms.projects.services.labels import state_label
from lms.projects.services.scoring import _validate_scores
from lms.projects.services.workflow import move_submission, stage_path


def reviews_of(submission: StageSubmission) -> list[Review]:
    """Every decision on the submission, oldest first, with reviewer and version."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.submission_id == submission.id)
            .options(joinedload(Review.reviewer), joinedload(Review.version))
            .order_by(Review.created_at, Review.id)
        )
    )


def scores_of(submission: StageSubmission, reviewer: User | None = None) -> list[ReviewScore]:
    """Rubric scores given on the submission (by one reviewer, when given)."""
    stmt = select(ReviewScore).where(ReviewScore.submission_id == submission.id)
    if reviewer is not None:
        stmt = stmt.where(ReviewScore.reviewer_id == reviewer.id)
    return list(db.session.scalars(stmt.options(joinedload(ReviewScore.reviewer))))


def decide(
    submission: StageSubmission,
    reviewer: User,
    decision: Decision | str,
    comment: str,
    scores: dict[int, int | None] | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> SubmissionState:
    """Record a reviewer's decision (approve or request revision) with rubric scores.

    A stale page (``expected_version`` older than the submission) or a concurrent decision is
    refused with StaleEdit and nothing is overwritten. The stage is approved only when every
    approver role of the stage has approved the current version. Every decision and every score
    change goes to the audit log; the participant is notified in the same transaction."""
    with stale_guard():
        return _decide(submission, reviewer, decision, comment, scores, expected_version, now)


def _decide(submission, reviewer, decision, comment, scores, expected_version, now):
    check_version(submission.version, expected_version)
    decision = Decision(decision)
    if not submission.is_waiting:
        raise WorkflowError(_("Pengajuan ini tidak sedang menunggu keputusan."))
    reviews = reviews_of(submission)
    roles = permissions.decision_roles(reviewer, submission, reviews)
    if not roles:
        raise PermissionDenied(_("Anda tidak dapat memberi keputusan pada pengajuan ini."))
    comment = (comment or "").strip()
    if decision == Decision.REVISE and not comment:
        raise DomainError(_("Tuliskan apa yang perlu diperbaiki pada kolom komentar."))
    project = submission.project
    stage = submission.stage
    if stage.scored:
        clean = _validate_scores(stage.criteria, scores or {}, required=decision == Decision.APPROVE)
        _save_review_scores(submission, reviewer, clean)
    version = next(v for v in submission.versions if v.number == submission.current_version_no)
    for role in roles:
        db.session.add(
            Review(
                submission_id=submission.id,
                version_id=version.id,
                reviewer_id=reviewer.id,
                role=ReviewerRole(role),
                decision=decision,
                comment=comment,
                created_at=now or utcnow(),
            )
        )
    old_state = submission.state
    if decision == Decision.REVISE:
        event = SubmissionEvent.REQUEST_REVISION
    else:
        left = [r for r in permissions.required_roles_left(submission, reviews) if r not in roles]
        event = SubmissionEvent.APPROVE_PART if left else SubmissionEvent.APPROVE_ALL
    move_submission(submission, event, now)
    if event == SubmissionEvent.REQUEST_REVISION:
        submission.draft_md = version.body_md
        for f in version.files:
            db.session.add(
                SubmissionFile(
                    submission_id=submission.id,
                    version_id=None,
                    storage_key=f.storage_key,
                    original_name=f.original_name,
                    kind=f.kind,
                    mime=f.mime,
                    size=f.size,
                    sha256=f.sha256,
                    uploaded_by_id=f.uploaded_by_id,
                )
            )
    with stale_guard():
        db.session.flush()
    audit(
        reviewer,
        project.id,
        "decision",
        submission,
        old_state.value,
        f"{submission.state.value} ({'/'.join(roles)}: {decision.value} v{version.number})"
        + (f": {comment}" if comment else ""),
    )
    labels = {Decision.APPROVE: _("menyetujui"), Decision.REVISE: _("meminta revisi untuk")}
    body = _(
        "%(name)s %(verb)s %(stage)s versi %(n)s.",
        name=reviewer.full_name,
        verb=labels[decision],
        stage=stage.name,
        n=version.number,
    )
    if submission.state == SubmissionState.APPROVED:
        body += " " + _("Tahap ini kini disetujui.")
    if comment:
        body += "\n\n" + comment
    notifications.notify(
        project.enrolment.user,
        _("Keputusan %(stage)s: %(state)s", stage=stage.name, state=state_label(submission.state)),
        body,
        stage_path(submission),
    )
    return submission.state


def _save_review_scores(submission: StageSubmission, reviewer: User, clean: dict[int, int]) -> None:
    existing = {s.criterion_id: s for s in scores_of(submission, reviewer)}
    for criterion_id, value in clean.items():
        row = existing.get(criterion_id)
        if row is None:
            row = ReviewScore(
                submission_id=submission.id, reviewer_id=reviewer.id, criterion_id=criterion_id, score=value
            )
            db.session.add(row)
            db.session.flush()
            audit(reviewer, submission.project_id, "score", row, "", value)
        elif row.score != value:
            audit(reviewer, submission.project_id, "score_changed", row, row.score, value)
            row.score = value
