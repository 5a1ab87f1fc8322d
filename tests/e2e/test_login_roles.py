"""Every demo role logs in through the form, sees its home section, and logs out."""

from __future__ import annotations

import pytest

from lms.accounts import demo
from lms.extensions import db
from tests.e2e.helpers import check_page, login

pytestmark = pytest.mark.e2e

PASSWORD = demo.DEMO_PASSWORD

# login typed in the form, the heading that role's home page shows
CASES = [
    ("admin", "Beranda Admin"),
    ("pimpinan", "Beranda Pimpinan"),
    ("mentor", "Beranda Pembimbing dan Penguji"),
    ("coach", "Beranda Pembimbing dan Penguji"),
    ("penguji", "Beranda Pembimbing dan Penguji"),
    ("peserta1", "Pembelajaran Saya"),
    ("19860926 201505 1 001", "Pembelajaran Saya"),  # peserta1's NIP, typed with spaces
]
ROLE_HEADINGS = {"Beranda Admin", "Beranda Pimpinan", "Beranda Pembimbing dan Penguji"}


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        demo.seed()
        db.session.commit()
    return live_server


def test_each_role_logs_in_sees_its_home_and_logs_out(demo_server, page):
    for login_name, heading in CASES:
        login(page, demo_server, login_name, PASSWORD)
        assert page.get_by_role("heading", level=1).count() == 1
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), login_name
        # Other roles' sections stay hidden (a learner sees no admin section).
        if heading == "Pembelajaran Saya":
            for other in ROLE_HEADINGS:
                assert page.get_by_role("heading", name=other, exact=True).count() == 0, login_name
        check_page(page)

        with page.expect_navigation():
            page.get_by_role("button", name="Keluar", exact=True).click()
        assert page.url == f"{demo_server.url}/login"
        assert page.get_by_role("heading", name="Masuk", level=1).is_visible()
        assert page.get_by_text("Anda telah keluar.").is_visible()
        check_page(page)

        # Logged out for real: the home page sends us back to the login form.
        page.goto(f"{demo_server.url}/")
        assert page.url.startswith(f"{demo_server.url}/login")


def test_wrong_password_keeps_login_and_shows_message(demo_server, page):
    page.goto(f"{demo_server.url}/login")
    page.get_by_label("NIP, nama pengguna, atau email", exact=True).fill("peserta1")
    page.get_by_label("Kata sandi", exact=True).fill("salah-sekali")
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    assert page.url == f"{demo_server.url}/login"
    assert page.get_by_text("NIP/nama pengguna atau kata sandi salah.").is_visible()
    assert page.get_by_label("NIP, nama pengguna, atau email", exact=True).input_value() == "peserta1"
    check_page(page)
