"""Programs (PKN Tingkat II, PKA, PKP, Latsar CPNS, technical courses): create, change, list."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from lms.courses.models import Program, ProgramKind
from lms.courses.services._common import CourseError
from lms.errors import check_version
from lms.extensions import db


@dataclass
class ProgramData:
    """What an admin gives for a program."""

    code: str
    name: str
    kind: str = ProgramKind.TECHNICAL.value
    jp: int = 0
    description: str = ""
    project_label: str = ""


def _validate_program(data: ProgramData, existing: Program | None = None) -> None:
    code = (data.code or "").strip()
    if not code or not (data.name or "").strip():
        raise CourseError(_("Kode dan nama program wajib diisi."))
    if data.kind not in {k.value for k in ProgramKind}:
        raise CourseError(_("Jenis program tidak dikenal."))
    if (data.jp or 0) < 0:
        raise CourseError(_("JP tidak boleh negatif."))
    stmt = select(Program.id).where(func.lower(Program.code) == code.lower())
    if existing is not None:
        stmt = stmt.where(Program.id != existing.id)
    if db.session.scalar(stmt) is not None:
        raise CourseError(_("Kode program %(code)s sudah dipakai.", code=code))


def _apply_program(program: Program, data: ProgramData) -> None:
    program.code = data.code.strip()
    program.name = data.name.strip()
    program.kind = ProgramKind(data.kind)
    program.jp = int(data.jp or 0)
    program.description = (data.description or "").strip()
    program.project_label = (data.project_label or "").strip()


def create_program(data: ProgramData) -> Program:
    """Create a program (PKN Tingkat II, PKA, PKP, Latsar CPNS, a technical course...)."""
    _validate_program(data)
    program = Program()
    _apply_program(program, data)
    db.session.add(program)
    db.session.flush()
    return program


def update_program(program: Program, data: ProgramData, expected_version: int | None) -> None:
    """Change a program; a stale form is refused."""
    check_version(program.version, expected_version)
    _validate_program(data, program)
    _apply_program(program, data)
    db.session.flush()


def programs_query() -> Select:
    """Programs by name, for the paginated admin list."""
    return select(Program).order_by(Program.name, Program.id)


def all_programs() -> list[Program]:
    """Every program, by name (for select boxes and the program list)."""
    return list(db.session.scalars(select(Program).order_by(Program.name, Program.id)))
