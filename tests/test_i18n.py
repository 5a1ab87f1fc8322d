"""Bahasa Indonesia by default, English by choice (session or the user's saved language).

The English catalog is compiled from lms/translations/en/LC_MESSAGES/messages.po into a temporary
folder here, so these tests do not depend on a prior `make compile-translations`.
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lms.config import ROOT
from lms.extensions import db
from tests.factories import PASSWORD, make_user

TRANSLATIONS = ROOT / "lms" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("translations")
    target = folder / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, _read(EN_PO))
    return str(folder)


@pytest.fixture
def i18n_app(app, make_app, compiled_translations):
    """An app with the compiled catalog. No context stays pushed for it: Flask-Babel caches the
    locale per app context, so each request must get its own (``app`` holds the test's context)."""
    return make_app(BABEL_TRANSLATION_DIRECTORIES=compiled_translations)


def _logged_in_client(i18n_app, login_as, **user_fields):
    client = i18n_app.test_client()
    user = make_user(**user_fields)
    login_as(user, on=client)
    facts = {"full_name": user.full_name, "timezone": user.timezone, "version": user.version}
    db.session.rollback()  # end the test's transaction: SQLite lets one writer at a time
    return client, facts


def test_login_page_is_indonesian_by_default(i18n_app):
    r = i18n_app.test_client().get("/login")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="id">' in html
    assert 'value="Masuk"' in html
    assert "Kata sandi" in html
    assert "Log in" not in html


def test_language_switch_makes_login_page_english(i18n_app):
    client = i18n_app.test_client()
    r = client.get("/bahasa/en?next=/login")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'value="Log in"' in html
    assert "Password" in html
    assert "Kata sandi" not in html

    client.get("/bahasa/id?next=/login")
    assert 'value="Masuk"' in client.get("/login").get_data(as_text=True)


def test_error_pages_follow_the_language(i18n_app):
    client = i18n_app.test_client()
    r = client.get("/tidak-ada")
    assert r.status_code == 404
    assert "Halaman tidak ditemukan" in r.get_data(as_text=True)
    client.get("/bahasa/en?next=/login")
    html = client.get("/tidak-ada").get_data(as_text=True)
    assert "<title>Page not found" in html
    assert "Halaman tidak ditemukan" not in html


def test_unknown_language_is_ignored(i18n_app):
    client = i18n_app.test_client()
    client.get("/bahasa/fr?next=/login")
    assert 'value="Masuk"' in client.get("/login").get_data(as_text=True)


def test_user_with_english_gets_english(i18n_app, login_as):
    client, user = _logged_in_client(i18n_app, login_as, language="en")
    html = client.get("/").get_data(as_text=True)
    assert f"Welcome, {user['full_name']}" in html
    assert "My learning" in html
    assert ">Log out<" in html
    assert "Keluar" not in html


def test_user_language_wins_over_the_browser(i18n_app, login_as):
    client, _user = _logged_in_client(i18n_app, login_as, language="id")
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Pembelajaran Saya" in html
    assert "My learning" not in html


def test_profile_language_change_takes_effect(i18n_app, login_as):
    client, user = _logged_in_client(i18n_app, login_as, language="id")
    assert "Keluar" in client.get("/").get_data(as_text=True)
    r = client.post(
        "/akun/profil",
        data={"email": "", "timezone": user["timezone"], "language": "en", "version": str(user["version"])},
    )
    assert r.status_code == 302
    assert ">Log out<" in client.get("/").get_data(as_text=True)


def test_english_catalog_translates_every_message_with_the_same_placeholders():
    template = _read(TRANSLATIONS / "messages.pot")
    english = _read(EN_PO)
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = english.get(message.id)
        if translated is None or not translated.string or translated.fuzzy:
            problems.append(f"untranslated: {message.id!r}")
            continue
        if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(translated.string)):
            problems.append(f"placeholders differ: {message.id!r} -> {translated.string!r}")
    assert not problems, "\n".join(problems)


def test_english_browser_still_gets_indonesian_by_default(i18n_app):
    client = i18n_app.test_client()
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'value="Masuk"' in html


def test_language_chosen_on_login_page_is_kept_after_login(i18n_app):
    with i18n_app.app_context():
        make_user(username="pilih-en", language="id")
    client = i18n_app.test_client()
    client.get("/bahasa/en")
    r = client.post("/login", data={"login": "pilih-en", "password": PASSWORD})
    assert r.status_code == 302
    assert ">Log out<" in client.get("/").get_data(as_text=True)


def test_catalog_passes_babels_own_checks():
    """What `pybabel compile` (run by `make run` and `make test`) refuses must fail here too."""
    english = _read(EN_PO)
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in english.check()
        if errors
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_fast_date_formatting_matches_flask_babel(app, locale, zone):
    """lms.i18n's date formatters do Babel's lookups once; their output must stay Babel's."""
    from datetime import datetime

    values = [
        datetime(2026, 1, 1, 0, 0, 0),  # naive: UTC
        datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC),  # the next day in Jayapura
        datetime(2026, 11, 22, 23, 30, 5, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, tzinfo=UTC),
    ]
    config = app.extensions["babel"]
    selector = config.timezone_selector
    config.timezone_selector = lambda: zone
    try:
        _compare_formatting(app, locale, zone, values)
    finally:
        config.timezone_selector = selector


def _compare_formatting(app, locale, zone, values):
    from datetime import date

    import flask_babel

    from lms import i18n

    with app.test_request_context(), flask_babel.force_locale(locale):
        assert str(flask_babel.get_timezone()) == zone
        for value in values:
            for fmt in ("short", "medium", "long", "full", "d MMM y HH.mm"):
                assert i18n.format_datetime(value, fmt) == flask_babel.format_datetime(value, fmt)
            for fmt in ("short", "medium", "long", "d MMM y", "d MMMM y"):
                assert i18n.format_date(value, fmt) == flask_babel.format_date(value, fmt)
                assert i18n.format_date(value.date(), fmt) == flask_babel.format_date(value.date(), fmt)
        assert i18n.format_date(date(2026, 8, 17), "d MMMM y") == flask_babel.format_date(
            date(2026, 8, 17), "d MMMM y"
        )


def test_navigation_follows_each_users_language_and_roles(i18n_app, login_as):
    """The navigation's links are rendered once per language and role set (lms/layout.py):
    one user's links never show to another."""
    visits = [
        ({"language": "id", "roles": ("admin",)}, ["Kelola Kursus", "Katalog"], ["Dasbor"]),
        ({"language": "id"}, ["Katalog", "Proyek"], ["Kelola Kursus", "Dasbor"]),
        ({"language": "en", "roles": ("admin",)}, ["Manage Courses", "Catalogue"], ["Katalog"]),
        ({"language": "en", "roles": ("pimpinan",)}, ["Dashboard"], ["Manage Courses"]),
        ({"language": "id", "roles": ("pimpinan",)}, ["Dasbor"], ["Kelola Kursus", "Dashboard"]),
    ]
    for fields, shown, hidden in visits:
        client, _user = _logged_in_client(i18n_app, login_as, **fields)
        nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
        for text in shown:
            assert f">{text}</a>" in nav, (fields, text)
        for text in hidden:
            assert f">{text}</a>" not in nav, (fields, text)


def test_template_gettext_escapes_its_variables_and_formats_like_jinja(app):
    env = app.jinja_env
    with app.test_request_context():
        html = env.from_string("{% autoescape true %}{{ _('Halo, %(n)s!', n=name) }}{% endautoescape %}")
        assert html.render(name="<b>Andi</b>") == "Halo, &lt;b&gt;Andi&lt;/b&gt;!"
        text = env.from_string(
            "{% autoescape false %}{{ _('Halo, %(n)s!', n=name) }}{% endautoescape %}"
        )  # not autoescaped: as given
        assert text.render(name="<b>Andi</b>") == "Halo, <b>Andi</b>!"
        assert env.from_string("{{ _('Selesai 100%%') }}").render() == "Selesai 100%"
