"""Factories for the projects and notifications features.

Programs, angkatan and enrolments are created directly with the courses models (named
``make_project_*`` so they never clash with the courses factories)."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from lms.courses.models import Angkatan, Enrolment, Program, ProgramKind
from lms.extensions import db
from lms.models_base import utcnow
from lms.projects import services
from lms.projects.demo import demo_pdf
from lms.projects.models import (
    Project,
    SeminarExaminer,
    SeminarSession,
    SeminarSlot,
    StageSubmission,
    StageTemplate,
)
from tests.factories.accounts import make_user

__all__ = [
    "HTML_AS_PDF",
    "PDF_BYTES",
    "PNG_BYTES",
    "ProjectWorld",
    "make_project",
    "make_project_angkatan",
    "make_project_enrolment",
    "make_project_program",
    "make_seminar_session",
    "pdf_upload",
    "project_world",
    "submit_stage_as_owner",
]

_seq = itertools.count(1)

PDF_BYTES = demo_pdf("Dokumen uji Pelita")
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
HTML_AS_PDF = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf_upload(name: str = "rancangan.pdf", data: bytes = PDF_BYTES) -> services.Upload:
    return services.Upload(io.BytesIO(data), name)


def make_project_program(
    code: str | None = None, label: str = "proyek perubahan", stages: bool = True
) -> Program:
    """A leadership program with the default stage template (when ``stages``)."""
    n = next(_seq)
    program = Program(
        code=code or f"PRG{n}", name=f"Program Uji {n}", kind=ProgramKind.LEADERSHIP, project_label=label
    )
    db.session.add(program)
    db.session.flush()
    if stages and label:
        services.install_default_stages(program)
    return program


def make_project_angkatan(program: Program, name: str | None = None, **fields) -> Angkatan:
    fields.setdefault("start_date", date.today() - timedelta(days=30))
    fields.setdefault("end_date", date.today() + timedelta(days=60))
    angkatan = Angkatan(name=name or f"Angkatan Uji {next(_seq)}", program_id=program.id, **fields)
    db.session.add(angkatan)
    db.session.flush()
    return angkatan


def make_project_enrolment(angkatan: Angkatan, user=None, mentor=None, coach=None, ndh=None) -> Enrolment:
    enrolment = Enrolment(
        angkatan_id=angkatan.id,
        user_id=(user or make_user(commit=False)).id,
        ndh=ndh,
        mentor_id=mentor.id if mentor else None,
        coach_id=coach.id if coach else None,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_project(enrolment: Enrolment, title: str = "Proyek Uji", **fields) -> Project:
    project = Project(enrolment_id=enrolment.id, title=title, **fields)
    db.session.add(project)
    db.session.flush()
    return project


def make_seminar_session(
    angkatan: Angkatan, stage: StageTemplate, examiners=(), enrolments=()
) -> SeminarSession:
    session = SeminarSession(
        angkatan_id=angkatan.id, stage_id=stage.id, title=f"Sesi {stage.name}", starts_at=utcnow()
    )
    for user in examiners:
        session.examiners.append(SeminarExaminer(user_id=user.id))
    for i, enrolment in enumerate(enrolments, start=1):
        session.slots.append(SeminarSlot(enrolment_id=enrolment.id, position=i, starts_at=utcnow()))
    db.session.add(session)
    db.session.flush()
    return session


@dataclass
class ProjectWorld:
    """Everyone the permission rules care about, around one project."""

    admin: object
    participant: object
    other_participant: object
    mentor: object
    other_mentor: object
    coach: object
    penguji: object  # not assigned to any session
    program: Program
    angkatan: Angkatan
    enrolment: Enrolment
    other_enrolment: Enrolment
    project: Project
    other_project: Project
    stages: list[StageTemplate]


def project_world() -> ProjectWorld:
    """A program with the default stages, an angkatan, two participants with projects, the first
    with mentor and coach assigned; plus another mentor and an unassigned penguji. Committed."""
    admin = make_user(roles=("admin",), commit=False, email=f"admin{next(_seq)}@pelita.test")
    participant = make_user(commit=False, email=f"peserta{next(_seq)}@pelita.test")
    other_participant = make_user(commit=False)
    mentor = make_user(roles=("mentor",), commit=False, email=f"mentor{next(_seq)}@pelita.test")
    other_mentor = make_user(roles=("mentor",), commit=False)
    coach = make_user(roles=("coach",), commit=False, email=f"coach{next(_seq)}@pelita.test")
    penguji = make_user(roles=("penguji",), commit=False)
    program = make_project_program()
    angkatan = make_project_angkatan(program)
    enrolment = make_project_enrolment(angkatan, participant, mentor=mentor, coach=coach, ndh=1)
    other_enrolment = make_project_enrolment(angkatan, other_participant, mentor=other_mentor, ndh=2)
    project = make_project(enrolment, "Digitalisasi Layanan Perizinan", unit="DPMPTSP", keywords="perizinan")
    other_project = make_project(other_enrolment, "Proyek Peserta Lain")
    stages = services.program_stages(program)
    db.session.commit()
    return ProjectWorld(
        admin,
        participant,
        other_participant,
        mentor,
        other_mentor,
        coach,
        penguji,
        program,
        angkatan,
        enrolment,
        other_enrolment,
        project,
        other_project,
        stages,
    )


def submit_stage_as_owner(
    world: ProjectWorld, stage_index: int = 0, body: str = "Uraian rancangan"
) -> StageSubmission:
    """The participant saves a draft with a PDF and submits it. Committed."""
    stage = world.stages[stage_index]
    sub = services.submission_for(world.project, stage, create=True)
    services.save_draft(sub, body, [pdf_upload()], world.participant)
    services.submit_stage(sub, world.participant)
    db.session.commit()
    return sub
