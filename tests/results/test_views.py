"""Results pages through the client: admin flows, the public verify page (valid, revoked, and
nothing private), "JP Saya", external training, certificates of the holder, access rules."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import ExternalStatus, ExternalTraining, JpRecord, JpSource
from lms.models_base import utcnow
from lms.results import services
from lms.results.models import (
    AssessmentScheme,
    Certificate,
    CertificateStatus,
    ManualScore,
    Outcome,
)
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
    tiny_pdf,
)

BASE = "http://localhost"


@pytest.fixture
def cohort(app):
    program = make_results_program(code="PKA", name="Pelatihan Kepemimpinan Administrator")
    make_results_scheme(program)
    angkatan = make_results_angkatan(program, name="PKA Angkatan III Tahun 2026")
    db.session.commit()
    return program, angkatan


# --- the public verify page ------------------------------------------------------------------


def _holder():
    return make_user(
        commit=False,
        full_name="Dewi Lestari, S.E., M.M.",
        nip="199003152014032002",
        email="dewi.lestari@pemprov.example",
        birth_place="Sampit",
        birth_date=date(1990, 3, 15),
        jabatan="Kepala Subbidang Anggaran",
        pangkat_golongan="Penata (III/c)",
        instansi_id=make_instansi("Pemerintah Provinsi Uji").id,
    )


def test_verify_page_shows_a_valid_certificate_and_nothing_private(cohort, client):
    _program, angkatan = cohort
    cert = services.issue_sttp(passing_participant(angkatan, 93, user=_holder()), None, BASE)
    db.session.commit()
    response = client.get(f"/verify/{cert.code}")  # not logged in
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (
        "SAH",
        "Dewi Lestari, S.E., M.M.",
        "199003********2002",
        "Pelatihan Kepemimpinan Administrator",
        "PKA Angkatan III Tahun 2026",
        "830",
        "Sangat Memuaskan",
        cert.display_code,
    ):
        assert shown in html, shown
    for private in (
        "199003152014032002",
        "19900315 201403 2 002",
        "dewi.lestari",
        "Sampit",
        "15 Maret 1990",
        "1990-03-15",
        "Kepala Subbidang Anggaran",
        "Penata (III/c)",
        "Pemerintah Provinsi Uji",
        cert.pdf_key,
        "/unduh",
    ):
        assert private not in html, private
    assert 'name="robots" content="noindex"' in html


def test_verify_page_shows_revoked_and_replaced_as_not_valid(cohort, client):
    _program, angkatan = cohort
    revoked = services.issue_sttp(passing_participant(angkatan), None, BASE)
    services.revoke_certificate(revoked, None, "Dokumen persyaratan palsu")
    replaced = services.issue_sttp(passing_participant(angkatan), None, BASE)
    services.reissue_certificate(replaced, None, "Perbaikan nama", BASE)
    db.session.commit()
    html = client.get(f"/verify/{revoked.code}").get_data(as_text=True)
    assert "DICABUT" in html and "SAH:" not in html
    assert "Dokumen persyaratan palsu" not in html  # the reason stays internal
    html = client.get(f"/verify/{replaced.code}").get_data(as_text=True)
    assert "TIDAK BERLAKU" in html and "SAH:" not in html


def test_verify_form_finds_typed_codes_and_explains_unknown_ones(cohort, client):
    _program, angkatan = cohort
    cert = services.issue_sttp(passing_participant(angkatan), None, BASE)
    db.session.commit()
    assert client.get("/verify").status_code == 200
    typed = client.get("/verify", query_string={"kode": cert.display_code.lower()})
    assert typed.status_code == 302 and typed.location.endswith(f"/verify/{cert.code}")
    bad = client.get("/verify", query_string={"kode": "abc"})
    assert bad.status_code == 400 and "8 huruf" in bad.get_data(as_text=True)
    missing = client.get("/verify/ZZZZZZZZ")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.get_data(as_text=True)


# --- admin: results --------------------------------------------------------------------------


def test_admin_pages_are_404_for_everyone_else(cohort, client, login_as):
    _program, angkatan = cohort
    e = enrol_in_results(angkatan)
    db.session.commit()
    login_as(make_user())
    for url in (
        "/admin/hasil/",
        "/admin/hasil/skema",
        f"/admin/hasil/angkatan/{angkatan.id}",
        f"/admin/hasil/angkatan/{angkatan.id}/hasil.csv",
        f"/admin/hasil/peserta/{e.id}/keputusan",
        "/admin/hasil/sertifikat",
        "/admin/hasil/jp-eksternal",
        f"/admin/hasil/angkatan/{angkatan.id}/dasbor",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/hasil/angkatan/{angkatan.id}/terbitkan").status_code == 404


def test_results_table_exports_csv_and_xlsx(cohort, client, login_as):
    _program, angkatan = cohort
    passing_participant(angkatan, 92.25, full_name="=HYPERLINK(evil)")
    db.session.commit()
    login_as(admin_user())
    page = client.get(f"/admin/hasil/angkatan/{angkatan.id}")
    assert page.status_code == 200 and "92,25" in page.get_data(as_text=True)
    csv_text = client.get(f"/admin/hasil/angkatan/{angkatan.id}/hasil.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffPeringkat,NDH,Nama,NIP,Kehadiran (100%),Nilai akhir,Predikat")
    assert "'=HYPERLINK(evil)" in csv_text  # no formula injection
    xlsx = client.get(f"/admin/hasil/angkatan/{angkatan.id}/hasil.xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5] == "Nilai akhir" and rows[1][5] == 92.25 and rows[1][6] == "Sangat Memuaskan"


def test_manual_scores_form_keeps_bad_input_and_saves_good_input(cohort, client, login_as):
    _program, angkatan = cohort
    a, b = enrol_in_results(angkatan), enrol_in_results(angkatan)
    db.session.commit()
    login_as(admin_user())
    url = f"/admin/hasil/angkatan/{angkatan.id}/nilai/kehadiran"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={f"score-{a.id}": "88,5", f"score-{b.id}": "seratus"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'value="seratus"' in html and 'value="88,5"' in html and "tidak ada yang disimpan" in html
    assert db.session.scalar(select(func.count(ManualScore.id))) == 0
    good = client.post(url, data={f"score-{a.id}": "88,5", f"score-{b.id}": "70"})
    assert good.status_code == 302
    assert services.results_table(angkatan).rows[0].final == 88.5
    assert client.get(f"/admin/hasil/angkatan/{angkatan.id}/nilai/tidak-ada").status_code == 404


def test_outcome_form_sets_and_logs(cohort, client, login_as):
    _program, angkatan = cohort
    e = enrol_in_results(angkatan)
    db.session.commit()
    login_as(admin_user())
    url = f"/admin/hasil/peserta/{e.id}/keputusan"
    assert client.get(url).status_code == 200
    response = client.post(
        url, data={"outcome": "lulus_dengan_perbaikan", "note": "Perbaiki bab 3", "version": "0"}
    )
    assert response.status_code == 302
    assert services.result_of(e).outcome == Outcome.LULUS_PERBAIKAN
    stale = client.post(url, data={"outcome": "ditunda", "note": "", "version": "0"})
    assert stale.status_code == 400 and "sudah diubah orang lain" in stale.get_data(as_text=True)
    history = client.get(url).get_data(as_text=True)
    assert "Perbaiki bab 3" in history and "Keputusan kelulusan" in history


def test_scheme_form_refuses_bad_weights_and_keeps_input(cohort, client, login_as):
    program, _angkatan = cohort
    login_as(admin_user())
    assert client.get("/admin/hasil/skema/baru").status_code == 200
    data = {
        "program_id": program.id,
        "name": "Skema 2027",
        "effective_from": "2027-01-01",
        "components-0-key": "akademik",
        "components-0-label": "Akademik",
        "components-0-weight": "30",
        "components-1-key": "proyek",
        "components-1-label": "Proyek perubahan",
        "components-1-weight": "60",
        "bands-0-label": "Sangat Memuaskan",
        "bands-0-above": "90",
        "bands-1-label": "Tidak Memuaskan",
    }
    bad = client.post("/admin/hasil/skema/baru", data=data)
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Jumlah bobot harus 100" in html and 'value="Proyek perubahan"' in html
    data["components-1-weight"] = "70"
    assert client.post("/admin/hasil/skema/baru", data=data).status_code == 302
    scheme = db.session.scalar(select(AssessmentScheme).where(AssessmentScheme.name == "Skema 2027"))
    assert [(c.key, c.weight) for c in scheme.components] == [("akademik", 30.0), ("proyek", 70.0)]
    assert [(b.label, b.above) for b in scheme.bands] == [
        ("Sangat Memuaskan", 90.0),
        ("Tidak Memuaskan", None),
    ]
    assert client.get(f"/admin/hasil/skema/{scheme.id}").status_code == 200


def test_issue_angkatan_certificates_then_revoke_and_reissue(cohort, client, login_as):
    _program, angkatan = cohort
    admin = admin_user()
    e = passing_participant(angkatan, 84)
    enrol_in_results(angkatan)
    db.session.commit()
    login_as(admin)
    url = f"/admin/hasil/angkatan/{angkatan.id}/terbitkan"
    assert "Terbitkan" in client.get(url).get_data(as_text=True)
    done = client.post(url)
    assert done.status_code == 200
    cert = db.session.scalar(select(Certificate))
    assert cert.enrolment_id == e.id and cert.number in done.get_data(as_text=True)
    assert cert.verify_url == f"http://localhost/verify/{cert.code}"  # the request host
    assert client.post(f"/admin/hasil/peserta/{e.id}/terbitkan").status_code == 302  # already has one
    assert db.session.scalar(select(func.count(Certificate.id))) == 1

    detail = client.get(f"/admin/hasil/sertifikat/{cert.id}")
    assert detail.status_code == 200 and "Sertifikat diterbitkan" in detail.get_data(as_text=True)
    no_reason = client.post(
        f"/admin/hasil/sertifikat/{cert.id}/terbitkan-ulang", data={"reason": "", "version": "1"}
    )
    assert no_reason.status_code == 400
    again = client.post(
        f"/admin/hasil/sertifikat/{cert.id}/terbitkan-ulang",
        data={"reason": "Perbaikan gelar", "version": "1"},
    )
    assert again.status_code == 302
    new = db.session.scalar(select(Certificate).where(Certificate.status == CertificateStatus.ISSUED))
    revoke = client.post(
        f"/admin/hasil/sertifikat/{new.id}/cabut", data={"reason": "Dibatalkan", "version": "1"}
    )
    assert revoke.status_code == 302
    db.session.expire_all()
    assert [c.status for c in db.session.scalars(select(Certificate).order_by(Certificate.id))] == [
        CertificateStatus.REPLACED,
        CertificateStatus.REVOKED,
    ]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"certificate.issue", "certificate.reissue", "certificate.revoke"} <= actions
    listing = client.get("/admin/hasil/sertifikat", query_string={"q": new.display_code})
    assert new.number in listing.get_data(as_text=True)


def test_pdf_download_for_the_holder_and_admins_only(cohort, client, login_as):
    _program, angkatan = cohort
    e = passing_participant(angkatan)
    cert = services.issue_sttp(e, None, BASE)
    db.session.commit()
    url = f"/sertifikat/{cert.id}/unduh"
    assert client.get(url).status_code == 302  # login first
    login_as(make_user())
    assert client.get(url).status_code == 404
    login_as(e.user)
    response = client.get(url)
    assert (
        response.status_code == 200
        and response.mimetype == "application/pdf"
        and response.data[:5] == b"%PDF-"
    )
    mine = client.get("/sertifikat-saya").get_data(as_text=True)
    assert cert.number in mine and cert.display_code in mine


def test_learner_makes_the_certificate_of_a_completed_course(app, client, login_as):
    learner = make_user()
    course = make_results_course(title="Etika ASN")
    completion = make_results_completion(learner, course)
    db.session.commit()
    login_as(learner)
    page = client.get("/sertifikat-saya").get_data(as_text=True)
    assert "Etika ASN" in page and "Buat sertifikat penyelesaian" in page
    assert client.post(f"/sertifikat-saya/kursus/{completion.id}").status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert cert.user_id == learner.id and cert.course_completion_id == completion.id
    login_as(make_user())
    assert client.post(f"/sertifikat-saya/kursus/{completion.id}").status_code == 404


# --- JP Saya and external training -----------------------------------------------------------


def test_jp_saya_shows_this_year_against_the_target(app, client, login_as):
    user = make_user()
    jp_services.credit_jp(user, JpSource.COURSE, 1, "Pelayanan Publik Prima", 12, utcnow())
    db.session.commit()
    login_as(user)
    html = client.get("/jp").get_data(as_text=True)
    assert "12 dari target 20 JP" in html and "Pelayanan Publik Prima" in html
    assert re.search(r'<progress max="100" value="60"', html)
    assert "Kurang 8 JP" in html
    assert client.get("/jp/cetak").status_code == 200
    csv_text = client.get("/jp/jp-saya.csv").get_data(as_text=True)
    assert "Pelayanan Publik Prima" in csv_text and csv_text.startswith("\ufeffTahun,")
    assert client.get("/jp?tahun=abc").status_code == 200


def test_jp_saya_lists_external_trainings_with_status_and_rejection_note(app, client, login_as):
    user = make_user()
    admin = admin_user()
    verified = jp_services.submit_external_training(
        user,
        jp_services.ExternalData("Bimtek Arsip", "ANRI", date(2025, 11, 18), date(2025, 11, 20), 8),
        io.BytesIO(tiny_pdf()),
        "a.pdf",
    )
    rejected = jp_services.submit_external_training(
        user,
        jp_services.ExternalData("Kursus Daring", "Lembaga X", date(2025, 10, 1), date(2025, 10, 2), 4),
        io.BytesIO(tiny_pdf()),
        "b.pdf",
    )
    jp_services.verify_external_training(verified, admin)
    jp_services.reject_external_training(rejected, admin, "Sertifikat tidak terbaca")
    db.session.commit()
    login_as(user)
    html = client.get("/jp").get_data(as_text=True)
    assert f'href="/jp/eksternal/{verified.id}">Bimtek Arsip</a>' in html and "ANRI" in html
    assert "Terverifikasi" in html and "20 Nov 2025" in html
    assert "Ditolak" in html and "Sertifikat tidak terbaca" in html


def test_external_training_from_upload_to_verified_jp(app, client, login_as):
    user = make_user()
    admin = admin_user()
    login_as(user)
    form = {
        "title": "Bimtek Kearsipan",
        "organizer": "ANRI",
        "start_date": "2025-11-18",
        "end_date": "2025-11-20",
        "jp": "8",
    }
    wrong = client.post(
        "/jp/eksternal/baru",
        data={**form, "certificate": (io.BytesIO(b"hello"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    html = wrong.get_data(as_text=True)
    assert "Jenis berkas tidak diizinkan" in html and 'value="Bimtek Kearsipan"' in html
    ok = client.post(
        "/jp/eksternal/baru",
        data={**form, "certificate": (io.BytesIO(tiny_pdf()), "sertifikat.pdf")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    training = db.session.scalar(select(ExternalTraining))
    assert training.status == ExternalStatus.PENDING and training.file_name == "sertifikat.pdf"
    assert "Menunggu verifikasi" in client.get("/jp").get_data(as_text=True)
    assert client.get(f"/jp/eksternal/{training.id}/berkas").data[:5] == b"%PDF-"

    login_as(make_user())
    assert client.get(f"/jp/eksternal/{training.id}").status_code == 404
    assert client.get(f"/jp/eksternal/{training.id}/berkas").status_code == 404

    login_as(admin)
    queue = client.get("/admin/hasil/jp-eksternal").get_data(as_text=True)
    assert "Bimtek Kearsipan" in queue
    reject = client.post(
        f"/admin/hasil/jp-eksternal/{training.id}", data={"decision": "reject", "note": "", "version": "1"}
    )
    assert reject.status_code == 400  # a rejection needs a reason
    verify = client.post(
        f"/admin/hasil/jp-eksternal/{training.id}", data={"decision": "verify", "note": "", "version": "1"}
    )
    assert verify.status_code == 302
    assert db.session.scalar(select(JpRecord.jp).where(JpRecord.user_id == user.id)) == 8


def test_admin_settings_pages(app, client, login_as):
    inst = make_instansi()
    login_as(admin_user())
    assert client.get("/admin/hasil/pengaturan-sertifikat").status_code == 200
    bad = client.post(
        "/admin/hasil/pengaturan-sertifikat",
        data={
            "institution_name": "BPSDM",
            "sttp_number_format": "STTP/{year}",
            "completion_number_format": "{seq}/SP",
        },
    )
    assert bad.status_code == 400 and "{seq}" in bad.get_data(as_text=True)
    good = client.post(
        "/admin/hasil/pengaturan-sertifikat",
        data={
            "institution_name": "BPSDM Kalteng",
            "place": "Palangka Raya",
            "sttp_number_format": "{seq:03d}/STTP/{program}/{year}",
            "completion_number_format": "{seq}/SP/{year}",
            "version": "0",
        },
    )
    assert good.status_code == 302
    assert services.certificate_settings().institution_name == "BPSDM Kalteng"
    assert (
        client.post(
            "/admin/hasil/target-jp",
            data={"instansi_id": inst.id, "employee_class": "PNS", "target_jp": "90"},
        ).status_code
        == 302
    )
    assert "90" in client.get("/admin/hasil/target-jp").get_data(as_text=True)
    assert client.get("/admin/hasil/cakupan-pimpinan").status_code == 200
    assert client.get("/admin/hasil/evaluasi/pernyataan").status_code == 200
    assert client.get("/admin/hasil/skema").status_code == 200
    assert client.get("/admin/hasil/").status_code == 200
