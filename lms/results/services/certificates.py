"""Certificates: issue (one or a whole angkatan), render, store, revoke, reissue. Settings,
numbers and codes are in :mod:`lms.results.services.numbering`; lookups and lists in
:mod:`lms.results.queries.certificates`.

A certificate is rendered once, at issue, and stored through ``lms.storage``; later changes to a
name, a score or the settings never change it. Only a reissue renders a new one (with a new
number and code); the old one is marked replaced.

State machine (``TRANSITIONS`` in the models, moved only by :func:`_move`)::

    issued --revoke--> revoked
    issued --reissue--> replaced   (a new issued certificate replaces it)
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import storage, timezones
from lms.accounts import nip as nip_rules
from lms.accounts.models import User
from lms.courses.models import Angkatan, Course, CourseCompletion, Enrolment, EnrolmentStatus, Program
from lms.errors import WorkflowError, check_version
from lms.extensions import db
from lms.models_base import next_state, utcnow
from lms.results.models import (
    Certificate,
    CertificateKind,
    CertificateSettings,
    CertificateStatus,
    Outcome,
    ParticipantResult,
)
from lms.results.models.certificates import TRANSITIONS
from lms.results.pdf import CertificatePrint, render_certificate_pdf
from lms.results.services import audit
from lms.results.services.numbering import (
    CertificateError,
    SeqMark,
    certificate_settings,
    lock_scope,
    make_number,
    new_code,
    validate_number_format,
    verify_url_for,
)

PDF_MAX_BYTES = 5 * 1024 * 1024


# --- the state machine -----------------------------------------------------------------------


def _move(cert: Certificate, action: str) -> None:
    target = next_state(TRANSITIONS, cert.status, action)
    if target is None:
        raise WorkflowError(_("Sertifikat ini sudah tidak berlaku, sehingga tidak dapat diubah lagi."))
    cert.status = target


# --- rendering -------------------------------------------------------------------------------


def _local_today() -> date:
    return timezones.local_today()


def long_date(value: date | None) -> str:
    """``31 Desember 2025``: dates on certificates are always in Bahasa Indonesia."""
    return format_date(value, format="d MMMM y", locale="id") if value else "-"


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{long_date(start)} sampai dengan {long_date(end)}"
    return long_date(start or end)


def _birth(user: User) -> str:
    parts = [p for p in (user.birth_place, long_date(user.birth_date) if user.birth_date else None) if p]
    return ", ".join(parts) or "-"


def _store_pdf(data: CertificatePrint) -> storage.StoredFile:
    pdf = render_certificate_pdf(data)
    return storage.save(io.BytesIO(pdf), {"pdf"}, max_bytes=PDF_MAX_BYTES)


def _common_print(settings: CertificateSettings, issued_on: date, code: str, url: str) -> dict:
    place = settings.place or ""
    return {
        "institution": settings.institution_name,
        "place_date": f"{place}, {long_date(issued_on)}" if place else long_date(issued_on),
        "signatory_title": settings.signatory_title,
        "signatory_name": settings.signatory_name,
        "signatory_nip": settings.signatory_nip,
        "code": f"{code[:4]}-{code[4:]}",
        "verify_url": url,
        "verify_hint": "Pindai kode QR atau buka alamat berikut untuk memeriksa keaslian:",
    }


@dataclass
class _Draft:
    """A certificate about to be issued, before it is rendered."""

    kind: CertificateKind
    user: User
    title: str
    jp: int
    number_format: str
    number_values: dict
    statement: str
    facts: list[tuple[str, str]]
    heading: str
    enrolment_id: int | None = None
    course_completion_id: int | None = None
    angkatan: Angkatan | None = None
    program_id: int | None = None
    course_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    predicate: str | None = None
    replaces: Certificate | None = None
    reason: str | None = None


def _issue(draft: _Draft, settings: CertificateSettings, by: User | None, base_url: str) -> Certificate:
    issued_on = _local_today()
    values = {**draft.number_values, "year": issued_on.year, "month": issued_on.month}
    number = make_number(draft.number_format, values)
    code = new_code()
    url = verify_url_for(code, base_url)
    printed = CertificatePrint(
        heading=draft.heading,
        number=number,
        name=draft.user.full_name,
        statement=draft.statement,
        facts=draft.facts,
        **_common_print(settings, issued_on, code, url),
    )
    stored = _store_pdf(printed)
    cert = Certificate(
        kind=draft.kind,
        status=CertificateStatus.ISSUED,
        code=code,
        number=number,
        user_id=draft.user.id,
        enrolment_id=draft.enrolment_id,
        course_completion_id=draft.course_completion_id,
        angkatan_id=draft.angkatan.id if draft.angkatan else None,
        program_id=draft.program_id,
        course_id=draft.course_id,
        holder_name=draft.user.full_name,
        holder_nip=draft.user.nip,
        title=draft.title,
        angkatan_name=draft.angkatan.name if draft.angkatan else None,
        start_date=draft.start_date,
        end_date=draft.end_date,
        jp=draft.jp,
        predicate=draft.predicate,
        issued_on=issued_on,
        verify_url=url,
        pdf_key=stored.key,
        pdf_sha256=stored.sha256,
        pdf_size=stored.size,
        issued_by_id=by.id if by else None,
        replaces_id=draft.replaces.id if draft.replaces else None,
        reissue_reason=draft.reason,
    )
    try:
        with db.session.begin_nested():
            db.session.add(cert)
    except IntegrityError as exc:
        storage.delete(stored.key)
        raise CertificateError(
            _("Sertifikat untuk %(name)s sudah diterbitkan oleh proses lain.", name=draft.user.full_name)
        ) from exc
    audit.record(
        "certificate.reissue" if draft.replaces else "certificate.issue",
        by,
        "certificate",
        cert.id,
        angkatan_id=cert.angkatan_id,
        data={"number": number, "code": code, "replaces": draft.replaces.id if draft.replaces else None},
        reason=draft.reason or "",
    )
    return cert


# --- STTP (program angkatan) -----------------------------------------------------------------


def sttp_blocker(enrolment: Enrolment, result: ParticipantResult | None, has_active: bool) -> str | None:
    """Why this participant cannot receive an STTP now (None when they can)."""
    if enrolment.angkatan.program_id is None:
        return _("Angkatan ini menjalankan kursus, bukan program: terbitkan sertifikat penyelesaian.")
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return _("Peserta sudah mengundurkan diri.")
    if has_active:
        return _("Peserta sudah memiliki sertifikat yang sah.")
    if result is None or result.final_score is None:
        return _("Nilai akhir peserta belum lengkap.")
    if result.outcome is None or not Outcome(result.outcome).passing:
        return _("Peserta belum dinyatakan lulus.")
    return None


def _sttp_draft(enrolment: Enrolment, result: ParticipantResult, settings: CertificateSettings) -> _Draft:
    angkatan = enrolment.angkatan
    program: Program = angkatan.program
    user = enrolment.user
    predicate = result.predicate or "-"
    statement = (
        f"telah mengikuti {program.name} pada {angkatan.name} yang diselenggarakan oleh "
        f"{settings.institution_name} pada tanggal {_period(angkatan.start_date, angkatan.end_date)} "
        f"sebanyak {program.jp} jam pelajaran (JP) dengan predikat {predicate.upper()}."
    )
    return _Draft(
        kind=CertificateKind.STTP,
        user=user,
        title=program.name,
        jp=program.jp,
        number_format=settings.sttp_number_format,
        number_values={"program": program.code, "course": "", "angkatan": angkatan.id},
        statement=statement,
        facts=[
            ("NIP", nip_rules.pretty(user.nip) or "-"),
            ("Tempat, tanggal lahir", _birth(user)),
            ("Pangkat/golongan", user.pangkat_golongan or "-"),
            ("Jabatan", user.jabatan or "-"),
            ("Instansi", user.instansi.name if user.instansi else "-"),
        ],
        heading="SURAT TANDA TAMAT PELATIHAN",
        enrolment_id=enrolment.id,
        angkatan=angkatan,
        program_id=program.id,
        start_date=angkatan.start_date,
        end_date=angkatan.end_date,
        predicate=result.predicate,
    )


def _result(enrolment: Enrolment) -> ParticipantResult | None:
    return db.session.scalar(select(ParticipantResult).where(ParticipantResult.enrolment_id == enrolment.id))


def _active_for_enrolment(enrolment_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment_id, Certificate.status == CertificateStatus.ISSUED
        )
    )


def _sttp_scope_lock(angkatan: Angkatan, settings: CertificateSettings) -> None:
    """Take the numbering lock before checking for existing certificates, so that two admins
    issuing at once see each other's certificates instead of racing."""
    scope_values = {
        "program": angkatan.program.code,
        "course": "",
        "angkatan": angkatan.id,
        "year": _local_today().year,
        "month": _local_today().month,
    }
    validate_number_format(settings.sttp_number_format)
    lock_scope(settings.sttp_number_format.format(seq=SeqMark(), **scope_values))


def issue_sttp(enrolment: Enrolment, by: User | None, base_url: str) -> Certificate:
    """Issue the STTP of one passing participant."""
    settings = certificate_settings()
    if enrolment.angkatan.program_id is not None:
        _sttp_scope_lock(enrolment.angkatan, settings)
    result = _result(enrolment)
    reason = sttp_blocker(enrolment, result, _active_for_enrolment(enrolment.id) is not None)
    if reason:
        raise CertificateError(reason)
    return _issue(_sttp_draft(enrolment, result, settings), settings, by, base_url)


@dataclass
class IssueSummary:
    issued: list[Certificate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    remaining: int = 0  # eligible but left for the next run (over the limit)


def issue_for_angkatan(
    angkatan: Angkatan, by: User | None, base_url: str, limit: int | None = None
) -> IssueSummary:
    """Issue every certificate due in an angkatan: the STTP of each passing participant of a
    program, or the certificate of completion of each participant who completed the course.
    Participants who already hold a valid certificate are skipped (running it twice is safe).
    With ``limit``, at most that many are issued; ``remaining`` says how many are left, so a web
    request stays short for a very large angkatan (run it again for the rest)."""
    settings = certificate_settings()
    summary = IssueSummary()
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.angkatan_id == angkatan.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(selectinload(Enrolment.user).selectinload(User.instansi))
            .order_by(Enrolment.ndh, Enrolment.id)
        )
    )
    if angkatan.program_id is None:
        return _issue_completions_for(angkatan, enrolments, settings, by, base_url, summary, limit)
    _sttp_scope_lock(angkatan, settings)
    results = {
        r.enrolment_id: r
        for r in db.session.scalars(
            select(ParticipantResult).where(ParticipantResult.angkatan_id == angkatan.id)
        )
    }
    active = set(
        db.session.scalars(
            select(Certificate.enrolment_id).where(
                Certificate.angkatan_id == angkatan.id, Certificate.status == CertificateStatus.ISSUED
            )
        )
    )
    for enrolment in enrolments:
        result = results.get(enrolment.id)
        reason = sttp_blocker(enrolment, result, enrolment.id in active)
        if reason:
            summary.skipped.append((enrolment.user.full_name, reason))
        elif limit is not None and len(summary.issued) >= limit:
            summary.remaining += 1
        else:
            summary.issued.append(_issue(_sttp_draft(enrolment, result, settings), settings, by, base_url))
    return summary


# --- certificates of completion (self-paced courses) ------------------------------------------


def _completion_draft(
    completion: CourseCompletion, course: Course, user: User, angkatan: Angkatan | None, settings
) -> _Draft:
    completed_on = timezones.to_local(completion.completed_at, user.timezone).date()
    where = f" pada {angkatan.name}" if angkatan else ""
    statement = (
        f"telah menyelesaikan kursus daring {course.title}{where} yang diselenggarakan oleh "
        f"{settings.institution_name} pada tanggal {long_date(completed_on)} "
        f"sebanyak {course.jp} jam pelajaran (JP)."
    )
    return _Draft(
        kind=CertificateKind.COMPLETION,
        user=user,
        title=course.title,
        jp=course.jp,
        number_format=settings.completion_number_format,
        number_values={"program": "", "course": course.id, "angkatan": angkatan.id if angkatan else ""},
        statement=statement,
        facts=[
            ("NIP", nip_rules.pretty(user.nip) or "-"),
            ("Jabatan", user.jabatan or "-"),
            ("Instansi", user.instansi.name if user.instansi else "-"),
        ],
        heading="SERTIFIKAT PENYELESAIAN",
        course_completion_id=completion.id,
        angkatan=angkatan,
        course_id=course.id,
        start_date=angkatan.start_date if angkatan else None,
        end_date=completed_on,
    )


def completion_blocker(completion: CourseCompletion, course: Course, has_active: bool) -> str | None:
    """Why a completion cannot receive a certificate of completion now (None when it can)."""
    if course.program_id is not None:
        return _("Kursus ini bagian dari program: sertifikatnya adalah STTP program.")
    if has_active:
        return _("Sertifikat penyelesaian kursus ini sudah diterbitkan.")
    return None


def _angkatan_of_completion(user_id: int, course_id: int) -> Angkatan | None:
    return db.session.scalar(
        select(Angkatan)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(Enrolment.user_id == user_id, Angkatan.course_id == course_id)
        .order_by(Angkatan.start_date.desc(), Angkatan.id.desc())
        .limit(1)
    )


def _active_for_completion(completion_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.course_completion_id == completion_id, Certificate.status == CertificateStatus.ISSUED
        )
    )


def issue_completion_certificate(completion: CourseCompletion, by: User | None, base_url: str) -> Certificate:
    """Issue the certificate of completion of a self-paced course (no program)."""
    settings = certificate_settings()
    course = db.session.get(Course, completion.course_id)
    user = db.session.get(User, completion.user_id)
    reason = completion_blocker(completion, course, _active_for_completion(completion.id) is not None)
    if reason:
        raise CertificateError(reason)
    angkatan = _angkatan_of_completion(user.id, course.id)
    return _issue(_completion_draft(completion, course, user, angkatan, settings), settings, by, base_url)


def _issue_completions_for(
    angkatan, enrolments, settings, by, base_url, summary: IssueSummary, limit: int | None
) -> IssueSummary:
    course = db.session.get(Course, angkatan.course_id)
    user_ids = [e.user_id for e in enrolments]
    completions = {
        c.user_id: c
        for c in db.session.scalars(
            select(CourseCompletion).where(
                CourseCompletion.course_id == course.id, CourseCompletion.user_id.in_(user_ids)
            )
        )
    }
    active = set(
        db.session.scalars(
            select(Certificate.course_completion_id).where(
                Certificate.course_completion_id.in_([c.id for c in completions.values()]),
                Certificate.status == CertificateStatus.ISSUED,
            )
        )
    )
    for enrolment in enrolments:
        completion = completions.get(enrolment.user_id)
        if completion is None:
            summary.skipped.append((enrolment.user.full_name, _("Peserta belum menyelesaikan kursus.")))
            continue
        reason = completion_blocker(completion, course, completion.id in active)
        if reason:
            summary.skipped.append((enrolment.user.full_name, reason))
            continue
        if limit is not None and len(summary.issued) >= limit:
            summary.remaining += 1
            continue
        draft = _completion_draft(completion, course, enrolment.user, angkatan, settings)
        summary.issued.append(_issue(draft, settings, by, base_url))
    return summary


# --- revoke and reissue ----------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CertificateError(_("Tuliskan alasannya (sekurang-kurangnya 5 huruf)."))
    return reason


def revoke_certificate(
    cert: Certificate, by: User | None, reason: str, expected_version: int | None = None
) -> Certificate:
    """Revoke a valid certificate with a reason; the verify page then shows it as revoked."""
    reason = _require_reason(reason)
    check_version(cert.version, expected_version)
    _move(cert, "revoke")
    cert.revoked_at = utcnow()
    cert.revoked_by_id = by.id if by else None
    cert.revoke_reason = reason
    db.session.flush()
    audit.record(
        "certificate.revoke", by, "certificate", cert.id, angkatan_id=cert.angkatan_id, reason=reason
    )
    return cert


def reissue_certificate(
    cert: Certificate, by: User | None, reason: str, base_url: str, expected_version: int | None = None
) -> Certificate:
    """Replace a valid certificate by a new one rendered from today's data (for example after a
    corrected name), with a new number and code; the old one is marked replaced."""
    reason = _require_reason(reason)
    check_version(cert.version, expected_version)
    settings = certificate_settings()
    if cert.kind == CertificateKind.STTP:
        enrolment = db.session.get(Enrolment, cert.enrolment_id)
        _sttp_scope_lock(enrolment.angkatan, settings)
        result = _result(enrolment)
        _move(cert, "reissue")
        cert.replaced_at = utcnow()
        db.session.flush()
        blocker = sttp_blocker(enrolment, result, has_active=False)
        if blocker:
            raise CertificateError(blocker)
        draft = _sttp_draft(enrolment, result, settings)
    else:
        completion = db.session.get(CourseCompletion, cert.course_completion_id)
        course = db.session.get(Course, completion.course_id)
        user = db.session.get(User, completion.user_id)
        _move(cert, "reissue")
        cert.replaced_at = utcnow()
        db.session.flush()
        draft = _completion_draft(
            completion, course, user, _angkatan_of_completion(user.id, course.id), settings
        )
    draft.replaces = cert
    draft.reason = reason
    return _issue(draft, settings, by, base_url)
