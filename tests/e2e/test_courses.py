"""Browser journeys for courses: an admin builds and publishes a course; a learner enrols
themself, reads both lessons, and sees 100% and the course complete with its JP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts import demo as accounts_demo
from lms.accounts.models import User
from lms.courses import demo as courses_demo
from lms.extensions import db
from tests.e2e.helpers import check_page, login
from tests.factories import enrol_user, make_course

try:
    from playwright.sync_api import expect
except ImportError:  # the e2e conftest skips (or fails under CI) before any test runs
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = accounts_demo.DEMO_PASSWORD
TITLE = "Budaya Kerja BerAKHLAK"


@pytest.fixture
def server(live_server):
    with live_server.app.app_context():
        accounts_demo.seed()
        db.session.commit()
    return live_server


def _logout(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar", exact=True).click()


def _add_lesson(page, title: str, body: str) -> None:
    page.get_by_role("link", name=re.compile("^Tambah pelajaran")).first.click()
    check_page(page)
    page.get_by_label("Judul pelajaran").fill(title)
    page.get_by_label("Isi atau alternatif teks (Markdown)").fill(body)
    page.get_by_role("button", name="Pratinjau").click()
    # The preview renders the Markdown and keeps what was typed.
    expect(page.get_by_role("heading", name="Pratinjau", exact=True)).to_be_visible()
    expect(page.get_by_label("Isi atau alternatif teks (Markdown)")).to_have_value(body)
    check_page(page)
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Pelajaran ditambahkan.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name=f"← {TITLE}").click()


def test_admin_builds_a_course_and_a_learner_completes_it(server, page):
    # --- the admin creates, fills and publishes the course, and opens self-enrolment ---
    login(page, server, "admin", PASSWORD)
    page.get_by_role("link", name="Kelola Kursus").first.click()
    check_page(page)
    page.get_by_role("link", name="Buat kursus").click()
    check_page(page)
    page.get_by_label("Judul kursus").fill(TITLE)
    page.get_by_label("Ringkasan").fill("Nilai dasar ASN dalam pekerjaan sehari-hari.")
    page.get_by_label("JP (jam pelajaran)").fill("4")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Kursus dibuat sebagai draf.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Tambah modul").click()
    check_page(page)
    page.get_by_label("Judul modul").fill("Nilai Dasar ASN")
    expect(page.get_by_label(re.compile("Terbitkan modul"))).to_be_checked()
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Modul ditambahkan.")).to_be_visible()

    _add_lesson(page, "Berorientasi Pelayanan", "## Makna\n\nMemahami dan memenuhi kebutuhan **masyarakat**.")
    _add_lesson(page, "Akuntabel", "## Makna\n\nMelaksanakan tugas dengan jujur dan bertanggung jawab.")
    check_page(page)

    page.get_by_role("button", name="Terbitkan", exact=True).click()
    expect(page.get_by_text("Kursus diterbitkan.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Angkatan", exact=True).first.click()
    check_page(page)
    page.get_by_role("link", name="Buat angkatan").click()
    check_page(page)
    page.get_by_label("Nama angkatan").fill("Kelas Mandiri BerAKHLAK 2026")
    page.get_by_label("Program atau kursus yang dijalankan").select_option(label=f"Kursus: {TITLE}")
    page.get_by_label("Pendaftaran mandiri dibuka").check()
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Angkatan disimpan.")).to_be_visible()
    check_page(page)
    _logout(page)

    # --- a learner finds it, enrols, reads both lessons ---
    login(page, server, "peserta1", PASSWORD)
    page.get_by_role("link", name="Katalog", exact=True).click()
    check_page(page)
    page.get_by_role("link", name=TITLE).click()
    check_page(page)
    page.get_by_role("button", name="Daftar ke Kelas Mandiri BerAKHLAK 2026").click()
    expect(page.get_by_text("Anda terdaftar")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Mulai: Berorientasi Pelayanan").click()
    expect(page.get_by_role("heading", name="Berorientasi Pelayanan", level=1)).to_be_visible()
    expect(page.get_by_label("Kemajuan kursus")).to_have_attribute("value", "50")
    check_page(page)

    page.get_by_role("link", name="Akuntabel →").click()
    expect(page.get_by_role("heading", name="Akuntabel", level=1)).to_be_visible()
    expect(page.get_by_label("Kemajuan kursus")).to_have_attribute("value", "100")
    expect(page.get_by_text("Kursus selesai.")).to_be_visible()
    expect(page.get_by_text("4 JP telah dicatat pada riwayat JP Anda.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Daftar isi").click()
    expect(page.get_by_label("Kemajuan kursus")).to_have_attribute("value", "100")
    expect(page.get_by_text("Kursus selesai", exact=True)).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Pembelajaran Saya", exact=True).first.click()
    card = page.locator(".course-card", has_text=TITLE)
    expect(card.get_by_text("Selesai", exact=True)).to_be_visible()
    expect(card.get_by_text(re.compile("4 JP tercatat untuk tahun"))).to_be_visible()
    check_page(page)


def test_demo_course_pages_pass_the_checks(live_server, page):
    """The seeded course: catalogue, course page, a video lesson (player loads only on request),
    the print view; every page light, accessible and narrow-screen safe."""
    with live_server.app.app_context():
        accounts_demo.seed()
        courses_demo.seed()
        db.session.commit()
    login(page, live_server, "peserta1", PASSWORD)
    page.goto(f"{live_server.url}/belajar")
    expect(page.get_by_role("link", name="Pelayanan Publik Prima")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Pelayanan Publik Prima").click()
    check_page(page)
    page.get_by_role("link", name="Video: Maklumat pelayanan").click()
    expect(page.locator("iframe")).to_have_count(0)  # nothing heavy until the learner asks
    check_page(page)
    page.get_by_role("link", name="Versi cetak").click()
    expect(page.get_by_role("heading", name="Video: Maklumat pelayanan", level=1)).to_be_visible()
    check_page(page)
    page.goto(f"{live_server.url}/kursus/")
    check_page(page)


def test_demo_authoring_pages_pass_the_checks(live_server, page):
    """The admin's pages over the seeded course and angkatan (every lesson kind, a program
    angkatan with mentor and coach) stay accessible, light and narrow-screen safe."""
    with live_server.app.app_context():
        accounts_demo.seed()
        courses_demo.seed()
        db.session.commit()
    login(page, live_server, "admin", PASSWORD)
    page.get_by_role("link", name="Kelola Kursus").first.click()
    check_page(page)
    page.get_by_role("link", name="Pelayanan Publik Prima").click()
    expect(page.get_by_text("Video", exact=True).first).to_be_visible()
    check_page(page)
    # With JavaScript, "Turunkan" moves the lesson in place (no reload) and the order is saved.
    first_module = page.locator(".structure > li").first
    titles = first_module.locator(".lesson-title")
    expect(titles).to_have_count(3)
    before = titles.all_inner_texts()
    url = page.url
    with page.expect_response(lambda r: "/pindah" in r.url and r.status == 204):
        page.get_by_role("button", name=f"Turunkan {before[0]}").click()
    assert page.url == url
    expect(titles).to_have_text([before[1], before[0], *before[2:]])
    page.reload()
    expect(titles).to_have_text([before[1], before[0], *before[2:]])
    # The Markdown editor counts characters against the limit.
    page.get_by_role("link", name=before[0], exact=True).click()
    page.get_by_text(re.compile(r"/ 200\.000 karakter")).wait_for()
    page.go_back()
    page.get_by_role("link", name="Video: Maklumat pelayanan", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="Angkatan", exact=True).first.click()
    check_page(page)
    page.get_by_role("link", name=courses_demo.ANGKATAN_NAME).click()
    expect(page.get_by_role("cell", name="Andi Pratama, S.T.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Impor peserta dari CSV").click()
    check_page(page)
    page.goto(f"{live_server.url}/admin/kursus/impor")
    check_page(page)
    page.get_by_role("link", name="Program", exact=True).first.click()
    check_page(page)


def test_a_long_course_outline_opens_one_module_at_a_time(live_server, page):
    """A 60-lesson course: the outline lists the current module's lessons, every module with its
    progress; another module's lessons are one tap away, all of them on request. Light,
    accessible and narrow-screen safe, without JavaScript."""
    with live_server.app.app_context():
        accounts_demo.seed()
        db.session.commit()
        learner = db.session.scalar(select(User).where(User.username == "peserta1"))
        course = make_course(title="Kursus Panjang", modules=6, lessons=10)
        enrol_user(learner, course)
        slug = course.slug
        third, third_id = course.modules[2].title, course.modules[2].id
    login(page, live_server, "peserta1", PASSWORD)
    page.goto(f"{live_server.url}/kursus/{slug}")
    expect(page.locator(".outline .lesson-title")).to_have_count(10)
    expect(page.locator(".outline progress")).to_have_count(6)
    check_page(page)
    page.get_by_role("link", name=re.compile(rf"^Lihat 10 pelajaran\W+{third}$")).click()
    expect(page.locator(f"#modul-{third_id} .lesson-title")).to_have_count(10)
    expect(page.locator(".outline .lesson-title")).to_have_count(10)
    check_page(page)
    page.get_by_role("link", name="Tampilkan pelajaran semua modul").click()
    expect(page.locator(".outline .lesson-title")).to_have_count(60)
    check_page(page)
