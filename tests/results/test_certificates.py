"""Certificates: issuing (one, a whole angkatan, completions), numbering, the stored PDF (its
text and its QR code read back from the rendered page), revoke and reissue."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from lms import storage
from lms.audit import AuditEntry
from lms.courses.models import Course
from lms.errors import WorkflowError
from lms.extensions import db
from lms.results import services
from lms.results.models import Certificate, CertificateKind, CertificateStatus, Outcome
from tests.factories import (
    admin_user,
    enrol_in_results,
    make_instansi,
    make_results_angkatan,
    make_results_completion,
    make_results_course,
    make_results_program,
    make_results_scheme,
    make_user,
    passing_participant,
)

BASE = "https://pelita.example.go.id"


def pdf_text(cert: Certificate) -> str:
    data = storage.path_of(cert.pdf_key).read_bytes()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def decode_rendered_qr(cert: Certificate) -> list[str]:
    """Render the stored PDF's page to an image (PDFium) and decode what a phone camera would see."""
    pdf = pypdfium2.PdfDocument(storage.path_of(cert.pdf_key).read_bytes())
    try:
        image = pdf[0].render(scale=2).to_pil()
    finally:
        pdf.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def cohort(app):
    program = make_results_program(code="PKP", name="Pelatihan Kepemimpinan Pengawas", jp=830)
    make_results_scheme(program)
    angkatan = make_results_angkatan(
        program, start=date(2026, 1, 12), end=date(2026, 5, 13), name="PKP Angkatan IX Tahun 2026"
    )
    return program, angkatan


def test_sttp_pdf_holds_the_data_and_its_rendered_qr_code_decodes_to_the_verify_url(cohort):
    _program, angkatan = cohort
    inst = make_instansi("Pemerintah Provinsi Kalimantan Tengah")
    user = make_user(
        commit=False,
        full_name="Dewi Lestari, S.E., M.M.",
        nip="199003152014032002",
        birth_place="Palangka Raya",
        birth_date=date(1990, 3, 15),
        pangkat_golongan="Penata (III/c)",
        jabatan="Kepala Subbidang Anggaran",
        instansi_id=inst.id,
    )
    enrolment = passing_participant(angkatan, 92.5, user=user)
    cert = services.issue_sttp(enrolment, admin_user(), BASE)
    year = cert.issued_on.year
    assert cert.number == f"0001/STTP/PKP/{year}"
    assert cert.kind == CertificateKind.STTP and cert.status == CertificateStatus.ISSUED
    assert len(cert.code) == 8 and cert.verify_url == f"{BASE}/verify/{cert.code}"

    text = pdf_text(cert)
    for expected in (
        "Dewi Lestari, S.E., M.M.",
        cert.number,
        "SANGAT MEMUASKAN",
        "19900315 201403 2 002",
        "Palangka Raya, 15 Maret 1990",
        "Penata (III/c)",
        "Kepala Subbidang Anggaran",
        "Pemerintah Provinsi Kalimantan Tengah",
        "PKP Angkatan IX Tahun 2026",
        "830",
        cert.display_code,
    ):
        assert expected in text, expected
    assert decode_rendered_qr(cert) == [cert.verify_url]


def test_numbers_follow_the_configured_format_and_count_per_scope(cohort):
    program, angkatan = cohort
    services.save_certificate_settings(
        institution_name="BPSDM Uji",
        place="Palangka Raya",
        signatory_name="Kepala",
        signatory_title="Kepala BPSDM",
        signatory_nip="",
        sttp_number_format="STTP-{program}-{angkatan}-{seq:03d}/{year}",
        completion_number_format="{seq:05d}/SP/{year}",
        by=None,
    )
    first = services.issue_sttp(passing_participant(angkatan), None, BASE)
    second = services.issue_sttp(passing_participant(angkatan), None, BASE)
    other = make_results_angkatan(program, start=date(2026, 2, 1), end=date(2026, 6, 1))
    third = services.issue_sttp(passing_participant(other), None, BASE)
    y = first.issued_on.year
    assert (first.number, second.number) == (
        f"STTP-PKP-{angkatan.id}-001/{y}",
        f"STTP-PKP-{angkatan.id}-002/{y}",
    )
    assert third.number == f"STTP-PKP-{other.id}-001/{y}"  # another angkatan: its own sequence
    assert "BPSDM Uji" in pdf_text(first)


@pytest.mark.parametrize("fmt", ["STTP/{year}", "{seq}/{unknown}", "{seq:04d}/{program", "{seq:x.y}"])
def test_bad_number_formats_are_refused(app, fmt):
    with pytest.raises(services.CertificateError):
        services.validate_number_format(fmt)


def test_only_passing_participants_with_a_final_score_get_an_sttp(cohort):
    _program, angkatan = cohort
    no_outcome = enrol_in_results(angkatan)
    services.save_manual_scores(angkatan, "kehadiran", {no_outcome.id: 88}, None)
    failed = enrol_in_results(angkatan)
    services.save_manual_scores(angkatan, "kehadiran", {failed.id: 40}, None)
    services.set_outcome(failed, Outcome.TIDAK_LULUS, "", None)
    no_score = enrol_in_results(angkatan)
    services.set_outcome(no_score, Outcome.LULUS, "", None)
    for enrolment in (no_outcome, failed, no_score):
        with pytest.raises(services.CertificateError):
            services.issue_sttp(enrolment, None, BASE)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_issue_for_a_whole_angkatan_skips_the_others_and_is_safe_to_repeat(cohort):
    _program, angkatan = cohort
    passed = [passing_participant(angkatan, 85), passing_participant(angkatan, 95)]
    enrol_in_results(angkatan)  # no score, no outcome
    summary = services.issue_for_angkatan(angkatan, None, BASE)
    assert len(summary.issued) == 2 and len(summary.skipped) == 1
    assert {c.enrolment_id for c in summary.issued} == {e.id for e in passed}
    assert {c.predicate for c in summary.issued} == {"Memuaskan", "Sangat Memuaskan"}
    again = services.issue_for_angkatan(angkatan, None, BASE)
    assert again.issued == [] and len(again.skipped) == 3
    assert db.session.scalar(select(func.count(Certificate.id))) == 2


def test_the_stored_certificate_does_not_change_when_data_change(cohort):
    _program, angkatan = cohort
    enrolment = passing_participant(angkatan, 91, full_name="Nama Lama")
    cert = services.issue_sttp(enrolment, None, BASE)
    before = storage.path_of(cert.pdf_key).read_bytes()
    enrolment.user.full_name = "Nama Baru"
    services.save_manual_scores(angkatan, "kehadiran", {enrolment.id: 75}, None)  # predicate changes
    db.session.flush()
    assert storage.path_of(cert.pdf_key).read_bytes() == before
    assert cert.holder_name == "Nama Lama" and cert.predicate == "Sangat Memuaskan"
    row = next(r for r in services.results_table(angkatan).rows if r.enrolment.id == enrolment.id)
    assert row.outdated_certificate  # the admin sees a reissue may be due


def test_revoke_then_no_more_transitions(cohort):
    _program, angkatan = cohort
    admin = admin_user()
    cert = services.issue_sttp(passing_participant(angkatan), admin, BASE)
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(cert, admin, "")  # a reason is required
    services.revoke_certificate(cert, admin, "Data peserta tidak sah", expected_version=cert.version)
    assert cert.status == CertificateStatus.REVOKED and cert.revoked_at and cert.revoke_reason
    with pytest.raises(WorkflowError):
        services.revoke_certificate(cert, admin, "Sekali lagi")
    with pytest.raises(WorkflowError):
        services.reissue_certificate(cert, admin, "Perbaikan nama", BASE)
    logged = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == cert.id)).all()
    assert "certificate.revoke" in logged


def test_reissue_makes_a_new_certificate_and_marks_the_old_replaced(cohort):
    _program, angkatan = cohort
    enrolment = passing_participant(angkatan, full_name="Dewi Lestar")
    old = services.issue_sttp(enrolment, None, BASE)
    old_pdf = storage.path_of(old.pdf_key).read_bytes()
    enrolment.user.full_name = "Dewi Lestari"
    new = services.reissue_certificate(old, None, "Perbaikan penulisan nama", BASE)
    assert old.status == CertificateStatus.REPLACED and old.replaced_at is not None
    assert new.status == CertificateStatus.ISSUED and new.replaces_id == old.id
    assert new.number != old.number and new.code != old.code
    assert services.replacement_of(old).id == new.id
    assert "Dewi Lestari" in pdf_text(new) and storage.path_of(old.pdf_key).read_bytes() == old_pdf
    # a participant with a valid certificate cannot be failed without revoking it first
    with pytest.raises(WorkflowError):
        services.set_outcome(enrolment, Outcome.TIDAK_LULUS, "", None)


def test_transition_table_is_the_only_way(app):
    assert services.TRANSITIONS == {
        (CertificateStatus.ISSUED, "revoke"): CertificateStatus.REVOKED,
        (CertificateStatus.ISSUED, "reissue"): CertificateStatus.REPLACED,
    }


def test_completion_certificate_for_a_self_paced_course(app):
    course = make_results_course(jp=12, title="Pelayanan Publik Prima")
    user = make_user(commit=False, full_name="Andi Pratama")
    completion = make_results_completion(user, course)
    cert = services.issue_completion_certificate(completion, None, BASE)
    assert cert.kind == CertificateKind.COMPLETION and cert.jp == 12 and cert.predicate is None
    assert cert.number.endswith(f"/SP/{cert.issued_on.year}") and cert.number.startswith("00001")
    text = pdf_text(cert)
    assert "SERTIFIKAT PENYELESAIAN" in text and "Andi Pratama" in text and "Pelayanan Publik Prima" in text
    assert decode_rendered_qr(cert) == [cert.verify_url]
    with pytest.raises(services.CertificateError):
        services.issue_completion_certificate(completion, None, BASE)  # once
    assert services.completions_without_certificate(user) == []
    program_course = make_results_course(program=make_results_program())
    with pytest.raises(services.CertificateError):
        services.issue_completion_certificate(make_results_completion(user, program_course), None, BASE)


def test_course_angkatan_issues_certificates_of_completion(app):
    course = make_results_course()
    angkatan = make_results_angkatan(program=None, course=course)
    done = enrol_in_results(angkatan)
    make_results_completion(done.user, course)
    enrol_in_results(angkatan)  # not finished
    summary = services.issue_for_angkatan(angkatan, None, BASE)
    assert [c.user_id for c in summary.issued] == [done.user_id] and len(summary.skipped) == 1
    assert summary.issued[0].angkatan_name == angkatan.name
    assert db.session.get(Course, course.id).program_id is None


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{dashed}", " {dashed} "])
def test_codes_are_found_however_they_are_typed(cohort, typed):
    _program, angkatan = cohort
    cert = services.issue_sttp(passing_participant(angkatan), None, BASE)
    raw = typed.format(code=cert.code, lower=cert.code.lower(), dashed=cert.display_code)
    assert services.find_by_code(raw).id == cert.id
    assert services.find_by_code("ZZZZ-ZZZZ") is None and services.find_by_code("abc") is None


def test_issuing_a_large_angkatan_goes_in_batches(cohort):
    _program, angkatan = cohort
    for score in (81, 82, 83):
        passing_participant(angkatan, score)
    first = services.issue_for_angkatan(angkatan, None, BASE, limit=2)
    assert (len(first.issued), first.remaining) == (2, 1)
    second = services.issue_for_angkatan(angkatan, None, BASE, limit=2)
    assert (len(second.issued), second.remaining) == (1, 0)
    assert db.session.scalar(select(func.count(Certificate.id))) == 3
