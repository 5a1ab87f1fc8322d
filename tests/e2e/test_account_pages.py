"""The account and user-admin pages pass the page checks, in Indonesian and in English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import demo
from lms.accounts.models import User
from lms.extensions import db
from tests.e2e.helpers import check_page, login

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        demo.seed()
        db.session.commit()
        live_server.peserta_id = db.session.scalar(select(User.id).where(User.username == "peserta1"))
    return live_server


def test_admin_pages_pass_checks(demo_server, page):
    login(page, demo_server, "admin", demo.DEMO_PASSWORD)
    pages = {
        "/akun/profil": "Profil Saya",
        "/akun/kata-sandi": "Ganti Kata Sandi",
        "/admin/pengguna/": "Pengguna",
        "/admin/pengguna/?q=andi": "Pengguna",
        "/admin/pengguna/baru": "Tambah Pengguna",
        f"/admin/pengguna/{demo_server.peserta_id}": "Andi Pratama",
        "/admin/pengguna/impor": "Impor Pengguna dari CSV",
        "/tidak-ada": "Halaman tidak ditemukan",
    }
    for path, heading in pages.items():
        page.goto(demo_server.url + path)
        h1 = page.get_by_role("heading", level=1)
        assert h1.count() == 1, path
        assert heading in h1.inner_text(), (path, h1.inner_text())
        check_page(page)


def test_english_pages_pass_checks(demo_server, page):
    page.goto(f"{demo_server.url}/login")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log in", exact=True).is_visible()
    check_page(page)

    page.get_by_label("NIP, username, or email", exact=True).fill("peserta1")
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in", exact=True).click()
    assert page.url == f"{demo_server.url}/"
    check_page(page)
