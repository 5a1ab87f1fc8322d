"""A participant's project: starting and editing it, its stages as the pages show them (a
stage opens when every earlier one is approved) and its submission per stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.errors import DomainError, PermissionDenied, WorkflowError, check_version, stale_guard
from lms.extensions import db
from lms.projects import permissions
from lms.projects.models import WAITING_STATES, Project, StageSubmission, StageTemplate, SubmissionState
from lms.projects.services.auditlog import audit
from lms.projects.services.program import due_dates, program_stages

MAX_TEXT_CHARS = 100_000


@dataclass
class ProjectData:
    """What a participant writes about their project."""

    title: str
    problem_statement: str = ""
    unit: str = ""
    abstract: str = ""
    keywords: str = ""


def _apply_project(project: Project, data: ProjectData) -> None:
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_("Judul proyek wajib diisi."))
    for text in (data.problem_statement, data.abstract):
        if len(text or "") > MAX_TEXT_CHARS:
            raise DomainError(_("Teks terlalu panjang (batas %(n)s karakter).", n=MAX_TEXT_CHARS))
    project.title = title[:300]
    project.problem_statement = (data.problem_statement or "").strip()
    project.unit = (data.unit or "").strip()[:200]
    project.abstract = (data.abstract or "").strip()
    keywords = [k.strip() for k in (data.keywords or "").replace(";", ",").split(",") if k.strip()]
    project.keywords = ", ".join(dict.fromkeys(keywords))[:300]


def project_of(enrolment: Enrolment) -> Project | None:
    """The project of an enrolment, if started."""
    return db.session.scalar(select(Project).where(Project.enrolment_id == enrolment.id))


def start_project(enrolment: Enrolment, data: ProjectData, by: User) -> Project:
    """Start the project of ``enrolment`` (one per enrolment, in programs that have one)."""
    if not permissions.can_start_project(by, enrolment):
        raise PermissionDenied(_("Proyek hanya dapat dibuat oleh peserta sendiri pada program berproyek."))
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise WorkflowError(_("Peserta yang mengundurkan diri tidak dapat membuat proyek."))
    if project_of(enrolment) is not None:
        raise WorkflowError(_("Proyek untuk angkatan ini sudah ada."))
    project = Project(enrolment_id=enrolment.id)
    _apply_project(project, data)
    db.session.add(project)
    db.session.flush()
    audit(by, project.id, "project_created", project, "", project.title)
    return project


def update_project(project: Project, data: ProjectData, by: User, expected_version: int | None) -> None:
    """Edit the project's description (refused on a stale form)."""
    check_version(project.version, expected_version)
    old = project.title
    _apply_project(project, data)
    with stale_guard():
        db.session.flush()
    if old != project.title:
        audit(by, project.id, "project_title_changed", project, old, project.title)


@dataclass
class StageRow:
    """A stage of a project as the pages show it."""

    stage: StageTemplate
    submission: StageSubmission | None
    due_on: date | None
    open: bool

    @property
    def state(self) -> SubmissionState | None:
        return self.submission.state if self.submission else None

    @property
    def overdue(self) -> bool:
        done = self.state in (SubmissionState.APPROVED, *WAITING_STATES)
        return bool(self.due_on and not done and self.due_on < datetime.now(UTC).date())


def project_stages(project: Project) -> list[StageRow]:
    """The program's stages with this project's submission, due date, and whether it is open
    (a stage opens when every earlier stage is approved)."""
    angkatan = project.enrolment.angkatan
    stages = program_stages(angkatan.program)
    subs = {
        s.stage_id: s
        for s in db.session.scalars(select(StageSubmission).where(StageSubmission.project_id == project.id))
    }
    dues = due_dates(angkatan)
    rows, all_before_approved = [], True
    for stage in stages:
        sub = subs.get(stage.id)
        rows.append(StageRow(stage, sub, dues.get(stage.id), all_before_approved))
        all_before_approved = (
            all_before_approved and sub is not None and sub.state == SubmissionState.APPROVED
        )
    return rows


def submission_for(project: Project, stage: StageTemplate, create: bool = False) -> StageSubmission | None:
    """The project's submission for ``stage`` (created as a draft when ``create``)."""
    if stage.program_id != project.enrolment.angkatan.program_id:
        raise DomainError(_("Tahap ini bukan bagian dari program proyek ini."))
    sub = db.session.scalar(
        select(StageSubmission).where(
            StageSubmission.project_id == project.id, StageSubmission.stage_id == stage.id
        )
    )
    if sub is None and create:
        sub = StageSubmission(project_id=project.id, stage_id=stage.id, state=SubmissionState.DRAFT)
        sub.project, sub.stage = project, stage
        db.session.add(sub)
        db.session.flush()
    return sub
