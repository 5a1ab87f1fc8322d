"""Demo data for `flask seed-demo`: peserta1's project with a submitted Rancangan waiting in the
queues of `mentor` and `coach`. Idempotent; works with or without the courses demo (it looks up
the PKP program and "PKP Angkatan IX Tahun 2026" first and creates them only when missing)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, Program, ProgramKind
from lms.extensions import db
from lms.projects import services
from lms.projects.models import SubmissionState

PROGRAM_CODE = "PKP"
ANGKATAN_NAME = "PKP Angkatan IX Tahun 2026"
PROJECT_TITLE = "Digitalisasi Layanan Rekomendasi Teknis Jalan Kabupaten"


def demo_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing ``text`` (ASCII)."""
    safe = (
        text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    )
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _program() -> Program:
    program = db.session.scalar(select(Program).where(Program.code == PROGRAM_CODE))
    if program is None:
        program = Program(
            code=PROGRAM_CODE,
            name="Pelatihan Kepemimpinan Pengawas",
            kind=ProgramKind.LEADERSHIP,
            jp=830,
            project_label="aksi perubahan",
        )
        db.session.add(program)
        db.session.flush()
    elif not program.project_label:
        program.project_label = "aksi perubahan"
    return program


def _angkatan(program: Program) -> Angkatan:
    angkatan = db.session.scalar(select(Angkatan).where(Angkatan.name == ANGKATAN_NAME))
    if angkatan is None:
        angkatan = Angkatan(
            name=ANGKATAN_NAME,
            program_id=program.id,
            start_date=date(2026, 7, 1),
            end_date=date(2026, 12, 15),
        )
        db.session.add(angkatan)
        db.session.flush()
    return angkatan


def _enrol(angkatan: Angkatan, user: User, ndh: int, mentor: User | None, coach: User | None) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.angkatan_id == angkatan.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        enrolment = Enrolment(angkatan_id=angkatan.id, user_id=user.id, ndh=ndh)
        db.session.add(enrolment)
    if enrolment.mentor_id is None and mentor is not None:
        enrolment.mentor_id = mentor.id
    if enrolment.coach_id is None and coach is not None:
        enrolment.coach_id = coach.id
    db.session.flush()
    return enrolment


def seed(submit_rancangan: bool = True) -> None:
    """Give peserta1 a project whose Rancangan waits for the mentor and the coach (with
    ``submit_rancangan=False`` the project is there but nothing is submitted yet)."""
    peserta1, peserta2 = _user("peserta1"), _user("peserta2")
    mentor, coach = _user("mentor"), _user("coach")
    if peserta1 is None or mentor is None or coach is None:
        return  # the accounts demo did not run
    program = _program()
    stages = services.install_default_stages(program)
    angkatan = _angkatan(program)
    enrolment = _enrol(angkatan, peserta1, 1, mentor, coach)
    if peserta2 is not None:
        _enrol(angkatan, peserta2, 2, mentor, coach)
    if not services.due_dates(angkatan):
        # Due dates from today, so the demo shows a cycle under way rather than all overdue.
        today = datetime.now(UTC).date()
        offsets = [7, 21, 60, 80, 90]
        services.set_due_dates(
            angkatan,
            {s.id: today + timedelta(days=d) for s, d in zip(stages, offsets, strict=False)},
            by=_user("admin") or peserta1,
        )
    project = services.project_of(enrolment)
    if project is None:
        project = services.start_project(
            enrolment,
            services.ProjectData(
                title=PROJECT_TITLE,
                problem_statement="Permohonan rekomendasi teknis jalan masih diajukan di atas kertas dan "
                "memakan waktu rata-rata 14 hari kerja.",
                unit="Bidang Bina Marga, Dinas Pekerjaan Umum",
                abstract="Aksi perubahan ini membangun layanan permohonan rekomendasi teknis secara daring "
                "dengan pelacakan status, sehingga waktu layanan turun menjadi 5 hari kerja.",
                keywords="pelayanan publik, digitalisasi, jalan kabupaten",
            ),
            by=peserta1,
        )
    if not submit_rancangan:
        return
    rancangan = stages[0]
    submission = services.submission_for(project, rancangan, create=True)
    if submission.state == SubmissionState.DRAFT and submission.current_version_no == 0:
        services.save_draft(
            submission,
            "## Rancangan aksi perubahan\n\nLatar belakang, tujuan, inovasi, pemangku kepentingan, dan "
            "milestone jangka pendek, menengah, dan panjang terlampir.",
            [
                services.Upload(
                    io.BytesIO(demo_pdf("Rancangan aksi perubahan - Andi Pratama")), "rancangan.pdf"
                )
            ],
            by=peserta1,
        )
        services.submit_stage(submission, by=peserta1)
