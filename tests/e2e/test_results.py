"""Results in the browser: an admin issues an angkatan's certificates; a visitor who is not
logged in verifies one by its code; the other results pages pass check_page."""

from __future__ import annotations

from datetime import date

import pytest

from lms.accounts import demo
from lms.extensions import db
from lms.results import demo as results_demo
from lms.results import services
from lms.results.models import Outcome
from tests.e2e.helpers import check_page, login
from tests.factories import (
    enrol_in_results,
    make_results_angkatan,
    make_results_program,
    make_results_scheme,
    make_user,
)

pytestmark = pytest.mark.e2e

PASSWORD = demo.DEMO_PASSWORD
ANGKATAN = "PKP Angkatan IX Tahun 2026"


@pytest.fixture
def cohort_server(live_server):
    """Demo accounts, a program with a scheme and an angkatan of three: two passed, one not."""
    with live_server.app.app_context():
        users = demo.seed()
        program = make_results_program(code="PKP", name="Pelatihan Kepemimpinan Pengawas", jp=830)
        make_results_scheme(program, effective_from=date(2024, 1, 1))
        angkatan = make_results_angkatan(
            program, start=date(2026, 1, 12), end=date(2026, 5, 13), name=ANGKATAN
        )
        passed = [users["peserta1"], users["peserta2"]]
        enrolments = [enrol_in_results(angkatan, u, ndh=i + 1) for i, u in enumerate(passed)]
        late = enrol_in_results(angkatan, make_user(commit=False, full_name="Budi Santoso"), ndh=3)
        services.save_manual_scores(
            angkatan, "kehadiran", {enrolments[0].id: 88, enrolments[1].id: 93.5}, None
        )
        for e in enrolments:
            services.set_outcome(e, Outcome.LULUS, "", None)
        services.set_outcome(late, Outcome.DITUNDA, "Seminar ditunda", None)
        db.session.commit()
        live_server.angkatan_id = angkatan.id
    return live_server


def test_admin_issues_the_angkatans_certificates_and_a_visitor_verifies_one(cohort_server, page):
    server = cohort_server
    login(page, server, "admin", PASSWORD)
    check_page(page)

    page.get_by_role("link", name="Hasil", exact=True).first.click()
    page.wait_for_load_state()
    check_page(page)
    page.get_by_role("link", name=ANGKATAN, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Hasil: {ANGKATAN}"
    assert page.get_by_text("Sangat Memuaskan").first.is_visible()
    check_page(page)

    page.get_by_role("link", name="Terbitkan sertifikat angkatan").click()
    page.wait_for_load_state()
    check_page(page)  # the confirmation page
    with page.expect_navigation():
        page.get_by_role("button", name="Ya, lanjutkan").click()
    assert page.get_by_text("2 sertifikat diterbitkan").is_visible()
    assert page.get_by_text("Budi Santoso: Nilai akhir peserta belum lengkap.").is_visible()
    check_page(page)
    row = page.get_by_role("row").filter(has_text="Dewi Lestari")
    code = row.get_by_role("link").nth(1).inner_text().strip()
    assert len(code) == 9 and code[4] == "-"

    with page.expect_navigation():
        page.get_by_role("button", name="Keluar", exact=True).click()
    check_page(page)

    # A visitor (not logged in) types the printed code.
    page.goto(f"{server.url}/verify")
    check_page(page)
    page.get_by_label("Kode verifikasi").fill(code.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa").click()
    assert page.url == f"{server.url}/verify/{code.replace('-', '')}"  # the QR code's address
    assert page.get_by_text("SAH: sertifikat ini tercatat dan berlaku.").is_visible()
    assert page.get_by_text("Dewi Lestari, S.E., M.M.").is_visible()
    assert page.get_by_text("Sangat Memuaskan").is_visible()
    assert page.get_by_text("199003********2002").is_visible()
    assert "199003152014032002" not in page.content()
    check_page(page)


def test_results_pages_pass_the_checks(cohort_server, page):
    server = cohort_server
    with server.app.app_context():
        results_demo.seed(base_url=server.url)
        db.session.commit()
    angkatan_id = server.angkatan_id

    login(page, server, "admin", PASSWORD)
    for path in (
        f"/admin/hasil/angkatan/{angkatan_id}/dasbor",
        f"/admin/hasil/angkatan/{angkatan_id}/nilai/kehadiran",
        "/admin/hasil/skema/baru",
        "/admin/hasil/sertifikat",
        "/admin/hasil/jp-eksternal",
        "/admin/hasil/target-jp",
        "/admin/hasil/cakupan-pimpinan",
        f"/admin/hasil/hasil-evaluasi/angkatan/{angkatan_id}",
    ):
        page.goto(f"{server.url}{path}")
        assert page.get_by_role("heading", level=1).count() == 1, path
        check_page(page)
    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_load_state()

    login(page, server, "peserta2", PASSWORD)
    for path in ("/jp", "/jp/cetak", "/jp/eksternal/baru", "/sertifikat-saya", "/evaluasi"):
        page.goto(f"{server.url}{path}")
        check_page(page)
    page.goto(f"{server.url}/jp")
    assert page.get_by_text("Etika dan Integritas ASN").first.is_visible()
    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_load_state()

    login(page, server, "pimpinan", PASSWORD)
    page.get_by_role("link", name="Dasbor", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("img", name="Capaian target JP").count() >= 1
    check_page(page)
