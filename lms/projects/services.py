"""Every rule and state change of the projects feature. Functions take explicit arguments, never
touch the request or the logged-in user, add and flush; the caller commits once.

Sections: audit log, program data (stage templates, rubrics, criteria, due dates), projects,
stage submissions (uploads, the state machine, decisions), milestones, consultations, seminars,
attitude observations, the admin overview and CSV, the catalogue, and the overdue digest."""

from __future__ import annotations

import csv
import functools
import io
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, null, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms import storage
from lms.accounts.models import Role, User
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus, Program
from lms.errors import DomainError, ImportRejected, LineError, PermissionDenied, StaleEdit, WorkflowError
from lms.extensions import db
from lms.markdown import render_markdown
from lms.models_base import utcnow
from lms.notifications import services as notifications
from lms.pagination import PagerNavigation
from lms.projects import permissions
from lms.projects.models import (
    TRANSITIONS,
    WAITING_STATES,
    AttitudeCriterion,
    AttitudeObservation,
    AttitudeScore,
    AuditEntry,
    Consultation,
    ConsultWith,
    Decision,
    Milestone,
    MilestoneEvidence,
    MilestoneStatus,
    MilestoneTerm,
    ObserverRole,
    Project,
    Review,
    ReviewerRole,
    ReviewScore,
    RubricCriterion,
    SeminarExaminer,
    SeminarOutcome,
    SeminarScore,
    SeminarSession,
    SeminarSlot,
    StageDueDate,
    StageSubmission,
    StageTemplate,
    SubmissionEvent,
    SubmissionFile,
    SubmissionState,
    SubmissionVersion,
)

ALLOWED_KINDS = storage.DOCUMENT_KINDS
DEFAULT_OVERDUE_DAYS = 5
MAX_TEXT_CHARS = 100_000

STATE_LABELS = {
    SubmissionState.DRAFT: "draf",
    SubmissionState.SUBMITTED: "diajukan",
    SubmissionState.IN_REVIEW: "sedang ditinjau",
    SubmissionState.REVISION_REQUESTED: "perlu revisi",
    SubmissionState.RESUBMITTED: "diajukan ulang",
    SubmissionState.APPROVED: "disetujui",
}
OUTCOME_LABELS = {
    SeminarOutcome.LULUS: "Lulus",
    SeminarOutcome.LULUS_PERBAIKAN: "Lulus dengan perbaikan",
    SeminarOutcome.DITUNDA: "Ditunda",
    SeminarOutcome.TIDAK_LULUS: "Tidak lulus",
}
TERM_LABELS = {
    MilestoneTerm.SHORT: "Jangka pendek",
    MilestoneTerm.MEDIUM: "Jangka menengah",
    MilestoneTerm.LONG: "Jangka panjang",
}
MILESTONE_STATUS_LABELS = {
    MilestoneStatus.PLANNED: "Direncanakan",
    MilestoneStatus.IN_PROGRESS: "Berjalan",
    MilestoneStatus.DONE: "Selesai",
}


def state_label(state: SubmissionState | None) -> str:
    """Indonesian label of a submission state ("belum dimulai" when there is none)."""
    return _(STATE_LABELS[state]) if state else _("belum dimulai")


def stale_message() -> str:
    return _(
        "Pengajuan ini sudah diubah oleh orang lain (misalnya reviewer lain sudah memberi keputusan) "
        "sejak halaman Anda dibuka. Tidak ada yang ditimpa. Muat ulang halaman lalu periksa lagi."
    )


def _check_version(obj, expected_version: int | None, message: str | None = None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(message or stale_message())


def _flush_or_stale() -> None:
    """Flush; a concurrent update of a versioned row (optimistic lock) becomes StaleEdit."""
    with stale_guard():
        db.session.flush()


@contextmanager
def stale_guard():
    """Turn the ORM's optimistic-lock failure (raised by any flush, autoflush included) into
    StaleEdit with a message for the person."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleEdit(stale_message()) from exc


# --- audit log --------------------------------------------------------------------------------


def audit(actor: User | None, project_id: int | None, action: str, obj, old="", new="") -> AuditEntry:
    """Write one audit line: who (actor), when (now), what (action, object), old and new value."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        project_id=project_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )
    db.session.add(entry)
    return entry


def audit_log(project_id: int | None = None, action: str | None = None):
    """Query of audit lines, newest first, optionally for one project or action."""
    stmt = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if project_id:
        stmt = stmt.where(AuditEntry.project_id == project_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt


# --- program data: stage template, rubrics, attitude criteria, due dates ------------------------

# The default cycle for PKN II, PKA and PKP (DOMAIN.md); admins change it per program.
DEFAULT_STAGES = [
    {
        "code": "rancangan",
        "name": "Rancangan",
        "description": "Rancangan proyek perubahan: masalah, inovasi, pemangku kepentingan, dan milestone.",
        "required_documents": "Dokumen rancangan proyek perubahan",
        "approvers": ("coach", "mentor"),
        "scored": False,
        "is_seminar": False,
        "rubric": [],
    },
    {
        "code": "seminar-rancangan",
        "name": "Seminar Rancangan",
        "description": "Bahan tayang seminar rancangan dan rancangan yang telah direvisi.",
        "required_documents": "Bahan tayang seminar rancangan\nRancangan hasil perbaikan",
        "approvers": ("coach", "penguji"),
        "scored": True,
        "is_seminar": True,
        "rubric": [
            ("Substansi dan urgensi masalah", 30, 0, 100),
            ("Kualitas gagasan inovasi", 30, 0, 100),
            ("Penyajian", 20, 0, 100),
            ("Kemampuan menjawab", 20, 0, 100),
        ],
    },
    {
        "code": "implementasi",
        "name": "Implementasi",
        "description": "Laporan kemajuan implementasi (laboratorium kepemimpinan) dengan bukti milestone.",
        "required_documents": "Laporan kemajuan implementasi",
        "approvers": ("mentor",),
        "scored": False,
        "is_seminar": False,
        "rubric": [],
    },
    {
        "code": "laporan-akhir",
        "name": "Laporan Akhir",
        "description": "Laporan akhir dan bahan tayang, dikirim beberapa hari sebelum seminar akhir.",
        "required_documents": "Laporan akhir proyek perubahan\nBahan tayang seminar akhir",
        "approvers": ("coach", "mentor"),
        "scored": True,
        "is_seminar": False,
        "rubric": [
            ("Kesesuaian dengan rancangan", 30, 0, 100),
            ("Capaian milestone jangka pendek", 40, 0, 100),
            ("Kualitas penulisan laporan", 30, 0, 100),
        ],
    },
    {
        "code": "seminar-akhir",
        "name": "Seminar Akhir",
        "description": "Seminar akhir (evaluasi) di hadapan penguji, mentor, dan coach.",
        "required_documents": "Bahan tayang seminar akhir",
        "approvers": ("penguji",),
        "scored": True,
        "is_seminar": True,
        "rubric": [
            ("Substansi proyek perubahan", 40, 0, 100),
            ("Capaian dan keberlanjutan perubahan", 20, 0, 100),
            ("Penyajian", 20, 0, 100),
            ("Kemampuan menjawab", 20, 0, 100),
        ],
    },
]
DEFAULT_ATTITUDE = [
    ("Integritas", 1, 0, 100),
    ("Disiplin dan tanggung jawab", 1, 0, 100),
    ("Kerja sama", 1, 0, 100),
    ("Inisiatif", 1, 0, 100),
    ("Etika dan sopan santun", 1, 0, 100),
]


def program_stages(program: Program) -> list[StageTemplate]:
    """The program's stages in order, with their rubric criteria."""
    return list(
        db.session.scalars(
            select(StageTemplate)
            .where(StageTemplate.program_id == program.id)
            .options(selectinload(StageTemplate.criteria))
            .order_by(StageTemplate.position, StageTemplate.id)
        )
    )


def install_default_stages(program: Program) -> list[StageTemplate]:
    """Give ``program`` the default stage template and attitude criteria (only when it has none)."""
    stages = program_stages(program)
    if stages:
        return stages
    for position, data in enumerate(DEFAULT_STAGES, start=1):
        stage = StageTemplate(
            program_id=program.id,
            position=position,
            code=data["code"],
            name=data["name"],
            description=data["description"],
            required_documents=data["required_documents"],
            approve_mentor="mentor" in data["approvers"],
            approve_coach="coach" in data["approvers"],
            approve_penguji="penguji" in data["approvers"],
            scored=data["scored"],
            is_seminar=data["is_seminar"],
        )
        for i, (name, weight, low, high) in enumerate(data["rubric"], start=1):
            stage.criteria.append(
                RubricCriterion(position=i, name=name, weight=weight, min_score=low, max_score=high)
            )
        db.session.add(stage)
    if not db.session.scalar(select(AttitudeCriterion.id).where(AttitudeCriterion.program_id == program.id)):
        for i, (name, weight, low, high) in enumerate(DEFAULT_ATTITUDE, start=1):
            db.session.add(
                AttitudeCriterion(
                    program_id=program.id, position=i, name=name, weight=weight, min_score=low, max_score=high
                )
            )
    db.session.flush()
    return program_stages(program)


@dataclass
class StageData:
    """What an admin edits about a stage."""

    code: str
    name: str
    position: int
    description: str = ""
    required_documents: str = ""
    approvers: set[str] = field(default_factory=set)
    scored: bool = False
    is_seminar: bool = False


def _apply_stage(stage: StageTemplate, data: StageData) -> None:
    code = (data.code or "").strip().lower()
    if not code or not data.name.strip():
        raise DomainError(_("Kode dan nama tahap wajib diisi."))
    if not data.approvers & {"mentor", "coach", "penguji"}:
        raise DomainError(_("Pilih minimal satu peran yang menyetujui tahap ini."))
    clash = db.session.scalar(
        select(StageTemplate.id).where(
            StageTemplate.program_id == stage.program_id,
            StageTemplate.code == code,
            StageTemplate.id != (stage.id or 0),
        )
    )
    if clash:
        raise DomainError(_("Kode tahap %(code)s sudah dipakai di program ini.", code=code))
    stage.code = code
    stage.name = data.name.strip()
    stage.position = data.position
    stage.description = data.description.strip()
    stage.required_documents = data.required_documents.strip()
    stage.approve_mentor = "mentor" in data.approvers
    stage.approve_coach = "coach" in data.approvers
    stage.approve_penguji = "penguji" in data.approvers
    stage.scored = data.scored
    stage.is_seminar = data.is_seminar


def create_stage(program: Program, data: StageData, by: User) -> StageTemplate:
    """Add a stage to a program's template."""
    stage = StageTemplate(program_id=program.id)
    _apply_stage(stage, data)
    db.session.add(stage)
    db.session.flush()
    audit(by, None, "stage_created", stage, "", f"{program.code}:{stage.code}")
    return stage


def update_stage(stage: StageTemplate, data: StageData, by: User, expected_version: int | None) -> None:
    """Change a stage of a program's template (refused when someone else changed it meanwhile)."""
    _check_version(stage, expected_version)
    old = _stage_summary(stage)
    _apply_stage(stage, data)
    _flush_or_stale()
    audit(by, None, "stage_updated", stage, old, _stage_summary(stage))


def _stage_summary(stage: StageTemplate) -> str:
    return (
        f"{stage.position}. {stage.name} [{stage.code}] approvers={','.join(stage.approver_roles)} "
        f"scored={stage.scored} seminar={stage.is_seminar}"
    )


def parse_criteria(text: str, filename: str = "rubrik") -> list[tuple[str, int, int, int]]:
    """Parse criteria written one per line as ``name | weight | min | max`` (min and max optional,
    0 and 100 by default). Raises ImportRejected naming every bad line; nothing is changed."""
    rows, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (2, 4) or not parts[0]:
            errors.append(
                LineError(number, _("tulis: nama | bobot | nilai minimum | nilai maksimum"), filename)
            )
            continue
        try:
            weight = int(parts[1])
            low, high = (int(parts[2]), int(parts[3])) if len(parts) == 4 else (0, 100)
        except ValueError:
            errors.append(LineError(number, _("bobot dan rentang nilai harus bilangan bulat"), filename))
            continue
        if weight <= 0:
            errors.append(LineError(number, _("bobot harus lebih dari 0"), filename))
        elif high <= low:
            errors.append(LineError(number, _("nilai maksimum harus lebih besar dari minimum"), filename))
        else:
            rows.append((parts[0][:200], weight, low, high))
    if errors:
        raise ImportRejected(errors)
    return rows


def criteria_text(criteria) -> str:
    """The editable text form of criteria (the inverse of parse_criteria)."""
    return "\n".join(f"{c.name} | {c.weight} | {c.min_score} | {c.max_score}" for c in criteria)


def set_rubric(stage: StageTemplate, text: str, by: User) -> None:
    """Replace a stage's rubric with the criteria in ``text`` (validated first)."""
    rows = parse_criteria(text)
    if stage.scored and not rows:
        raise DomainError(_("Tahap yang dinilai memerlukan minimal satu kriteria rubrik."))
    old = criteria_text(stage.criteria)
    by_name = {c.name: c for c in stage.criteria}
    keep = []
    for i, (name, weight, low, high) in enumerate(rows, start=1):
        crit = by_name.pop(name, None) or RubricCriterion(stage_id=stage.id, name=name)
        crit.position, crit.weight, crit.min_score, crit.max_score = i, weight, low, high
        keep.append(crit)
    stage.criteria[:] = keep  # criteria removed from the text go (their scores with them)
    db.session.flush()
    audit(by, None, "rubric_updated", stage, old, criteria_text(keep))


def attitude_criteria(program: Program) -> list[AttitudeCriterion]:
    """The program's attitude criteria in order."""
    return list(
        db.session.scalars(
            select(AttitudeCriterion)
            .where(AttitudeCriterion.program_id == program.id)
            .order_by(AttitudeCriterion.position, AttitudeCriterion.id)
        )
    )


def set_attitude_criteria(program: Program, text: str, by: User) -> None:
    """Replace the program's attitude criteria (same text format as rubrics)."""
    rows = parse_criteria(text, filename=_("kriteria sikap"))
    existing = attitude_criteria(program)
    old = criteria_text(existing)
    by_name = {c.name: c for c in existing}
    for i, (name, weight, low, high) in enumerate(rows, start=1):
        crit = by_name.pop(name, None)
        if crit is None:
            crit = AttitudeCriterion(program_id=program.id, name=name)
            db.session.add(crit)
        crit.position, crit.weight, crit.min_score, crit.max_score = i, weight, low, high
    for crit in by_name.values():
        db.session.delete(crit)
    db.session.flush()
    audit(by, None, "attitude_criteria_updated", program, old, text.strip())


def due_dates(angkatan: Angkatan) -> dict[int, date]:
    """Due date per stage id in ``angkatan``."""
    rows = db.session.execute(
        select(StageDueDate.stage_id, StageDueDate.due_on).where(StageDueDate.angkatan_id == angkatan.id)
    )
    return dict(rows.all())


def set_due_dates(angkatan: Angkatan, dates: dict[int, date | None], by: User) -> None:
    """Set (or clear, with None) the due date of each stage in ``angkatan``."""
    existing = {
        row.stage_id: row
        for row in db.session.scalars(select(StageDueDate).where(StageDueDate.angkatan_id == angkatan.id))
    }
    valid = {s.id for s in program_stages(angkatan.program)} if angkatan.program else set()
    for stage_id, due in dates.items():
        if stage_id not in valid:
            raise DomainError(_("Tahap tidak termasuk program angkatan ini."))
        row = existing.get(stage_id)
        if due is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(StageDueDate(angkatan_id=angkatan.id, stage_id=stage_id, due_on=due))
        elif row.due_on != due:
            audit(by, None, "due_date_changed", row, row.due_on, due)
            row.due_on = due
    db.session.flush()


# --- projects -----------------------------------------------------------------------------------


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
    _check_version(project, expected_version)
    old = project.title
    _apply_project(project, data)
    _flush_or_stale()
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


# --- submissions: uploads, the state machine, decisions ------------------------------------------


@dataclass
class Upload:
    """A file handed to a service: a binary stream and the name the user gave it."""

    stream: BinaryIO
    filename: str


def _clean_name(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return (base or _("berkas"))[:255]


def _store_all(uploads: list[Upload], max_bytes: int | None, make_row) -> list:
    """Store each upload and add its row, all or nothing: rows are added inside a savepoint and the
    stored files are deleted again when any file or the flush fails halfway."""
    stored_keys: list[str] = []
    rows = []
    try:
        with db.session.begin_nested():
            for upload in uploads:
                stored = storage.save(upload.stream, ALLOWED_KINDS, max_bytes)
                stored_keys.append(stored.key)
                row = make_row(stored, _clean_name(upload.filename))
                db.session.add(row)
                rows.append(row)
            db.session.flush()
    except BaseException:
        for key in stored_keys:
            storage.delete(key)
        raise
    return rows


def add_draft_files(
    submission: StageSubmission, uploads: list[Upload], by: User, max_bytes: int | None = None
) -> list[SubmissionFile]:
    """Attach files to the draft. Types are checked from content (PDF, DOCX, PPTX, XLSX, images)."""
    if not submission.is_editable:
        raise WorkflowError(_("Berkas hanya dapat ditambahkan saat draf atau revisi."))

    def make_row(stored, name):
        return SubmissionFile(
            submission_id=submission.id,
            version_id=None,
            storage_key=stored.key,
            original_name=name,
            kind=stored.kind,
            mime=stored.mime,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=by.id,
        )

    return _store_all([u for u in uploads if u.filename], max_bytes, make_row)


def draft_files(submission: StageSubmission) -> list[SubmissionFile]:
    """Files in the draft (not yet submitted)."""
    return list(
        db.session.scalars(
            select(SubmissionFile)
            .where(SubmissionFile.submission_id == submission.id, SubmissionFile.version_id.is_(None))
            .order_by(SubmissionFile.id)
        )
    )


def remove_draft_file(file: SubmissionFile, by: User) -> None:
    """Remove a file from the draft; the stored file goes when no version still uses it."""
    if file.version_id is not None or not file.submission.is_editable:
        raise WorkflowError(_("Berkas yang sudah diajukan tidak dapat dihapus."))
    key = file.storage_key
    db.session.delete(file)
    db.session.flush()
    still_used = db.session.scalar(
        select(SubmissionFile.id).where(SubmissionFile.storage_key == key).limit(1)
    )
    if still_used is None:
        storage.delete(key)


def save_draft(
    submission: StageSubmission,
    body_md: str,
    uploads: list[Upload],
    by: User,
    expected_version: int | None = None,
    max_bytes: int | None = None,
) -> None:
    """Save the draft text and any new files."""
    if not submission.is_editable:
        raise WorkflowError(_("Pengajuan yang sedang ditinjau atau sudah disetujui tidak dapat diubah."))
    _check_version(submission, expected_version)
    render_markdown(body_md, MAX_TEXT_CHARS)  # refuses over-long text with a message
    submission.draft_md = body_md or ""
    add_draft_files(submission, uploads, by, max_bytes)
    _flush_or_stale()


def move_submission(submission: StageSubmission, event: SubmissionEvent, now: datetime | None = None) -> None:
    """The one function that changes a submission's state, by the transition table, and keeps the
    columns the state implies (waiting_since, approved_at) in step."""
    target = TRANSITIONS.get((submission.state, event))
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
    _check_version(submission, expected_version)
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
    _flush_or_stale()
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


def _validate_scores(criteria: list[RubricCriterion], scores: dict[int, int | None], required: bool) -> dict:
    clean = {}
    for crit in criteria:
        value = scores.get(crit.id)
        if value is None:
            if required:
                raise DomainError(_("Isi nilai untuk setiap kriteria rubrik (%(name)s).", name=crit.name))
            continue
        if not crit.min_score <= int(value) <= crit.max_score:
            raise DomainError(
                _(
                    "Nilai %(name)s harus antara %(low)s dan %(high)s.",
                    name=crit.name,
                    low=crit.min_score,
                    high=crit.max_score,
                )
            )
        clean[crit.id] = int(value)
    return clean


def weighted_total(criteria, scores: dict[int, int]) -> float | None:
    """Weighted score on a 0-100 scale, or None when a criterion has no score."""
    if not criteria or any(c.id not in scores for c in criteria):
        return None
    total_weight = sum(c.weight for c in criteria)
    value = sum(c.weight * (scores[c.id] - c.min_score) / (c.max_score - c.min_score) * 100 for c in criteria)
    return round(value / total_weight, 2)


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
    _check_version(submission, expected_version)
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
    _flush_or_stale()
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


def next_in_queue(reviewer: User, after: StageSubmission | None = None) -> StageSubmission | None:
    """The oldest item still waiting for ``reviewer`` (skipping ``after``)."""
    stmt = permissions.review_queue(reviewer).order_by(StageSubmission.waiting_since, StageSubmission.id)
    if after is not None:
        stmt = stmt.where(StageSubmission.id != after.id)
    return db.session.scalar(stmt.limit(1))


@dataclass(frozen=True)
class QueueGroup:
    """How many items of one angkatan, stage and state wait for a reviewer."""

    angkatan_id: int
    angkatan_name: str
    stage_name: str
    state: SubmissionState
    count: int


@dataclass(frozen=True)
class QueueSummary:
    """A reviewer's queue counted per angkatan, stage and state, from one grouped query: the
    total (the navigation badge), the filter choices and a filtered page's total all come
    from it."""

    groups: tuple[QueueGroup, ...]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    def count(self, angkatan_id: int | None = None, stage_name: str | None = None, state=None) -> int:
        """Items matching the filters (None: any)."""
        return sum(
            g.count
            for g in self.groups
            if (angkatan_id is None or g.angkatan_id == angkatan_id)
            and (stage_name is None or g.stage_name == stage_name)
            and (state is None or g.state == state)
        )

    def angkatan_choices(self) -> list[tuple[int, str]]:
        """Angkatan present in the queue, by name."""
        return sorted({(g.angkatan_id, g.angkatan_name) for g in self.groups}, key=lambda a: (a[1], a[0]))

    def stage_choices(self) -> list[str]:
        """Stage names present in the queue, alphabetical."""
        return sorted({g.stage_name for g in self.groups})


def queue_summary(reviewer: User) -> QueueSummary:
    """What waits for ``reviewer``, counted per angkatan, stage and state (one query)."""
    stmt = _queue_summary_statement(permissions.is_admin(reviewer))
    rows = db.session.execute(stmt, permissions.queue_params(reviewer)).all()
    return QueueSummary(tuple(QueueGroup(*row) for row in rows))


@functools.cache
def _queue_summary_statement(admin: bool):
    # Built once per process (see permissions.queue_statement).
    queue = permissions.queue_statement(admin).subquery()
    return (
        select(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state, func.count())
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
        .group_by(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state)
    )


@dataclass(frozen=True)
class QueueItem:
    """One line of the review queue (plain values: the page needs no ORM objects)."""

    id: int
    state: SubmissionState
    current_version_no: int
    waiting_since: datetime | None
    stage_name: str
    project_title: str
    participant_name: str
    angkatan_name: str


@dataclass
class QueuePage(PagerNavigation):
    """One page of the queue; the attributes the ``pager`` macro reads, like Flask-SQLAlchemy's
    Pagination."""

    items: list[QueueItem]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    def __iter__(self):
        return iter(self.items)


def queue_page(
    reviewer: User,
    angkatan_id=None,
    stage_name=None,
    state=None,
    page=1,
    per_page=25,
    summary: QueueSummary | None = None,
) -> QueuePage:
    """One page of the reviewer's queue, oldest first, as plain rows with what the page shows
    (one query; the total comes from ``summary``, counted once for the whole page)."""
    summary = summary if summary is not None else queue_summary(reviewer)
    page = page if isinstance(page, int) and page > 0 else 1
    per_page = per_page if per_page > 0 else 25
    total = summary.count(angkatan_id or None, stage_name or None, state or None)
    if (page - 1) * per_page >= total:
        return QueuePage([], page, per_page, total)
    stmt = _queue_page_statement(
        permissions.is_admin(reviewer), bool(angkatan_id), bool(stage_name), bool(state)
    )
    params = permissions.queue_params(reviewer) | {
        "angkatan_id": angkatan_id,
        "stage_name": stage_name,
        "state": state,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    rows = db.session.execute(stmt, params).all()
    return QueuePage([QueueItem(*row) for row in rows], page, per_page, total)


@functools.cache
def _queue_page_statement(admin: bool, by_angkatan: bool, by_stage: bool, by_state: bool):
    # Built once per process and filter combination (see permissions.queue_statement).
    queue = permissions.queue_statement(admin).subquery()
    stmt = (
        select(
            queue.c.id,
            queue.c.state,
            queue.c.current_version_no,
            queue.c.waiting_since,
            queue.c.stage_name,
            queue.c.project_title,
            User.full_name,
            Angkatan.name,
        )
        .join(User, User.id == queue.c.user_id)
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
    )
    return _filtered_page(stmt, queue, by_angkatan, by_stage, by_state)


def _filtered_page(stmt, queue, by_angkatan: bool, by_stage: bool, by_state: bool):
    """``stmt`` over the queue ``queue`` with the asked filters as bound parameters, oldest
    first, one page (``:limit``, ``:offset``)."""
    if by_angkatan:
        stmt = stmt.where(queue.c.angkatan_id == bindparam("angkatan_id", type_=Integer))
    if by_stage:
        stmt = stmt.where(queue.c.stage_name == bindparam("stage_name", type_=String))
    if by_state:
        stmt = stmt.where(queue.c.state == bindparam("state"))
    return (
        stmt.order_by(queue.c.waiting_since, queue.c.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def queue_overview(
    reviewer: User,
    angkatan_id=None,
    stage_name=None,
    state=None,
    page=1,
    per_page=25,
) -> tuple[QueueSummary, QueuePage]:
    """:func:`queue_summary` and :func:`queue_page` in one statement: the queue (a UNION of
    the reviewer's relations) is written once as a common table expression that both the
    grouped counts and the page's rows read, so that PostgreSQL plans and runs it once (planning
    the UNION costs it more than running it). A ``stage_name`` not in the queue matches nothing;
    the caller that ignores such a filter asks again without it.

    An admin's queue (every waiting submission) is the exception: it is one plain query, cheap
    to plan, and a page of it is best read through the index in ``waiting_since`` order with
    LIMIT, which the shared (materialised) expression prevents (12 against 5 ms on the scale
    data); it keeps the two statements."""
    if permissions.is_admin(reviewer):
        summary = queue_summary(reviewer)
        return summary, queue_page(reviewer, angkatan_id, stage_name, state, page, per_page, summary)
    page = page if isinstance(page, int) and page > 0 else 1
    per_page = per_page if per_page > 0 else 25
    stmt = _queue_overview_statement(bool(angkatan_id), bool(stage_name), bool(state))
    params = permissions.queue_params(reviewer) | {
        "angkatan_id": angkatan_id,
        "stage_name": stage_name,
        "state": state,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    groups, items = [], []
    # On the session's connection: plain rows without the ORM's execution path (which would
    # autoflush: flush instead; nothing to do on a page view).
    db.session.flush()
    for kind, *row in db.session.connection().execute(stmt, params):
        if kind == 0:  # (id, state, version, waiting_since, stage, title, name, angkatan id and name, n)
            groups.append(QueueGroup(row[7], row[8], row[4], row[1], int(row[9])))
        else:
            items.append(QueueItem(*row[:6], row[6], row[8]))
    summary = QueueSummary(tuple(groups))
    total = summary.count(angkatan_id or None, stage_name or None, state or None)
    return summary, QueuePage(items, page, per_page, total)


@functools.cache
def _queue_overview_statement(by_angkatan: bool, by_stage: bool, by_state: bool):
    # Built once per process and filter combination (see permissions.queue_statement).
    queue = permissions.queue_statement(False).cte("review_queue")
    rows = (
        select(
            literal_column("1", Integer).label("kind"),
            queue.c.id,
            queue.c.state,
            queue.c.current_version_no,
            queue.c.waiting_since,
            queue.c.stage_name,
            queue.c.project_title,
            User.full_name,
            queue.c.angkatan_id,
            Angkatan.name.label("angkatan_name"),
            cast(null(), Integer).label("n"),
        )
        .join(User, User.id == queue.c.user_id)
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
    )
    rows = _filtered_page(rows, queue, by_angkatan, by_stage, by_state).subquery("page_rows")
    groups = (
        select(
            literal_column("0", Integer),
            cast(null(), Integer),
            queue.c.state,
            cast(null(), Integer),
            null(),
            queue.c.stage_name,
            cast(null(), String),
            cast(null(), String),
            queue.c.angkatan_id,
            Angkatan.name,
            func.count(),
        )
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
        .group_by(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state)
    )
    # The page's rows come first (their columns give the result types); the final ORDER BY
    # keeps them in the page's order, as the subquery's own ORDER BY need not survive a UNION.
    both = union_all(select(rows), groups).subquery("overview")
    return select(both).order_by(both.c.kind.desc(), both.c.waiting_since, both.c.id)


def queue_count(reviewer: User) -> int:
    """How many items wait for ``reviewer`` (the badge in the navigation)."""
    stmt = _queue_count_statement(permissions.is_admin(reviewer))
    return db.session.scalar(stmt, permissions.queue_params(reviewer)) or 0


@functools.cache
def _queue_count_statement(admin: bool):
    if admin:
        # Every waiting submission: the joins of the queue add nothing to a count (its foreign
        # keys are NOT NULL and enforced) and cost 3 ms on PostgreSQL on every admin page.
        return select(func.count()).where(permissions.is_waiting())
    return select(func.count()).select_from(permissions.queue_statement(admin).subquery())


def days_waiting(submission: StageSubmission, now: datetime | None = None) -> int:
    """Whole days the current version has waited."""
    if submission.waiting_since is None:
        return 0
    return max(((now or utcnow()) - submission.waiting_since).days, 0)


# --- milestones ---------------------------------------------------------------------------------


def milestones_of(project: Project) -> list[Milestone]:
    """Milestones grouped by term order (pendek, menengah, panjang), with evidence."""
    order = {MilestoneTerm.SHORT: 0, MilestoneTerm.MEDIUM: 1, MilestoneTerm.LONG: 2}
    rows = db.session.scalars(
        select(Milestone)
        .where(Milestone.project_id == project.id)
        .options(selectinload(Milestone.evidence), joinedload(Milestone.confirmed_by))
        .order_by(Milestone.target_date, Milestone.id)
    ).all()
    return sorted(rows, key=lambda m: order[m.term])


def add_milestone(
    project: Project, term: str, title: str, description: str, target_date: date | None, by: User
) -> Milestone:
    """The participant plans a milestone."""
    if not permissions.can_edit_project(by, project):
        raise PermissionDenied(_("Hanya peserta pemilik proyek yang dapat menambah milestone."))
    if not (title or "").strip():
        raise DomainError(_("Judul milestone wajib diisi."))
    milestone = Milestone(
        project_id=project.id,
        term=MilestoneTerm(term),
        title=title.strip()[:300],
        description=(description or "").strip(),
        target_date=target_date,
    )
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(
    milestone: Milestone, status: str, target_date: date | None, by: User, expected_version: int | None
) -> None:
    """The participant updates status and target date; a change un-confirms it."""
    _check_version(milestone, expected_version)
    new_status = MilestoneStatus(status)
    if new_status != milestone.status:
        audit(
            by, milestone.project_id, "milestone_status", milestone, milestone.status.value, new_status.value
        )
        milestone.status = new_status
        milestone.confirmed_by_id = None
        milestone.confirmed_at = None
    milestone.target_date = target_date
    _flush_or_stale()


def add_evidence(
    milestone: Milestone,
    by: User,
    note: str = "",
    upload: Upload | None = None,
    url: str | None = None,
    max_bytes: int | None = None,
) -> MilestoneEvidence:
    """Add evidence (a file or an http(s) link) to a milestone."""
    url = (url or "").strip() or None
    has_file = upload is not None and bool(upload.filename)
    if has_file == bool(url):
        raise DomainError(_("Lampirkan satu berkas atau isi satu tautan sebagai bukti."))
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DomainError(_("Tautan harus diawali http:// atau https://."))
        row = MilestoneEvidence(
            milestone_id=milestone.id, note=(note or "")[:300], url=url[:500], added_by_id=by.id
        )
        db.session.add(row)
        db.session.flush()
        return row

    def make_row(stored, name):
        return MilestoneEvidence(
            milestone_id=milestone.id,
            note=(note or "")[:300],
            storage_key=stored.key,
            original_name=name,
            kind=stored.kind,
            mime=stored.mime,
            size=stored.size,
            added_by_id=by.id,
        )

    return _store_all([upload], max_bytes, make_row)[0]


def confirm_milestone(milestone: Milestone, by: User, expected_version: int | None = None) -> None:
    """The mentor confirms a milestone (and its evidence)."""
    if not permissions.can_confirm_milestone(by, milestone):
        raise PermissionDenied(_("Hanya mentor peserta yang dapat mengonfirmasi milestone."))
    _check_version(milestone, expected_version)
    if milestone.confirmed_at is None:
        milestone.confirmed_by_id = by.id
        milestone.confirmed_at = utcnow()
        audit(by, milestone.project_id, "milestone_confirmed", milestone, "", milestone.title)
    _flush_or_stale()


# --- consultation log (lembar konsultasi) --------------------------------------------------------


def consultations_of(project: Project):
    """Query of the project's consultation log, newest meeting first."""
    return (
        select(Consultation)
        .where(Consultation.project_id == project.id)
        .options(joinedload(Consultation.confirmed_by))
        .order_by(Consultation.met_on.desc(), Consultation.id.desc())
    )


def log_consultation(
    project: Project, met_on: date, with_role: str, topic: str, result: str, by: User
) -> Consultation:
    """The participant records a meeting with the mentor or the coach; the person is notified."""
    if not permissions.can_edit_project(by, project):
        raise PermissionDenied(_("Hanya peserta pemilik proyek yang dapat mengisi lembar konsultasi."))
    if not (topic or "").strip():
        raise DomainError(_("Topik konsultasi wajib diisi."))
    if met_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(_("Tanggal konsultasi tidak boleh di masa depan."))
    role = ConsultWith(with_role)
    row = Consultation(
        project_id=project.id,
        met_on=met_on,
        with_role=role,
        topic=topic.strip()[:300],
        result=(result or "").strip(),
        created_by_id=by.id,
    )
    db.session.add(row)
    db.session.flush()
    enrolment = project.enrolment
    other = enrolment.mentor if role == ConsultWith.MENTOR else enrolment.coach
    if other is not None:
        notifications.notify(
            other,
            _("Paraf konsultasi diminta"),
            _("%(name)s mencatat konsultasi: %(topic)s.", name=by.full_name, topic=row.topic),
            f"/proyek/{project.id}/konsultasi",
        )
    return row


def confirm_consultation(consultation: Consultation, by: User) -> None:
    """The digital paraf: the mentor or coach confirms the meeting in one click."""
    if not permissions.can_confirm_consultation(by, consultation):
        raise PermissionDenied(_("Hanya mentor atau coach yang bersangkutan yang dapat memberi paraf."))
    if consultation.confirmed_at is None:
        consultation.confirmed_by_id = by.id
        consultation.confirmed_at = utcnow()
        audit(by, consultation.project_id, "consultation_confirmed", consultation, "", consultation.topic)
    db.session.flush()


# --- seminars -----------------------------------------------------------------------------------


def create_session(
    angkatan: Angkatan,
    stage: StageTemplate,
    title: str,
    starts_at: datetime,
    slot_minutes: int,
    location: str,
    capacity: int,
    by: User,
) -> SeminarSession:
    """Schedule a seminar session for an angkatan and a seminar stage."""
    if not stage.is_seminar or stage.program_id != angkatan.program_id:
        raise DomainError(_("Pilih tahap seminar dari program angkatan ini."))
    if capacity < 1 or slot_minutes < 5:
        raise DomainError(_("Kapasitas minimal 1 dan durasi per peserta minimal 5 menit."))
    session = SeminarSession(
        angkatan_id=angkatan.id,
        stage_id=stage.id,
        title=(title or "").strip()[:200] or stage.name,
        starts_at=starts_at,
        slot_minutes=slot_minutes,
        location=(location or "").strip()[:200],
        capacity=capacity,
    )
    db.session.add(session)
    db.session.flush()
    audit(by, None, "seminar_created", session, "", f"{session.title} {starts_at.isoformat()}")
    return session


def set_session_members(
    session: SeminarSession, examiner_ids: list[int], enrolment_ids: list[int], by: User
) -> None:
    """Assign the session's penguji and participants; slots follow in the order given."""
    if len(enrolment_ids) > session.capacity:
        raise DomainError(_("Sesi ini berkapasitas %(n)s peserta.", n=session.capacity))
    examiners = list(db.session.scalars(select(User).where(User.id.in_(examiner_ids or [0]))))
    if any(not u.has_role(Role.PENGUJI) for u in examiners) or len(examiners) != len(set(examiner_ids)):
        raise DomainError(_("Penguji harus pengguna dengan peran penguji."))
    enrolments = {
        e.id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.id.in_(enrolment_ids or [0]), Enrolment.angkatan_id == session.angkatan_id
            )
        )
    }
    if len(enrolments) != len(set(enrolment_ids)):
        raise DomainError(_("Peserta harus terdaftar di angkatan sesi ini."))
    taken = db.session.scalars(
        select(SeminarSlot.enrolment_id)
        .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
        .where(
            SeminarSession.stage_id == session.stage_id,
            SeminarSession.id != session.id,
            SeminarSlot.enrolment_id.in_(enrolment_ids or [0]),
        )
    ).all()
    if taken:
        raise DomainError(_("Sebagian peserta sudah terjadwal di sesi lain untuk seminar yang sama."))
    old = _members_summary(session)
    session.examiners[:] = [
        next((e for e in session.examiners if e.user_id == u.id), None) or SeminarExaminer(user_id=u.id)
        for u in examiners
    ]
    by_enrolment = {s.enrolment_id: s for s in session.slots}
    slots = []
    for position, enrolment_id in enumerate(dict.fromkeys(enrolment_ids)):
        slot = by_enrolment.get(enrolment_id) or SeminarSlot(enrolment_id=enrolment_id)
        slot.position = position + 1
        slot.starts_at = session.starts_at + timedelta(minutes=session.slot_minutes * position)
        slots.append(slot)
    session.slots[:] = slots
    db.session.flush()
    audit(by, None, "seminar_members", session, old, _members_summary(session))


def _members_summary(session: SeminarSession) -> str:
    examiners = sorted(e.user_id for e in session.examiners)
    return f"penguji={examiners} peserta={[s.enrolment_id for s in session.slots]}"


def seminar_scores(slot: SeminarSlot) -> list[SeminarScore]:
    """Every seminar score of a slot, with scorer and criterion."""
    return list(
        db.session.scalars(
            select(SeminarScore)
            .where(SeminarScore.slot_id == slot.id)
            .options(joinedload(SeminarScore.scorer), joinedload(SeminarScore.criterion))
            .order_by(SeminarScore.scorer_id, SeminarScore.criterion_id)
        )
    )


def score_seminar(slot: SeminarSlot, scorer: User, scores: dict[int, int | None]) -> None:
    """A penguji, the mentor or the coach scores the presentation with the seminar rubric.
    Changes of an earlier score are audited with old and new values."""
    role = permissions.seminar_scorer_role(scorer, slot)
    if role is None:
        raise PermissionDenied(_("Anda tidak ditugaskan menilai peserta ini."))
    clean = _validate_scores(slot.session.stage.criteria, scores, required=True)
    project = project_of(slot.enrolment)
    existing = {s.criterion_id: s for s in seminar_scores(slot) if s.scorer_id == scorer.id}
    for criterion_id, value in clean.items():
        row = existing.get(criterion_id)
        if row is None:
            row = SeminarScore(
                slot_id=slot.id, scorer_id=scorer.id, role=role, criterion_id=criterion_id, score=value
            )
            db.session.add(row)
            db.session.flush()
            audit(scorer, project.id if project else None, "seminar_score", row, "", value)
        elif row.score != value:
            audit(scorer, project.id if project else None, "seminar_score_changed", row, row.score, value)
            row.score = value
    db.session.flush()


def set_outcome(slot: SeminarSlot, outcome: str, note: str, by: User, expected_version: int | None) -> None:
    """Record the seminar outcome: lulus, lulus dengan perbaikan, ditunda or tidak lulus."""
    if not permissions.can_decide_outcome(by, slot):
        raise PermissionDenied(_("Hanya penguji sesi ini yang dapat menetapkan hasil seminar."))
    _check_version(slot, expected_version)
    new = SeminarOutcome(outcome)
    old = slot.outcome.value if slot.outcome else ""
    slot.outcome = new
    slot.outcome_note = (note or "").strip()
    slot.decided_by_id = by.id
    slot.decided_at = utcnow()
    _flush_or_stale()
    project = project_of(slot.enrolment)
    audit(by, project.id if project else None, "seminar_outcome", slot, old, new.value)
    notifications.notify(
        slot.enrolment.user,
        _("Hasil %(title)s: %(outcome)s", title=slot.session.title, outcome=_(OUTCOME_LABELS[new])),
        slot.outcome_note or _("Hasil seminar telah ditetapkan."),
        f"/proyek/{project.id}" if project else "",
    )


# --- attitude and work ethic --------------------------------------------------------------------


def record_observation(
    enrolment: Enrolment,
    observer: User,
    observed_on: date,
    scores: dict[int, int | None],
    note: str,
) -> AttitudeObservation:
    """An observation form on sikap dan etika kerja by the coach, the mentor or an admin."""
    if not permissions.can_observe_attitude(observer, enrolment):
        raise PermissionDenied(_("Anda tidak dapat mengisi observasi sikap peserta ini."))
    if enrolment.coach_id == observer.id:
        role = ObserverRole.COACH
    elif enrolment.mentor_id == observer.id:
        role = ObserverRole.MENTOR
    else:
        role = ObserverRole.ADMIN
    criteria = attitude_criteria(enrolment.angkatan.program)
    if not criteria:
        raise DomainError(_("Program ini belum memiliki kriteria sikap. Hubungi admin."))
    clean = _validate_scores(criteria, scores, required=True)
    obs = AttitudeObservation(
        enrolment_id=enrolment.id,
        observer_id=observer.id,
        role=role,
        observed_on=observed_on,
        note=(note or "").strip(),
    )
    for criterion_id, value in clean.items():
        obs.scores.append(AttitudeScore(criterion_id=criterion_id, score=value))
    db.session.add(obs)
    db.session.flush()
    project = project_of(enrolment)
    audit(observer, project.id if project else None, "attitude_observation", obs, "", str(clean))
    return obs


def observations_of(enrolment: Enrolment) -> list[AttitudeObservation]:
    """Observation forms of a participant, newest first, with scores."""
    return list(
        db.session.scalars(
            select(AttitudeObservation)
            .where(AttitudeObservation.enrolment_id == enrolment.id)
            .options(
                joinedload(AttitudeObservation.observer),
                selectinload(AttitudeObservation.scores).joinedload(AttitudeScore.criterion),
            )
            .order_by(AttitudeObservation.observed_on.desc(), AttitudeObservation.id.desc())
        )
    )


# --- admin overview, CSV --------------------------------------------------------------------------


def project_angkatan():
    """Query of angkatan whose program has a project, newest first."""
    return (
        select(Angkatan)
        .join(Program, Program.id == Angkatan.program_id)
        .where(Program.project_label != "")
        .options(joinedload(Angkatan.program))
        .order_by(Angkatan.start_date.desc(), Angkatan.id.desc())
    )


def project_programs() -> list[Program]:
    """Programs that carry a project."""
    return list(db.session.scalars(select(Program).where(Program.project_label != "").order_by(Program.name)))


def angkatan_enrolments(angkatan: Angkatan):
    """Query of the angkatan's enrolments by NDH, with participant, mentor and coach."""
    return (
        select(Enrolment)
        .where(Enrolment.angkatan_id == angkatan.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.mentor), joinedload(Enrolment.coach))
        .order_by(Enrolment.ndh, Enrolment.id)
    )


def matrix(angkatan: Angkatan, enrolments: list[Enrolment]) -> dict[int, dict]:
    """For each enrolment id: its project and {stage_id: submission} (two queries)."""
    ids = [e.id for e in enrolments]
    projects = {
        p.enrolment_id: p
        for p in db.session.scalars(select(Project).where(Project.enrolment_id.in_(ids or [0])))
    }
    subs = defaultdict(dict)
    if projects:
        for s in db.session.scalars(
            select(StageSubmission).where(StageSubmission.project_id.in_([p.id for p in projects.values()]))
        ):
            subs[s.project_id][s.stage_id] = s
    return {
        e.id: {
            "project": projects.get(e.id),
            "subs": subs.get(projects[e.id].id, {}) if e.id in projects else {},
        }
        for e in enrolments
    }


def _pending_assignments(submissions: list[StageSubmission]) -> list[tuple[StageSubmission, str, int]]:
    """(submission, role, user id) for every decision still owed on waiting submissions."""
    if not submissions:
        return []
    ids = [s.id for s in submissions]
    reviews = defaultdict(list)
    for r in db.session.scalars(select(Review).where(Review.submission_id.in_(ids))):
        reviews[r.submission_id].append(r)
    versions = defaultdict(list)
    for v in db.session.scalars(select(SubmissionVersion).where(SubmissionVersion.submission_id.in_(ids))):
        versions[v.submission_id].append(v)
    examiners = defaultdict(list)
    enrolment_ids = [s.project.enrolment_id for s in submissions]
    for enrolment_id, stage_id, user_id in db.session.execute(
        select(SeminarSlot.enrolment_id, SeminarSession.stage_id, SeminarExaminer.user_id)
        .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
        .join(SeminarExaminer, SeminarExaminer.session_id == SeminarSession.id)
        .where(SeminarSlot.enrolment_id.in_(enrolment_ids))
    ):
        examiners[(enrolment_id, stage_id)].append(user_id)
    out = []
    for s in submissions:
        current = next((v.id for v in versions[s.id] if v.number == s.current_version_no), None)
        approved = {
            r.role.value for r in reviews[s.id] if r.version_id == current and r.decision == Decision.APPROVE
        }
        enrolment = s.project.enrolment
        for role in s.stage.approver_roles:
            if role in approved:
                continue
            if role == "mentor" and enrolment.mentor_id:
                out.append((s, role, enrolment.mentor_id))
            elif role == "coach" and enrolment.coach_id:
                out.append((s, role, enrolment.coach_id))
            elif role == "penguji":
                out += [(s, role, uid) for uid in examiners[(enrolment.id, s.stage_id)]]
    return out


def _waiting_submissions(angkatan_id: int | None = None, older_than: datetime | None = None):
    stmt = (
        select(StageSubmission)
        .join(Project, Project.id == StageSubmission.project_id)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .where(permissions.is_waiting())
        .options(
            joinedload(StageSubmission.stage),
            joinedload(StageSubmission.project).joinedload(Project.enrolment).joinedload(Enrolment.user),
        )
        .order_by(StageSubmission.waiting_since)
    )
    if angkatan_id is not None:
        stmt = stmt.where(Enrolment.angkatan_id == angkatan_id)
    if older_than is not None:
        stmt = stmt.where(StageSubmission.waiting_since <= older_than)
    return list(db.session.scalars(stmt).unique())


def overdue_by_reviewer(angkatan: Angkatan, overdue_days: int, now: datetime | None = None) -> list[dict]:
    """Per reviewer of the angkatan: how many decisions they owe, and how many are overdue."""
    now = now or utcnow()
    limit = now - timedelta(days=overdue_days)
    counts: dict[int, dict] = {}
    for sub, role, user_id in _pending_assignments(_waiting_submissions(angkatan.id)):
        row = counts.setdefault(user_id, {"waiting": 0, "overdue": 0, "roles": set()})
        row["waiting"] += 1
        row["roles"].add(role)
        if sub.waiting_since <= limit:
            row["overdue"] += 1
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(counts) or [0])))}
    return sorted(
        ({"user": users[uid], **data} for uid, data in counts.items()),
        key=lambda r: (-r["overdue"], -r["waiting"], r["user"].full_name),
    )


def overview_csv(angkatan: Angkatan) -> str:
    """The participants x stages matrix as CSV (UTF-8 with BOM, for spreadsheet programs)."""
    stages = program_stages(angkatan.program)
    enrolments = list(db.session.scalars(angkatan_enrolments(angkatan)).unique())
    cells = matrix(angkatan, enrolments)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NDH", "NIP", "Nama", "Mentor", "Coach", "Judul proyek"] + [s.name for s in stages])
    for e in enrolments:
        cell = cells[e.id]
        project = cell["project"]
        writer.writerow(
            [
                e.ndh or "",
                e.user.nip or "",
                e.user.full_name,
                e.mentor.full_name if e.mentor else "",
                e.coach.full_name if e.coach else "",
                _csv_safe(project.title) if project else "",
            ]
            + [
                state_label(cell["subs"][s.id].state) if s.id in cell["subs"] else state_label(None)
                for s in stages
            ]
        )
    return "\ufeff" + out.getvalue()


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# --- catalogue ----------------------------------------------------------------------------------


def catalogue(q: str | None = None, program_id: int | None = None, year: int | None = None):
    """Query of past projects (the angkatan has ended or the participant completed), searchable
    by title, unit, abstract and keywords; filtered by program and year."""
    today = datetime.now(UTC).date()
    stmt = (
        select(Project)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(or_(Angkatan.end_date < today, Enrolment.status == EnrolmentStatus.COMPLETED))
        .options(
            joinedload(Project.enrolment).options(
                joinedload(Enrolment.user), joinedload(Enrolment.angkatan).joinedload(Angkatan.program)
            )
        )
        .order_by(Angkatan.start_date.desc(), Project.title)
    )
    for word in (q or "").split()[:8]:
        like = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Project.title).like(like),
                func.lower(Project.unit).like(like),
                func.lower(Project.abstract).like(like),
                func.lower(Project.keywords).like(like),
            )
        )
    if program_id:
        stmt = stmt.where(Angkatan.program_id == program_id)
    if year:
        stmt = stmt.where(Angkatan.start_date >= date(year, 1, 1), Angkatan.start_date <= date(year, 12, 31))
    return stmt


def in_catalogue(project: Project) -> bool:
    """True when the project is a past project shown in the catalogue."""
    return db.session.scalar(catalogue().where(Project.id == project.id).limit(1)) is not None


# --- the daily digest of overdue items ---------------------------------------------------------


def send_overdue_digest(overdue_days: int = DEFAULT_OVERDUE_DAYS, now: datetime | None = None) -> int:
    """Notify each reviewer of the decisions they owe that waited ``overdue_days`` or more, and each
    participant of stages past their due date that are not submitted. Returns how many people."""
    now = now or utcnow()
    owed: dict[int, list[str]] = defaultdict(list)
    for sub, _role, user_id in _pending_assignments(
        _waiting_submissions(older_than=now - timedelta(days=overdue_days))
    ):
        owed[user_id].append(
            _(
                "- %(name)s: %(stage)s, menunggu %(days)s hari",
                name=sub.project.enrolment.user.full_name,
                stage=sub.stage.name,
                days=days_waiting(sub, now),
            )
        )
    late: dict[int, list[str]] = defaultdict(list)
    today = now.date()
    rows = db.session.execute(
        select(Enrolment.user_id, StageTemplate.name, StageDueDate.due_on, StageSubmission.state)
        .join(Angkatan, Angkatan.id == StageDueDate.angkatan_id)
        .join(StageTemplate, StageTemplate.id == StageDueDate.stage_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .join(Project, Project.enrolment_id == Enrolment.id)
        .outerjoin(
            StageSubmission,
            (StageSubmission.project_id == Project.id) & (StageSubmission.stage_id == StageTemplate.id),
        )
        .where(StageDueDate.due_on < today, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).all()
    for user_id, stage_name, due_on, state in rows:
        if state in (None, SubmissionState.DRAFT, SubmissionState.REVISION_REQUESTED):
            late[user_id].append(_("- %(stage)s, batas %(due)s", stage=stage_name, due=due_on.isoformat()))
    ids = set(owed) | set(late)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids or {0})))}
    for user_id in sorted(ids):
        lines = []
        if owed.get(user_id):
            lines.append(_("Pengajuan yang menunggu keputusan Anda lebih dari %(n)s hari:", n=overdue_days))
            lines += owed[user_id][:30]
        if late.get(user_id):
            lines.append(_("Tahap proyek yang melewati batas waktu:"))
            lines += late[user_id][:30]
        url = "/reviews/" if owed.get(user_id) else "/proyek/"
        notifications.notify(
            users[user_id], _("Ringkasan harian: tugas yang terlambat"), "\n".join(lines), url
        )
    return len(ids)
