"""The proyek perubahan journey in a browser: peserta1 submits the Rancangan with a PDF; the
mentor requests revision with a comment; peserta1 sees it and resubmits; coach and mentor
approve; the stage shows approved and both versions remain. check_page on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.accounts import demo as accounts_demo
from lms.extensions import db
from lms.projects import demo as projects_demo
from tests.e2e.helpers import check_page, login

pytestmark = pytest.mark.e2e

PASSWORD = accounts_demo.DEMO_PASSWORD
COMMENT = "Lengkapi analisis pemangku kepentingan dan milestone jangka pendek."


@pytest.fixture
def project_server(live_server):
    with live_server.app.app_context():
        accounts_demo.seed()
        db.session.commit()
        projects_demo.seed(submit_rancangan=False)
        db.session.commit()
    return live_server


def _logout(page, server):
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar", exact=True).click()
    assert page.url == f"{server.url}/login"


def _open_rancangan_as_participant(page, server):
    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Proyek", exact=True
    ).click()
    check_page(page)
    page.get_by_role("link", name=projects_demo.PROJECT_TITLE).click()
    check_page(page)
    page.get_by_role("link", name="Rancangan", exact=True).click()
    expect(page.get_by_role("heading", name="Rancangan", level=1)).to_be_visible()
    check_page(page)


def _open_first_review(page):
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Tinjauan").click()
    expect(page.get_by_role("heading", name="Menunggu keputusan Anda")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Andi Pratama, S.T. · Rancangan").click()
    expect(page.get_by_role("heading", name="Rancangan: Andi Pratama, S.T.")).to_be_visible()
    check_page(page)


def _decide(page, label: str, comment: str = ""):
    if comment:
        page.get_by_label("Komentar untuk peserta").fill(comment)
    page.get_by_label(label, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan keputusan").click()
    expect(page.get_by_text("Keputusan disimpan.")).to_be_visible()
    check_page(page)


def test_rancangan_revision_and_approval_journey(project_server, page, tmp_path):
    server = project_server
    pdf = tmp_path / "rancangan-andi.pdf"
    pdf.write_bytes(projects_demo.demo_pdf("Rancangan aksi perubahan"))

    # 1. peserta1 submits the Rancangan with a PDF.
    login(page, server, "peserta1", PASSWORD)
    check_page(page)
    _open_rancangan_as_participant(page, server)
    page.get_by_label("Uraian (Markdown)").fill("Rancangan versi pertama.")
    page.get_by_label("Lampirkan berkas (PDF, DOCX, PPTX, XLSX, gambar)").set_input_files(str(pdf))
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Terkirim.")).to_be_visible()
    expect(page.get_by_text("Versi 1 sedang menunggu keputusan reviewer.")).to_be_visible()
    check_page(page)
    _logout(page, server)

    # 2. The mentor requests revision with a comment (the PDF is shown in the page).
    login(page, server, "mentor", PASSWORD)
    _open_first_review(page)
    expect(page.get_by_role("link", name="rancangan-andi.pdf", exact=True)).to_be_visible()
    # The in-page PDF viewer is one click away; its frame source is served inline, permission-checked.
    viewer = page.get_by_role("link", name="Tampilkan rancangan-andi.pdf di halaman ini")
    assert viewer.is_visible()
    inline_url = page.get_by_role("link", name="Lihat rancangan-andi.pdf").get_attribute("href")
    pdf_response = page.request.get(f"{server.url}{inline_url}")
    assert pdf_response.headers["content-type"] == "application/pdf"
    assert pdf_response.headers["content-disposition"].startswith("inline")
    _decide(page, "Minta revisi", COMMENT)
    expect(page.get_by_text("Tidak ada lagi yang menunggu keputusan Anda.")).to_be_visible()
    _logout(page, server)

    # 3. peserta1 sees the request and the comment, revises, resubmits (the PDF is kept).
    login(page, server, "peserta1", PASSWORD)
    expect(page.get_by_role("link", name="Notifikasi")).to_be_visible()
    _open_rancangan_as_participant(page, server)
    expect(page.get_by_text(COMMENT)).to_be_visible()
    expect(page.get_by_text("perlu revisi").first).to_be_visible()
    page.get_by_label("Uraian (Markdown)").fill(
        "Rancangan versi kedua, dengan analisis pemangku kepentingan."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Versi 2 sedang menunggu keputusan reviewer.")).to_be_visible()
    check_page(page)
    _logout(page, server)

    # 4. The coach approves; the stage still waits for the mentor.
    login(page, server, "coach", PASSWORD)
    _open_first_review(page)
    expect(page.get_by_role("heading", name="Versi sebelumnya")).to_be_visible()
    _decide(page, "Setujui")
    _logout(page, server)

    # 5. The mentor approves: the stage is approved.
    login(page, server, "mentor", PASSWORD)
    _open_first_review(page)
    _decide(page, "Setujui")
    _logout(page, server)

    # 6. peserta1 sees the stage approved with both versions kept.
    login(page, server, "peserta1", PASSWORD)
    _open_rancangan_as_participant(page, server)
    expect(page.get_by_text("disetujui", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Versi 2")).to_be_visible()
    expect(page.get_by_role("link", name="Versi 1")).to_be_visible()
    page.get_by_role("link", name="Versi 1").click()
    expect(page.get_by_text("Rancangan versi pertama.")).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    check_page(page)


def test_every_other_project_page_passes_checks(project_server, page):
    """Milestones, consultation log, attitude form, catalogue, notifications, seminar and admin
    pages: each passes check_page (axe, weight, 360 px) with data on it."""
    server = project_server
    with server.app.app_context():
        projects_demo.seed()  # peserta1's Rancangan now waits for mentor and coach
        db.session.commit()

    login(page, server, "peserta1", PASSWORD)
    page.goto(f"{server.url}/proyek/")
    check_page(page)
    page.get_by_role("link", name=projects_demo.PROJECT_TITLE).click()
    check_page(page)
    project_url = page.url
    page.get_by_role("link", name="Milestone", exact=True).first.click()
    page.get_by_label("Milestone", exact=True).fill("SOP layanan daring ditetapkan")
    page.get_by_label("Target tanggal").last.fill("2026-12-20")
    with page.expect_navigation():
        page.get_by_role("button", name="Tambah milestone").click()
    expect(page.get_by_text("SOP layanan daring ditetapkan").first).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Lembar konsultasi").click()
    page.get_by_label("Tanggal", exact=True).fill("2026-11-20")
    page.get_by_label("Topik").fill("Pembahasan rancangan dengan mentor")
    with page.expect_navigation():
        page.get_by_role("button", name="Catat konsultasi").click()
    expect(page.get_by_text("belum diparaf")).to_be_visible()
    check_page(page)
    page.goto(f"{server.url}/proyek/katalog")
    check_page(page)
    page.goto(f"{server.url}/notifikasi/")
    check_page(page)
    _logout(page, server)

    login(page, server, "mentor", PASSWORD)
    page.goto(project_url)
    check_page(page)
    page.get_by_role("link", name="Lembar konsultasi").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Paraf").click()
    expect(page.get_by_text("Paraf diberikan.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Milestone", exact=True).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Konfirmasi milestone").click()
    check_page(page)
    page.goto(project_url)
    page.get_by_role("link", name="Observasi sikap").click()
    check_page(page)
    page.goto(f"{server.url}/reviews/seminar")
    check_page(page)
    page.goto(f"{server.url}/notifikasi/")
    check_page(page)
    _logout(page, server)

    login(page, server, "admin", PASSWORD)
    page.goto(f"{server.url}/admin/proyek/")
    check_page(page)
    page.get_by_role("link", name="Pelatihan Kepemimpinan Pengawas").first.click()
    check_page(page)
    page.get_by_role("link", name="Rancangan", exact=True).click()
    check_page(page)
    page.go_back()
    page.get_by_role("link", name="4 kriteria Seminar Rancangan").click()
    check_page(page)
    page.go_back()
    page.get_by_role("link", name="Kriteria sikap (5)").click()
    check_page(page)
    page.goto(f"{server.url}/admin/proyek/")
    page.get_by_role("link", name=projects_demo.ANGKATAN_NAME, exact=True).click()
    expect(page.get_by_role("heading", name="Keputusan tertunda per reviewer")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Jadwal tahap").click()
    check_page(page)
    page.goto(f"{server.url}/admin/proyek/")
    page.get_by_role("link", name=f"Seminar {projects_demo.ANGKATAN_NAME}").click()
    check_page(page)
    page.get_by_label("Nama sesi").fill("Seminar Rancangan Kelompok 1")
    page.get_by_label("Mulai").fill("2026-12-01T08:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Jadwalkan sesi").click()
    check_page(page)
    page.get_by_label("Prof. Dr. Ratna Dewi, M.A.").check()
    page.get_by_label("1. Andi Pratama, S.T.").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan susunan sesi").click()
    expect(page.get_by_text("Susunan sesi disimpan.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Halaman penilaian sesi").click()
    check_page(page)
    page.get_by_role("link", name="Andi Pratama, S.T.").click()
    check_page(page)
    page.goto(f"{server.url}/admin/proyek/audit")
    check_page(page)
