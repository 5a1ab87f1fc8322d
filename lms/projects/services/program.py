"""Program data the admins keep: the stage template, rubrics, attitude criteria and the due
dates of each stage per angkatan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.courses.models import Angkatan, Program
from lms.errors import DomainError, ImportRejected, LineError, check_version, stale_guard
from lms.extensions import db
from lms.projects.models import AttitudeCriterion, RubricCriterion, StageDueDate, StageTemplate
from lms.projects.services.auditlog import audit

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
    check_version(stage.version, expected_version)
    old = _stage_summary(stage)
    _apply_stage(stage, data)
    with stale_guard():
        db.session.flush()
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
