"""Learner pages through the client: visibility (also by direct URL), progress, completion, gating,
print and offline download, files, self-enrolment."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select, update

from lms.courses import services
from lms.courses.models import CourseCompletion, Enrolment, LessonProgress
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import JpRecord, JpSource
from lms.models_base import utcnow
from tests.courses.test_services import PDF, PNG
from tests.factories import (
    enrol_user,
    make_angkatan,
    make_course,
    make_lesson,
    make_module,
    make_program,
    make_user,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def learner(app):
    return make_user(full_name="Andi Peserta")


@pytest.fixture
def admin(app):
    return make_user(roles=("admin",))


def test_pages_need_login(client, app):
    course = make_course()
    for url in ("/kursus/", "/belajar", f"/kursus/{course.slug}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- publish rules, by direct URL ------------------------------------------------------------


def test_draft_course_is_invisible_to_learners_even_by_direct_url(client, login_as, learner, admin):
    course = make_course(status="draft", title="Kursus Rahasia")
    enrol_user(learner, course)
    lesson = course.modules[0].lessons[0]
    login_as(learner)
    assert "Kursus Rahasia" not in _text(client.get("/kursus/"))
    for url in (
        f"/kursus/{course.slug}",
        f"/kursus/{course.slug}/pelajaran/{lesson.id}",
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/cetak",
        f"/kursus/{course.slug}/modul/{course.modules[0].id}/unduh",
        f"/kursus/{course.slug}/lanjutkan",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/kursus/{course.slug}/pelajaran/{lesson.id}/selesai").status_code == 404
    assert _count(LessonProgress) == 0
    login_as(admin)
    assert "Kursus Rahasia" in _text(client.get("/kursus/"))
    assert client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").status_code == 200
    assert _count(LessonProgress) == 0  # an admin's preview records nothing


def test_unpublished_module_is_invisible_to_learners(client, login_as, learner):
    course = make_course(modules=2)
    hidden = course.modules[1]
    hidden.published = False
    hidden.title = "Modul Tersembunyi"
    db.session.commit()
    enrol_user(learner, course)
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}"))
    assert "Modul Tersembunyi" not in page
    assert client.get(f"/kursus/{course.slug}/pelajaran/{hidden.lessons[0].id}").status_code == 404
    assert client.get(f"/kursus/{course.slug}/modul/{hidden.id}/unduh").status_code == 404


def test_not_enrolled_sees_the_outline_but_no_lesson(client, login_as, learner):
    course = make_course()
    lesson = course.modules[0].lessons[0]
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}"))
    assert lesson.title in page and f"/pelajaran/{lesson.id}" not in page
    assert client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").status_code == 404
    assert client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}/cetak").status_code == 404


def test_lesson_of_another_course_is_404(client, login_as, learner):
    a, b = make_course(), make_course()
    enrol_user(learner, a)
    enrol_user(learner, b)
    login_as(learner)
    assert client.get(f"/kursus/{a.slug}/pelajaran/{b.modules[0].lessons[0].id}").status_code == 404


# --- progress and completion -----------------------------------------------------------------


def test_reading_all_lessons_completes_the_course_and_credits_jp(client, login_as, learner):
    course = make_course(jp=6, lessons=2, title="Etika ASN")
    first, second = course.modules[0].lessons
    enrol_user(learner, course)
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{first.id}"))
    assert 'value="50"' in page and "tercatat selesai" in page
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{second.id}"))
    assert 'value="100"' in page and "Kursus selesai" in page and "6 JP" in page
    assert _count(CourseCompletion) == 1 and _count(JpRecord) == 1
    client.get(f"/kursus/{course.slug}/pelajaran/{second.id}")
    assert _count(JpRecord) == 1
    home = _text(client.get("/belajar"))
    assert "Etika ASN" in home and "Selesai" in home and "6 JP" in home


def test_video_file_and_link_lessons_complete_by_a_click(client, login_as, learner):
    course = make_course(lessons=0)
    module = course.modules[0]
    video = make_lesson(module, kind="video", body_md="Transkrip")
    link = make_lesson(module, kind="link")
    enrol_user(learner, course)
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{video.id}"))
    assert "Tandai selesai" in page and "youtube-nocookie.com/embed/" in page and "<iframe" not in page
    assert db.session.scalar(select(LessonProgress.completed_at)) is None
    response = client.post(f"/kursus/{course.slug}/pelajaran/{video.id}/selesai")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/pelajaran/{link.id}")
    response = client.post(f"/kursus/{course.slug}/pelajaran/{link.id}/selesai", follow_redirects=True)
    assert "Selamat! Anda telah menyelesaikan kursus" in _text(response)
    assert _count(CourseCompletion) == 1


def test_resume_goes_to_the_last_viewed_lesson(client, login_as, learner):
    course = make_course(lessons=3)
    lessons = course.modules[0].lessons
    enrol_user(learner, course)
    login_as(learner)
    response = client.get(f"/kursus/{course.slug}/lanjutkan")
    assert response.headers["Location"].endswith(f"/pelajaran/{lessons[0].id}")
    client.get(f"/kursus/{course.slug}/pelajaran/{lessons[2].id}")
    client.get(f"/kursus/{course.slug}/pelajaran/{lessons[1].id}")
    response = client.get(f"/kursus/{course.slug}/lanjutkan")
    assert response.headers["Location"].endswith(f"/pelajaran/{lessons[1].id}")
    page = _text(client.get("/belajar"))
    assert f"/pelajaran/{lessons[1].id}" in page and f"/pelajaran/{lessons[0].id}" in page  # resume and next


def _writes(statements) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")
    return [st for st in statements if st.lstrip().upper().startswith(verbs)]


def _viewed_at(learner, lesson):
    db.session.expire_all()
    return db.session.scalar(
        select(LessonProgress.last_viewed_at).where(
            LessonProgress.user_id == learner.id, LessonProgress.lesson_id == lesson.id
        )
    )


def test_opening_a_lesson_again_soon_only_reads(client, login_as, learner, count_queries):
    course = make_course(lessons=2)
    lesson = course.modules[0].lessons[0]
    url = f"/kursus/{course.slug}/pelajaran/{lesson.id}"
    enrol_user(learner, course)
    login_as(learner)
    with count_queries() as first:
        assert client.get(url).status_code == 200
    assert any(st.lstrip().upper().startswith("INSERT INTO LESSON_PROGRESS") for st in first.statements)
    recorded = _viewed_at(learner, lesson)
    with count_queries() as again:
        page = _text(client.get(url))
    # No write and, on SQLite, not even the write lock (no BEGIN IMMEDIATE).
    assert _writes(again.statements) == []
    assert "tercatat selesai" in page and 'value="50"' in page
    assert _viewed_at(learner, lesson) == recorded


def test_opening_a_lesson_after_the_refresh_time_records_the_view(client, login_as, learner, count_queries):
    course = make_course(lessons=2)
    lesson = course.modules[0].lessons[0]
    url = f"/kursus/{course.slug}/pelajaran/{lesson.id}"
    enrol_user(learner, course)
    login_as(learner)
    client.get(url)
    long_ago = utcnow() - services.VIEW_REFRESH - timedelta(seconds=5)
    db.session.execute(update(LessonProgress).values(last_viewed_at=long_ago))
    db.session.commit()
    with count_queries() as q:
        assert client.get(url).status_code == 200
    assert any(st.lstrip().upper().startswith("UPDATE LESSON_PROGRESS") for st in q.statements)
    assert _viewed_at(learner, lesson) > long_ago + timedelta(seconds=4)


def test_going_back_to_a_lesson_moves_the_resume_point_at_once(client, login_as, learner):
    course = make_course(lessons=3)
    first, second, _third = course.modules[0].lessons
    enrol_user(learner, course)
    login_as(learner)
    for lesson in (first, second, first):  # all within a minute
        client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
    response = client.get(f"/kursus/{course.slug}/lanjutkan")
    assert response.headers["Location"].endswith(f"/pelajaran/{first.id}")


def test_sequential_gating_locks_the_next_module(client, login_as, learner):
    course = make_course(modules=2, lessons=1, sequential=True)
    first = course.modules[0].lessons[0]
    locked = course.modules[1].lessons[0]
    enrol_user(learner, course)
    login_as(learner)
    response = client.get(f"/kursus/{course.slug}/pelajaran/{locked.id}")
    assert response.status_code == 403 and "terbuka setelah" in _text(response)
    assert client.post(f"/kursus/{course.slug}/pelajaran/{locked.id}/selesai").status_code == 403
    assert client.get(f"/kursus/{course.slug}/modul/{course.modules[1].id}/unduh").status_code == 403
    assert _count(LessonProgress) == 0
    assert f"/pelajaran/{locked.id}" not in _text(client.get(f"/kursus/{course.slug}"))
    client.get(f"/kursus/{course.slug}/pelajaran/{first.id}")
    assert client.get(f"/kursus/{course.slug}/pelajaran/{locked.id}").status_code == 200


def test_a_long_course_lists_the_lessons_of_the_current_module_and_the_rest_on_request(
    client, login_as, learner
):
    course = make_course(modules=4, lessons=10, kinds=("text", "video"))  # 40 lessons
    m1, m2, m3, _m4 = course.modules
    enrol_user(learner, course)
    login_as(learner)
    for lesson in m1.lessons:
        client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
        client.post(f"/kursus/{course.slug}/pelajaran/{lesson.id}/selesai")
    page = _text(client.get(f"/kursus/{course.slug}"))
    # The current module (the next lesson's) is open, every module keeps its title and progress.
    assert all(f"/pelajaran/{le.id}" in page for le in m2.lessons)
    assert not any(f'/pelajaran/{le.id}"' in page for m in (m1, m3) for le in m.lessons[:-1])
    assert all(m.title in page for m in course.modules) and page.count("<progress") == 5
    assert f'href="?modul={m3.id}#modul-{m3.id}"' in page and "Lihat 10 pelajaran" in page
    # "Continue where you left off" and the next lesson stay on top.
    assert f"Lanjutkan: {m1.lessons[-1].title}" in page and f"Berikutnya: {m2.lessons[0].title}" in page
    page = _text(client.get(f"/kursus/{course.slug}?modul={m3.id}"))
    assert all(f"/pelajaran/{le.id}" in page for le in m3.lessons)
    assert f"/pelajaran/{m2.lessons[1].id}" not in page
    page = _text(client.get(f"/kursus/{course.slug}?modul=semua"))
    assert all(f"/pelajaran/{le.id}" in page for m in course.modules for le in m.lessons)
    assert "Lihat 10 pelajaran" not in page
    # Nonsense or a module of another course falls back to the current module.
    other = make_course()
    page = _text(client.get(f"/kursus/{course.slug}?modul={other.modules[0].id}"))
    assert f"/pelajaran/{m2.lessons[0].id}" in page and f"/pelajaran/{m3.lessons[0].id}" not in page


def test_outline_rows_show_tick_kind_duration_and_optional(client, login_as, learner):
    course = make_course(lessons=0)
    module = course.modules[0]
    read = make_lesson(module, title="Dibaca", duration_minutes=7)
    extra = make_lesson(module, title="Tambahan", kind="link", required=False)
    enrol_user(learner, course)
    login_as(learner)
    client.get(f"/kursus/{course.slug}/pelajaran/{read.id}")
    page = _text(client.get(f"/kursus/{course.slug}"))
    assert f'href="/kursus/{course.slug}/pelajaran/{read.id}"' in page
    assert f'href="/kursus/{course.slug}/pelajaran/{extra.id}"' in page
    assert "Bacaan · 7 mnt" in page and "Tautan · opsional" in page
    assert page.count("tick-done") == 1 and page.count("tick-todo") == 1


# --- lesson content --------------------------------------------------------------------------


def test_lesson_xss_is_removed_from_the_page(client, login_as, learner):
    course = make_course(lessons=0)
    lesson = services.add_lesson(
        course.modules[0],
        services.LessonData(
            title="Uji",
            body_md='<script>alert(1)</script><img src=x onerror="alert(2)"> [a](javascript:alert(3))',
        ),
    )
    db.session.commit()
    enrol_user(learner, course)
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}"))
    assert "alert(1)</script>" not in page and "onerror" not in page and "javascript:alert" not in page


def test_print_view_and_offline_module_download(client, login_as, learner):
    course = make_course(lessons=0, title="Kursus Cetak")
    module = course.modules[0]
    make_lesson(module, title="Bacaan Satu", body_md="# Judul\n\nIsi **tebal**.")
    make_lesson(module, title="Video Dua", kind="video", body_md="Transkrip video.")
    enrol_user(learner, course)
    login_as(learner)
    response = client.get(f"/kursus/{course.slug}/pelajaran/{module.lessons[0].id}/cetak")
    page = _text(response)
    assert response.status_code == 200 and "Bacaan Satu" in page and "<strong>tebal</strong>" in page
    assert "site-header" not in page and "style=" not in page
    response = client.get(f"/kursus/{course.slug}/modul/{module.id}/unduh")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = _text(response)
    assert "<style>" in html and "<script" not in html
    assert "Bacaan Satu" in html and "Video Dua" in html and "Transkrip video." in html
    assert len(response.data) < 100_000


def test_lesson_files_are_served_to_those_who_may_see_them(client, login_as, learner, app):
    course = make_course(lessons=0)
    lesson = services.add_lesson(
        course.modules[0],
        services.LessonData(title="Panduan", kind="file"),
        file=services.Upload(io.BytesIO(PDF), "Panduan SKM.pdf"),
    )
    att = services.add_attachment(lesson, services.Upload(io.BytesIO(PNG), "bagan.png"))
    db.session.commit()
    url = f"/kursus/{course.slug}/berkas/{lesson.id}"
    att_url = f"/kursus/{course.slug}/lampiran/{att.id}"
    login_as(learner)
    assert client.get(url).status_code == 404 and client.get(att_url).status_code == 404
    enrol_user(learner, course)
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Panduan SKM.pdf" in response.headers["Content-Disposition"]
    assert client.get(att_url).data == PNG
    second = services.add_attachment(lesson, services.Upload(io.BytesIO(PDF), "daftar.pdf"))
    db.session.commit()
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}"))
    assert att_url in page and f"/lampiran/{second.id}" in page  # every attachment listed
    offline = _text(client.get(f"/kursus/{course.slug}/modul/{course.modules[0].id}/unduh"))
    assert "bagan.png, daftar.pdf" in offline


# --- catalogue and self-enrolment ------------------------------------------------------------


def test_catalogue_search_and_filters(client, login_as, learner):
    program = make_program(name="Pelatihan Kepemimpinan Pengawas")
    make_course(title="Pelayanan Publik Prima", jp=10, program=program)
    mooc = make_course(title="Literasi Digital", jp=45)
    make_angkatan(course=mooc, enrolment_open=True)
    login_as(learner)
    page = _text(client.get("/kursus/?q=pelayanan"))
    assert "Pelayanan Publik Prima" in page and "Literasi Digital" not in page
    page = _text(client.get(f"/kursus/?program={program.id}"))
    assert "Pelayanan Publik Prima" in page and "Literasi Digital" not in page
    page = _text(client.get("/kursus/?jp=41%2B"))
    assert "Literasi Digital" in page and "Pelayanan Publik Prima" not in page
    page = _text(client.get("/kursus/?open_only=y"))
    assert (
        "Literasi Digital" in page
        and "Pelayanan Publik Prima" not in page
        and "Pendaftaran mandiri dibuka" in page
    )
    assert "Belum ada kursus" in _text(client.get("/kursus/?q=tidak-ada-yang-cocok"))


def test_catalogue_cards_show_jp_lessons_link_and_enrolment(client, login_as, learner):
    mine = make_course(title="Kursus Saya", jp=12, lessons=3)
    other = make_course(title="Kursus Lain", jp=4, lessons=2)
    make_angkatan(course=other, enrolment_open=True)
    enrol_user(learner, mine)
    login_as(learner)
    page = _text(client.get("/kursus/"))
    assert f'href="/kursus/{mine.slug}">Kursus Saya</a>' in page
    assert f'href="/kursus/{other.slug}">Kursus Lain</a>' in page
    assert "12 JP · 3 pelajaran" in page and "4 JP · 2 pelajaran" in page
    assert page.count("Anda terdaftar") == 1 and page.count("Pendaftaran mandiri dibuka") == 1


def test_catalogue_pages_counts_and_keeps_the_search(client, login_as, learner, app):
    """The catalogue's own page query: a count of every match, pages that keep the filters, a
    page past the last still counting the matches, unpublished modules not counted, the
    program's code and the cover's link on a card."""
    program = make_program(code="PKP-UJI")
    for i in range(app.config["PER_PAGE"] + 2):
        make_course(title=f"Pelayanan {i:02d}", program=program, commit=False)
    make_course(title="Lain Sendiri", commit=False)
    db.session.commit()
    covered = make_course(title="Pelayanan Bersampul", lessons=3, cover_key="abc", cover_mime="image/png")
    make_module(covered, published=False)
    make_lesson(covered.modules[-1])
    login_as(learner)
    page = _text(client.get(f"/kursus/?q=pelayanan&program={program.id}"))
    total = app.config["PER_PAGE"] + 2
    assert f"{total} kursus ditemukan." in page and "Halaman 1 dari 2" in page
    assert page.count('class="card course-card"') == app.config["PER_PAGE"]
    assert "PKP-UJI" in page and "Lain Sendiri" not in page
    assert f'href="/kursus/?q=pelayanan&amp;program={program.id}&amp;page=2" rel="next"' in page
    page2 = _text(client.get(f"/kursus/?q=pelayanan&program={program.id}&page=2"))
    assert page2.count('class="card course-card"') == 2 and "Halaman 2 dari 2" in page2
    # The search form shows what was asked.
    assert 'value="pelayanan"' in page2 and f'<option selected value="{program.id}">' in page2
    past = _text(client.get("/kursus/?q=pelayanan&page=9"))
    assert f"{total + 1} kursus ditemukan." in past and "Belum ada kursus" in past
    cover = _text(client.get("/kursus/?q=bersampul"))
    assert f'src="/kursus/{covered.slug}/sampul"' in cover
    assert "3 pelajaran" in cover  # the unpublished module's lesson is not counted
    # The count is cached per course version: a change of the course's lessons shows at once.
    services.set_module_published(covered.modules[-1], True)
    db.session.commit()
    assert "4 pelajaran" in _text(client.get("/kursus/?q=bersampul"))


def test_catalogue_form_shows_errors_and_drafts_only_to_authors(client, login_as, learner, admin):
    make_course(title="Kursus Draf", status="draft")
    login_as(learner)
    page = _text(client.get("/kursus/?q=" + "x" * 101 + "&jp=salah&open_only=y"))
    assert 'aria-describedby="q-error" aria-invalid="true" id="q"' in page and 'id="q-error"' in page
    assert 'aria-describedby="jp-error" aria-invalid="true" id="jp"' in page
    assert 'checked id="open_only"' in page
    assert "Kursus Draf" not in _text(client.get("/kursus/"))
    login_as(admin)
    page = _text(client.get("/kursus/"))
    assert "Kursus Draf" in page and '<span class="tag tag-warn">draft</span>' in page


def test_self_enrolment_from_the_course_page(client, login_as, learner):
    course = make_course(title="Literasi Digital")
    angkatan = make_angkatan(course=course, enrolment_open=True, name="Kelas Mandiri")
    closed = make_angkatan(course=course, name="Kelas Tertutup")
    login_as(learner)
    page = _text(client.get(f"/kursus/{course.slug}"))
    assert "Daftar ke Kelas Mandiri" in page and "Kelas Tertutup" not in page
    assert client.post(f"/kursus/{course.slug}/daftar/{closed.id}").status_code == 404
    other = make_course()
    assert client.post(f"/kursus/{other.slug}/daftar/{angkatan.id}").status_code == 404
    response = client.post(
        f"/kursus/{course.slug}/daftar/{angkatan.id}",
        data={"surat_tugas": (io.BytesIO(PDF), "surat.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Anda terdaftar" in _text(response)
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.via == "self" and enrolment.surat_tugas_name == "surat.pdf"
    assert client.get(f"/belajar/surat-tugas/{enrolment.id}").data == PDF
    assert f"/pelajaran/{course.modules[0].lessons[0].id}" in _text(client.get(f"/kursus/{course.slug}"))
    response = client.post(f"/kursus/{course.slug}/daftar/{angkatan.id}", follow_redirects=True)
    assert "sudah terdaftar" in _text(response)


def test_surat_tugas_is_private(client, login_as, learner):
    course = make_course()
    enrolment = services.enrol(
        make_angkatan(course=course), learner, surat_tugas=services.Upload(io.BytesIO(PDF), "st.pdf")
    )
    db.session.commit()
    login_as(make_user())
    assert client.get(f"/belajar/surat-tugas/{enrolment.id}").status_code == 404


def test_my_learning_empty_state(client, login_as, learner):
    login_as(learner)
    assert "belum terdaftar" in _text(client.get("/belajar"))


def test_program_angkatan_gives_the_programs_courses(client, login_as, learner):
    program = make_program()
    course = make_course(program=program, title="Manajemen Kinerja")
    make_module(course)
    enrol_user(learner, make_angkatan(program=program, name="PKP Angkatan IX"))
    login_as(learner)
    page = _text(client.get("/belajar"))
    assert "Manajemen Kinerja" in page and "PKP Angkatan IX" in page


def test_catalogue_cards_follow_each_viewers_language(app, make_app, login_as, tmp_path):
    """Rendered cards are kept per language: an Indonesian and an English reader of the same
    course each get their own labels."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = Path(__file__).resolve().parents[2] / "lms/translations/en/LC_MESSAGES/messages.po"
    with source.open("rb") as po, (target / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po))
    i18n_app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    course = make_course(title="Kursus Dwibahasa", jp=12, lessons=3)
    make_angkatan(course=course, enrolment_open=True)
    pages = {}
    for language in ("id", "en", "id"):
        client = i18n_app.test_client()
        login_as(make_user(language=language), on=client)
        db.session.rollback()  # SQLite: one writer at a time
        pages.setdefault(language, []).append(_text(client.get("/kursus/")))
    assert all("12 JP · 3 pelajaran" in p and "Pendaftaran mandiri dibuka" in p for p in pages["id"])
    assert "3 lesson(s)" in pages["en"][0] and "pelajaran" not in pages["en"][0].split("cards")[1]


def test_course_page_outline_follows_edits_and_links_only_for_those_enrolled(client, login_as, learner):
    """The outline's common parts are rendered once per course version: an edit shows at once,
    and the same cached parts serve an enrolled learner (links) and a visitor (titles only)."""
    course = make_course(lessons=2)
    lesson = course.modules[0].lessons[0]
    enrol_user(learner, course)
    login_as(learner)
    href = f'href="/kursus/{course.slug}/pelajaran/{lesson.id}">{lesson.title}</a>'
    assert href in _text(client.get(f"/kursus/{course.slug}"))
    services.update_lesson(
        lesson, services.LessonData(title="Judul Diperbarui"), expected_version=lesson.version
    )
    db.session.commit()
    page = _text(client.get(f"/kursus/{course.slug}"))
    assert f'/pelajaran/{lesson.id}">Judul Diperbarui</a>' in page
    login_as(make_user())
    visitor = _text(client.get(f"/kursus/{course.slug}"))
    assert (
        '<span class="lesson-title">Judul Diperbarui</span>' in visitor
        and f"/pelajaran/{lesson.id}" not in visitor
    )


def test_lesson_page_links_match_the_routes(app, client, login_as, learner):
    course = make_course(lessons=3, kinds=("video",))
    enrol_user(learner, course)
    login_as(learner)
    first, middle, last = course.modules[0].lessons
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{middle.id}"))
    with app.test_request_context():
        expected = [
            url_for("courses.course", slug=course.slug),
            url_for("courses.lesson", slug=course.slug, lesson_id=first.id),
            url_for("courses.lesson", slug=course.slug, lesson_id=last.id),
            url_for("courses.mark_done", slug=course.slug, lesson_id=middle.id),
            url_for("courses.print_lesson", slug=course.slug, lesson_id=middle.id),
            url_for("courses.download_module", slug=course.slug, module_id=middle.module_id),
        ]
    for url in expected:
        assert f'="{url}"' in page, url
    assert 'name="csrf_token"' in page.split("/selesai")[1].split("</form>")[0]


def test_reading_the_last_lesson_shows_the_completion_on_that_page_and_the_course_page(
    client, login_as, learner
):
    """The pages read the learner's completion with the course's row; the lesson page that
    completes the course reads it again after recording the visit."""
    course = make_course(lessons=1, jp=7)
    enrol_user(learner, course)
    login_as(learner)
    lesson = course.modules[0].lessons[0]
    assert "Kursus selesai" not in _text(client.get(f"/kursus/{course.slug}"))
    page = _text(client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}"))
    assert "Kursus selesai." in page and "7 JP telah dicatat" in page
    assert "Kursus selesai" in _text(client.get(f"/kursus/{course.slug}"))
    # Another learner, not enrolled, sees neither the content nor someone else's completion.
    login_as(make_user())
    other = _text(client.get(f"/kursus/{course.slug}"))
    assert "Kursus selesai" not in other and f"/pelajaran/{lesson.id}" not in other
    assert client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").status_code == 404


def test_my_learning_shows_the_years_jp_with_and_without_courses(client, login_as, learner):
    year = services.local_today(learner.timezone).year
    jp_services.credit_jp(learner, JpSource.COURSE, 991, "Pelatihan luar", 12)
    jp_services.credit_jp(learner, JpSource.COURSE, 992, "Tahun lalu", 30, at=utcnow() - timedelta(days=400))
    db.session.commit()
    login_as(learner)
    assert f"JP Anda tahun {year}: 12 JP." in _text(client.get("/belajar"))
    course = make_course(jp=5, lessons=1)
    enrol_user(learner, course)
    client.get(f"/kursus/{course.slug}/pelajaran/{course.modules[0].lessons[0].id}")  # completes it
    page = _text(client.get("/belajar"))
    assert f"JP Anda tahun {year}: 17 JP." in page and course.title in page
