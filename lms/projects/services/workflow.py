"""The submission state machine: the one function that moves a submission by the transition
table, submitting a stage, and who must decide on it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.errors import DomainError, PermissionDenied, WorkflowError, check_version, stale_guard
from lms.extensions import db
from lms.markdown import render_markdown
from lms.models_base import next_state, utcnow
from lms.notifications import services as notifications
from lms.projects import permissions
from lms.projects.models import (
    TRANSITIONS,
    SeminarExaminer,
    SeminarSession,
    SeminarSlot,
    StageSubmission,
    SubmissionEvent,
    SubmissionState,
    SubmissionVersion,
)
from lms.projects.services.auditlog import audit
from lms.projects.services.drafts import draft_files
from lms.projects.services.labels import state_label
from lms.projects.services.projects import MAX_TEXT_CHARS, project_stages


def move_submission(submission: StageSubmission, event: SubmissionEvent, now: datetime | None = None) -> None:
    """The one function that changes a submission's state, by the transition table, and keeps the
    columns the state implies (waiting_since, approved_at) in step."""
    target = next_state(TRANSITIONS, submission.state, event)
    if target is None:
        raise WorkflowError(
            _(
                "Tindakan ini tidak dapat dilakukan pada pengajuan berstatus %(state)s.",
                state=state_label(submission.state),
            )
        )
    now = now or utcnow()
    if event in (SubmissionEvent.SUBMIT, SubmissionEvent.RESUBMIT):
        submission.waiting_since = now
    elif target in (SubmissionState.APPROVED, SubmissionState.REVISION_REQUESTED):
        submission.waiting_since = None
    if target == SubmissionState.APPROVED:
        submission.approved_at = now
    submission.state = target


def submit_stage(
    submission: StageSubmission, by: User, expected_version: int | None = None, now: datetime | None = None
) -> SubmissionVersion:
    """Submit the draft as a new version (kept for good) and tell the reviewers."""
    project = submission.project
    if not permissions.is_owner(by, project):
        raise PermissionDenied(_("Hanya peserta pemilik proyek yang dapat mengajukan."))
    check_version(submission.version, expected_version)
    rows = project_stages(project)
    row = next((r for r in rows if r.stage.id == submission.stage_id), None)
    if row is None or not row.open:
        raise WorkflowError(_("Tahap ini baru dapat diajukan setelah tahap sebelumnya disetujui."))
    files = draft_files(submission)
    if not (submission.draft_md or "").strip() and not files:
        raise DomainError(_("Isi teks atau lampirkan minimal satu berkas sebelum mengajukan."))
    event = (
        SubmissionEvent.RESUBMIT
        if submission.state == SubmissionState.REVISION_REQUESTED
        else SubmissionEvent.SUBMIT
    )
    move_submission(submission, event, now)
    number = submission.current_version_no + 1
    submission.current_version_no = number
    version = SubmissionVersion(
        submission_id=submission.id,
        number=number,
        body_md=submission.draft_md or "",
        body_html=render_markdown(submission.draft_md, MAX_TEXT_CHARS),
        submitted_by_id=by.id,
        submitted_at=now or utcnow(),
    )
    db.session.add(version)
    with stale_guard():
        db.session.flush()
    for f in files:
        f.version_id = version.id
    db.session.flush()
    audit(by, project.id, "submitted", submission, "", f"{submission.stage.name} v{number}")
    for reviewer in reviewers_of(submission):
        notifications.notify(
            reviewer,
            _("Menunggu tinjauan: %(stage)s", stage=submission.stage.name),
            _(
                "%(name)s mengajukan %(stage)s (versi %(n)s) untuk ditinjau.",
                name=by.full_name,
                stage=submission.stage.name,
                n=number,
            ),
            review_path(submission),
        )
    return version


def review_path(submission: StageSubmission) -> str:
    """Where a reviewer opens the submission (a path; works without a request)."""
    return f"/reviews/{submission.id}"


def stage_path(submission: StageSubmission) -> str:
    """Where the participant opens the stage."""
    return f"/proyek/{submission.project_id}/tahap/{submission.stage_id}"


def reviewers_of(submission: StageSubmission) -> list[User]:
    """The people who must decide on this submission (by the stage's approver roles)."""
    enrolment = submission.project.enrolment
    stage = submission.stage
    ids = []
    if stage.approve_mentor and enrolment.mentor_id:
        ids.append(enrolment.mentor_id)
    if stage.approve_coach and enrolment.coach_id:
        ids.append(enrolment.coach_id)
    if stage.approve_penguji:
        ids += db.session.scalars(
            select(SeminarExaminer.user_id)
            .join(SeminarSlot, SeminarSlot.session_id == SeminarExaminer.session_id)
            .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
            .where(SeminarSlot.enrolment_id == enrolment.id, SeminarSession.stage_id == stage.id)
        ).all()
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def days_waiting(submission: StageSubmission, now: datetime | None = None) -> int:
    """Whole days the current version has waited."""
    if submission.waiting_since is None:
        return 0
    return max(((now or utcnow()) - submission.waiting_since).days, 0)
