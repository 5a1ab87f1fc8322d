"""Course services: publishing, progress, completion and JP, gating, Markdown safety, enrolment."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from lms.courses import permissions, services
from lms.courses.models import (
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
)
from lms.errors import ImportRejected, StaleEdit, WorkflowError
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import JpRecord
from lms.markdown import MarkdownTooLong
from lms.models_base import utcnow
from tests.factories import (
    enrol_user,
    make_angkatan,
    make_course,
    make_lesson,
    make_module,
    make_program,
    make_user,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- publishing and visibility ---------------------------------------------------------------


def test_publishing_needs_a_published_module_with_a_lesson(app):
    course = services.create_course(services.CourseData(title="Etika Publik", jp=6))
    assert course.slug == "etika-publik" and course.status == CourseStatus.DRAFT
    with pytest.raises(WorkflowError, match="modul"):
        services.change_course_status(course, "published")
    module = services.add_module(course, "Modul 1")
    services.add_lesson(module, services.LessonData(title="Pengantar", body_md="Halo"))
    with pytest.raises(WorkflowError):
        services.change_course_status(course, "published")  # module not published yet
    services.set_module_published(module, True)
    services.change_course_status(course, "published")
    assert course.status == CourseStatus.PUBLISHED and course.published_at is not None
    services.change_course_status(course, "archived")
    services.change_course_status(course, "draft")
    assert course.status == CourseStatus.DRAFT


def test_slugs_are_unique(app):
    a = services.create_course(services.CourseData(title="Manajemen ASN"))
    b = services.create_course(services.CourseData(title="Manajemen ASN"))
    assert (a.slug, b.slug) == ("manajemen-asn", "manajemen-asn-2")
    with pytest.raises(services.CourseError, match="sudah dipakai"):
        services.create_course(services.CourseData(title="X", slug="manajemen-asn"))
    with pytest.raises(services.CourseError, match="Slug"):
        services.create_course(services.CourseData(title="X", slug="Bukan Slug!"))


def test_draft_and_unpublished_content_is_invisible_to_enrolled_learners(app):
    learner, admin = make_user(), make_user(roles=("admin",))
    course = make_course(status="draft", modules=2)
    enrol_user(learner, course)
    hidden = course.modules[1]
    hidden.published = False
    db.session.commit()
    assert not permissions.can_access_course(learner, course)
    assert not permissions.can_view_course(learner, course)
    assert permissions.can_access_course(admin, course)
    assert course not in services.learner_courses(learner)
    course.status, course.published_at = CourseStatus.PUBLISHED, datetime.now(UTC)
    db.session.commit()
    assert permissions.can_access_course(learner, course)
    assert course in services.learner_courses(learner)
    assert permissions.can_view_module(learner, course.modules[0])
    assert not permissions.can_view_module(learner, hidden)
    assert not permissions.can_view_lesson(learner, hidden.lessons[0])
    assert permissions.can_view_lesson(admin, hidden.lessons[0])
    outline = services.course_outline(course, learner)
    assert [m.module.id for m in outline.modules] == [course.modules[0].id]


def test_access_needs_an_enrolment_covering_the_course_or_its_program(app):
    program = make_program()
    in_program = make_course(program=program)
    other = make_course()
    alice, bob, carol = make_user(), make_user(), make_user()
    enrol_user(alice, make_angkatan(program=program))
    enrol_user(bob, other, status="withdrawn")
    enrol_user(carol, other, status="completed")
    assert permissions.can_access_course(alice, in_program)
    assert not permissions.can_access_course(alice, other)
    assert not permissions.can_access_course(bob, other)  # withdrawn
    assert permissions.can_access_course(carol, other)  # completed keeps access
    assert services.learner_courses(alice) == [in_program]


# --- progress and completion -----------------------------------------------------------------


def test_text_completes_on_reading_others_by_a_click_and_completion_credits_jp_once(app):
    learner = make_user(timezone="Asia/Jayapura")
    course = make_course(jp=12, lessons=3, kinds=("text", "video", "file"))
    enrolment = enrol_user(learner, course)
    text, video, file_lesson = course.modules[0].lessons
    services.record_view(learner, text)
    services.record_view(learner, video)
    db.session.commit()
    outline = services.course_outline(course, learner)
    assert (outline.done, outline.total) == (1, 3)
    assert outline.resume.id == video.id and outline.next_lesson.id == video.id
    services.mark_lesson_done(learner, video)
    assert not services.check_completion(learner, course)
    at = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 01:30 on 1 January 2026 in Jayapura (WIT)
    services.mark_lesson_done(learner, file_lesson, at=at)
    db.session.commit()
    completion = db.session.scalar(select(CourseCompletion))
    assert completion.completed_at == at
    record = db.session.scalar(select(JpRecord))
    assert (record.user_id, record.source, record.source_id, record.jp, record.year) == (
        learner.id,
        "course",
        course.id,
        12,
        2026,
    )
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at == at
    # Again and again: nothing more is recorded.
    assert services.check_completion(learner, course)
    services.mark_lesson_done(learner, video)
    services.record_view(learner, text)
    db.session.commit()
    assert _count(CourseCompletion) == 1 and _count(JpRecord) == 1
    assert jp_services.jp_total(learner, 2026) == 12
    assert services.course_outline(course, learner).percent == 100


def test_jp_year_follows_the_learners_time_zone(app):
    at = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert jp_services.local_year(at, "Asia/Jakarta") == 2025  # 23:30 WIB
    assert jp_services.local_year(at, "Asia/Makassar") == 2026  # 00:30 WITA on 1 January
    assert jp_services.local_year(at - timedelta(hours=1), "Asia/Makassar") == 2025
    assert jp_services.local_year(at, "Asia/Jayapura") == 2026


def test_completion_is_recorded_once_under_concurrency(make_app):
    app = make_app()
    with app.app_context():
        learner = make_user()
        course = make_course(jp=8, lessons=1)
        enrol_user(learner, course)
        db.session.add(
            LessonProgress(
                user_id=learner.id, lesson_id=course.modules[0].lessons[0].id, completed_at=datetime.now(UTC)
            )
        )
        db.session.commit()
        user_id, course_id = learner.id, course.id

    barrier = threading.Barrier(4, timeout=60)  # a safety net against a hang, not a timing check
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()  # all four start together
                user = db.session.get(type(learner), user_id)
                target = db.session.get(type(course), course_id)
                results.append(services.check_completion(user, target))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == [True] * 4
    with app.app_context():
        assert _count(CourseCompletion) == 1
        assert db.session.scalar(select(func.count()).select_from(JpRecord)) == 1


def test_registered_requirements_take_part_in_completion(app):
    learner = make_user()
    course = make_course(lessons=1)
    enrol_user(learner, course)
    state = {"done": 0}

    def required_quizzes(user_id, c):
        return (state["done"], 1) if c.id == course.id else (0, 0)

    services.register_completion_requirement(required_quizzes)
    services.register_completion_requirement(required_quizzes)  # kept once
    try:
        services.record_view(learner, course.modules[0].lessons[0])
        assert not services.check_completion(learner, course)
        outline = services.course_outline(course, learner)
        assert (outline.done, outline.total) == (1, 2)
        state["done"] = 1
        assert services.check_completion(learner, course)
    finally:
        services.unregister_completion_requirement(required_quizzes)
    assert _count(CourseCompletion) == 1


def test_empty_or_draft_courses_never_complete(app):
    learner = make_user()
    empty = make_course(modules=0)
    draft = make_course(status="draft", lessons=1)
    assert not services.check_completion(learner, empty)
    services.record_view(learner, draft.modules[0].lessons[0])
    assert not services.check_completion(learner, draft)
    assert _count(CourseCompletion) == 0


def test_optional_lessons_and_unpublished_modules_do_not_block_completion(app):
    learner = make_user()
    course = make_course(lessons=1, modules=1)
    optional = make_lesson(course.modules[0], required=False)
    hidden = make_module(course, published=False)
    make_lesson(hidden)
    services.record_view(learner, course.modules[0].lessons[0])
    db.session.commit()
    assert services.completion_of(learner, course) is not None
    assert services.course_outline(course, learner).next_lesson.id == optional.id


def test_editing_a_published_lesson_keeps_progress(app):
    learner = make_user()
    course = make_course(lessons=2)
    lesson = course.modules[0].lessons[0]
    services.record_view(learner, lesson)
    db.session.commit()
    services.update_lesson(
        lesson,
        services.LessonData(title="Judul baru", body_md="Teks **baru**"),
        expected_version=lesson.version,
    )
    db.session.commit()
    assert "<strong>baru</strong>" in lesson.body_html
    outline = services.course_outline(course, learner)
    assert outline.by_lesson[lesson.id][1].done
    with pytest.raises(StaleEdit):
        services.update_lesson(lesson, services.LessonData(title="Lagi"), expected_version=lesson.version - 1)


def test_sequential_gating_opens_a_module_when_the_previous_is_done(app):
    learner = make_user()
    course = make_course(modules=3, lessons=2, sequential=True)
    first, second, third = (services.course_outline(course, learner).modules[i] for i in range(3))
    assert (first.open, second.open, third.open) == (True, False, False)
    for lesson in course.modules[0].lessons:
        services.record_view(learner, lesson)
    outline = services.course_outline(course, learner)
    assert [m.open for m in outline.modules] == [True, True, False]
    assert outline.next_lesson.id == course.modules[1].lessons[0].id
    course.sequential = False
    assert all(m.open for m in services.course_outline(course, learner).modules)


def test_a_view_needs_recording_only_when_it_adds_something(app):
    learner = make_user()
    course = make_course(lessons=0)
    module = course.modules[0]
    text, video = make_lesson(module), make_lesson(module, kind="video")
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def needs(lesson, at):
        return services.view_needs_recording(services.course_outline(course, learner), lesson, at)

    assert needs(text, t0)  # first visit
    services.record_view(learner, video, at=t0)
    assert not needs(video, t0 + timedelta(minutes=4))  # the latest view, a moment ago
    assert needs(video, t0 + services.VIEW_REFRESH)  # on record, but long ago
    services.record_view(learner, text, at=t0 + timedelta(minutes=1))
    assert not needs(text, t0 + timedelta(minutes=2))  # done on opening, just now
    assert needs(video, t0 + timedelta(minutes=2))  # another lesson was opened since
    db.session.execute(
        LessonProgress.__table__.update().where(LessonProgress.lesson_id == text.id).values(completed_at=None)
    )
    assert needs(text, t0 + timedelta(minutes=2))  # a text lesson not yet done completes once


def test_the_current_module_is_where_the_learner_goes_next(app):
    learner = make_user()
    course = make_course(modules=3, lessons=2)
    m1, m2, m3 = course.modules
    assert services.course_outline(course, learner).current_module.module.id == m1.id
    for lesson in m1.lessons:
        services.record_view(learner, lesson)
    assert services.course_outline(course, learner).current_module.module.id == m2.id
    for lesson in (*m2.lessons, *m3.lessons):
        services.record_view(learner, lesson)
    # Everything done: the module of the lesson last opened.
    assert services.course_outline(course, learner).current_module.module.id == m3.id


def test_my_learning_lists_progress_next_lesson_resume_and_deadline(app):
    learner = make_user()
    program = make_program()
    a = make_course(title="A", program=program, lessons=2)
    b = make_course(title="B", lessons=2, sequential=True, modules=2)
    make_course(title="C draft", program=program, status="draft")
    enrol_user(learner, make_angkatan(program=program, end_date=date(2026, 12, 31)))
    enrol_user(learner, b)
    services.record_view(learner, a.modules[0].lessons[1])
    db.session.commit()
    cards = {c.course.title: c for c in services.my_learning(learner)}
    assert set(cards) == {"A", "B"}
    assert (cards["A"].done, cards["A"].total) == (1, 2)
    assert cards["A"].next_lesson.id == a.modules[0].lessons[0].id
    assert cards["A"].resume.id == a.modules[0].lessons[1].id
    assert cards["A"].deadline == date(2026, 12, 31)
    assert cards["B"].next_lesson.id == b.modules[0].lessons[0].id and cards["B"].resume is None


def test_my_learning_cold_and_warm_names_the_oldest_angkatan_and_skips_withdrawn_ones(app, count_queries):
    learner = make_user()
    program = make_program()
    a = make_course(title="A", program=program, lessons=3)
    b = make_course(title="B", lessons=2)
    make_module(b, published=False)
    make_lesson(b.modules[-1], title="Belum terbit")
    c = make_course(title="C", lessons=1)
    enrol_user(learner, make_angkatan(program=program, name="Angkatan Program"))
    enrol_user(learner, make_angkatan(course=a, name="Angkatan Kursus"))  # newer: not the card's
    enrol_user(learner, b)
    enrol_user(learner, c, status="withdrawn")
    services.mark_lesson_done(learner, a.modules[0].lessons[2])
    services.record_view(learner, b.modules[0].lessons[0])
    db.session.commit()
    cards = services.my_learning(learner)
    services.clear_course_caches()
    with count_queries() as cold:
        assert services.my_learning(learner) == cards
    with count_queries() as warm:
        assert services.my_learning(learner) == cards
    # Both courses' modules and lessons are read in one query when not cached yet.
    assert len(cold.statements) == len(warm.statements) + 1
    assert [c.course.title for c in cards] == ["A", "B"]
    card_a, card_b = cards
    assert card_a.angkatan.name == "Angkatan Program"
    assert (card_a.done, card_a.total) == (1, 3) and card_a.next_lesson.id == a.modules[0].lessons[0].id
    assert card_a.resume.id == a.modules[0].lessons[2].id
    assert (card_b.done, card_b.total) == (1, 2)  # the unpublished module's lesson does not count
    assert card_b.next_lesson.id == b.modules[0].lessons[1].id


# --- Markdown safety -------------------------------------------------------------------------


def test_lesson_markdown_is_sanitised_at_save_time(app):
    course = make_course(lessons=0)
    lesson = services.add_lesson(
        course.modules[0],
        services.LessonData(
            title="XSS",
            body_md=(
                "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
                '[klik](javascript:alert(3)) <a href="javascript:alert(4)">a</a> '
                '<p onclick="alert(5)">p</p>'
            ),
        ),
    )
    html = lesson.body_html
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html


def test_a_16kb_run_of_brackets_is_rendered_without_the_link_parser(app):
    html = services.render_body("[" * 16 * 1024)
    assert html.count("&#91;") + html.count("[") == 16 * 1024
    html = services.render_body("[a" * 8 * 1024)
    assert "<a" not in html


def test_markdown_over_the_cap_is_refused_with_a_message(make_app):
    app = make_app(MARKDOWN_MAX_CHARS=100)
    with app.app_context():
        course = make_course(lessons=0)
        with pytest.raises(MarkdownTooLong, match="terlalu panjang"):
            services.add_lesson(course.modules[0], services.LessonData(title="Panjang", body_md="x" * 101))
        assert services.preview_markdown("x" * 101)[1]


# --- lessons: kinds, files, order ------------------------------------------------------------


def test_lesson_kinds_are_validated(app):
    module = make_course(lessons=0).modules[0]
    with pytest.raises(services.CourseError, match="YouTube"):
        services.add_lesson(
            module, services.LessonData(title="V", kind="video", video_url="https://evil.test/x", body_md="t")
        )
    with pytest.raises(services.CourseError, match="alternatif teks"):
        services.add_lesson(
            module, services.LessonData(title="V", kind="video", video_url="https://youtu.be/dQw4w9WgXcQ")
        )
    with pytest.raises(services.CourseError, match="http"):
        services.add_lesson(
            module, services.LessonData(title="L", kind="link", link_url="javascript:alert(1)")
        )
    with pytest.raises(services.CourseError, match="berkas"):
        services.add_lesson(module, services.LessonData(title="F", kind="file"))
    lesson = services.add_lesson(
        module,
        services.LessonData(title="F", kind="file"),
        file=services.Upload(io.BytesIO(PDF), "C:\\Users\\me\\Modul 1.pdf"),
    )
    assert lesson.kind == LessonKind.FILE and lesson.file_name == "Modul 1.pdf"
    assert lesson.file_mime == "application/pdf"


@pytest.mark.parametrize(
    "url,kind,src",
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "youtube",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ?t=3", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
        ("https://cdn.example.id/materi/video.mp4", "mp4", "https://cdn.example.id/materi/video.mp4"),
    ],
)
def test_video_urls_are_recognised(url, kind, src):
    embed = services.video_embed(url)
    assert (embed.kind, embed.src) == (kind, src)


@pytest.mark.parametrize(
    "url",
    ["http://cdn.example.id/v.mp4", "https://www.youtube.com/watch?v=bad", "javascript:alert(1)", "", None],
)
def test_bad_video_urls_are_refused(url):
    assert services.video_embed(url) is None


def test_reordering_keeps_edit_versions(app):
    course = make_course(modules=2, lessons=3)
    a, b, c = course.modules[0].lessons
    version = a.version
    assert services.move_lesson(a, +1)
    assert not services.move_lesson(c, +1)
    db.session.commit()
    db.session.expire_all()
    assert [lesson.id for lesson in course.modules[0].lessons] == [b.id, a.id, c.id]
    assert a.version == version
    services.move_module(course.modules[1], -1)
    db.session.commit()
    db.session.expire_all()
    assert [m.title for m in course.modules] == ["Modul 2", "Modul 1"]


def test_delete_lesson_returns_its_files(app):
    module = make_course(lessons=0).modules[0]
    lesson = services.add_lesson(
        module, services.LessonData(title="F", kind="file"), file=services.Upload(io.BytesIO(PDF), "a.pdf")
    )
    attachment = services.add_attachment(lesson, services.Upload(io.BytesIO(PNG), "gambar.png"))
    keys = services.delete_lesson(lesson)
    assert set(keys) == {lesson.file_key, attachment.key}


# --- angkatan and enrolment ------------------------------------------------------------------


def test_nobody_is_their_own_mentor_or_coach(app):
    person = make_user(roles=("mentor", "coach"))
    angkatan = make_angkatan(course=make_course())
    with pytest.raises(services.CourseError, match="mentor bagi dirinya"):
        services.enrol(angkatan, person, mentor=person)
    with pytest.raises(services.CourseError, match="coach bagi dirinya"):
        services.enrol(angkatan, person, coach=person)
    plain = make_user()
    with pytest.raises(services.CourseError, match="peran mentor"):
        services.enrol(angkatan, make_user(), mentor=plain)


def test_admin_enrolment_assigns_ndh_and_checks_capacity(app):
    mentor, coach = make_user(roles=("mentor",)), make_user(roles=("coach",))
    angkatan = make_angkatan(course=make_course(), capacity=2)
    first = services.enrol(angkatan, make_user(), mentor=mentor, coach=coach)
    second = services.enrol(angkatan, make_user(), ndh=7)
    assert (first.ndh, second.ndh) == (1, 7)
    with pytest.raises(services.CourseError, match="penuh"):
        services.enrol(angkatan, make_user())
    with pytest.raises(services.CourseError, match="NDH 7"):
        services.update_enrolment(first, 7, None, None)
    assert [e.id for e in services.mentees_of(mentor)] == [first.id]
    assert [e.id for e in services.coachees_of(coach)] == [first.id]
    services.change_enrolment_status(second, "withdrawn")
    assert services.enrol(angkatan, make_user()).ndh == 8  # a seat came free
    with pytest.raises(WorkflowError):
        services.change_enrolment_status(second, "completed")


def test_self_enrolment_only_where_open(app):
    learner = make_user()
    course = make_course()
    closed = make_angkatan(course=course)
    ended = make_angkatan(course=course, enrolment_open=True, end_date=date(2020, 1, 1))
    open_ = make_angkatan(course=course, enrolment_open=True)
    with pytest.raises(services.CourseError, match="ditutup"):
        services.self_enrol(closed, learner)
    with pytest.raises(services.CourseError, match="berakhir"):
        services.self_enrol(ended, learner)
    assert [a.id for a in services.open_angkatan_for(course)] == [open_.id]
    enrolment = services.self_enrol(open_, learner, surat_tugas=services.Upload(io.BytesIO(PDF), "st.pdf"))
    assert enrolment.via == "self" and enrolment.surat_tugas_name == "st.pdf"
    with pytest.raises(services.CourseError, match="sudah terdaftar"):
        services.self_enrol(open_, learner)
    draft = make_course(status="draft")
    with pytest.raises(services.CourseError, match="belum dibuka"):
        services.self_enrol(make_angkatan(course=draft, enrolment_open=True), make_user())


def test_enrolment_csv_with_one_unknown_nip_imports_nothing_and_names_the_line(app):
    a, b = make_user(), make_user()
    angkatan = make_angkatan(course=make_course())
    text = f"nip,ndh\n{a.nip},1\n199901012020011999,2\n{b.nip},3\n"
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, text, filename="peserta.csv")
    (error,) = info.value.errors
    assert (error.line, error.file) == (3, "peserta.csv")
    assert "199901012020011999" in error.message and "tidak ditemukan" in error.message
    db.session.rollback()
    assert _count(Enrolment) == 0


def test_enrolment_csv_checks_every_line(app):
    mentor = make_user(roles=("mentor",))
    a, b, c = make_user(), make_user(), make_user()
    angkatan = make_angkatan(course=make_course())
    text = (
        "nip;ndh;mentor_nip;coach_nip\n"
        f"{a.nip};1;{a.nip};\n"  # own mentor
        f"{b.nip};x;;\n"  # bad NDH
        f"{c.nip};2;;{mentor.nip}\n"  # no coach role
        f"{c.nip};3;;\n"  # repeated NIP
    )
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, text)
    assert [e.line for e in info.value.errors] == [2, 3, 4, 5]


def test_enrolment_csv_names_each_rule_it_breaks_by_line(app):
    """The messages of the CSV checks, sorted by line: the file against itself (a repeated NDH,
    a negative NDH, an empty NIP, an unknown mentor) and against the angkatan (an NDH held by
    someone the file does not mention, the first line past the capacity)."""
    holder = make_user()
    a, b, c, d = make_user(), make_user(), make_user(), make_user()
    angkatan = make_angkatan(course=make_course(), capacity=3)
    enrol_user(holder, angkatan, ndh=7)
    text = (
        "NIP,NDH,Mentor_NIP\n"
        f"{a.nip},1,\n"
        f"{b.nip},1,\n"  # NDH repeated from line 2
        f"{c.nip},-2,\n"  # not a positive NDH
        ",5,\n"  # no NIP
        "\n"  # an empty line is skipped
        f"{d.nip},,199901012020011999\n"  # unknown mentor
        f"{c.nip},7,\n"  # c again: named on line 4 already (though that line was refused)
    )
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, text, filename="p.csv")
    assert [(e.line, e.file, e.message) for e in info.value.errors] == [
        (3, "p.csv", "NDH 1 sudah muncul di baris 2."),
        (4, "p.csv", "NDH -2 bukan bilangan bulat positif."),
        (5, "p.csv", "NIP peserta kosong."),
        (7, "p.csv", "Mentor dengan NIP 199901012020011999 tidak ditemukan."),
        (8, "p.csv", "NIP ini sudah muncul di baris 4."),
    ]
    db.session.rollback()
    text = f"nip,ndh\n{a.nip},7\n{b.nip},\n{c.nip},\n"
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, text)
    assert [(e.line, e.message) for e in info.value.errors] == [
        (2, "NDH 7 sudah dipakai peserta lain di angkatan ini."),
        (4, "Angkatan penuh (kapasitas 3 peserta)."),
    ]
    db.session.rollback()
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, "ndh,mentor_nip\n1,\n")
    assert [(e.line, e.message) for e in info.value.errors] == [
        (1, "Kolom nip tidak ada. Kolom yang dikenal: nip, ndh, mentor_nip, coach_nip.")
    ]
    with pytest.raises(ImportRejected) as info:
        services.import_enrolments_csv(angkatan, "nip,ndh\n\n,\n")
    assert [(e.line, e.message) for e in info.value.errors] == [(1, "Berkas tidak berisi baris data.")]
    assert _count(Enrolment) == 1


def test_enrolment_csv_creates_updates_and_swaps_ndh(app):
    mentor, coach = make_user(roles=("mentor",)), make_user(roles=("coach",))
    a, b, c = make_user(), make_user(), make_user()
    angkatan = make_angkatan(program=make_program())
    result = services.import_enrolments_csv(
        angkatan,
        f"nip,ndh,mentor_nip,coach_nip\n{a.nip},1,{mentor.nip},{coach.nip}\n{b.nip},2,,\n{c.nip},,,\n",
    )
    db.session.commit()
    assert (result.created, result.updated) == (3, 0)
    by_user = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    assert (by_user[a.id].ndh, by_user[a.id].mentor_id, by_user[a.id].coach_id) == (1, mentor.id, coach.id)
    assert by_user[c.id].ndh == 3 and by_user[c.id].via == "csv"
    result = services.import_enrolments_csv(angkatan, f"nip,ndh\n{a.nip},2\n{b.nip},1\n")
    db.session.commit()
    assert (result.created, result.updated) == (0, 2)
    assert (by_user[a.id].ndh, by_user[b.id].ndh) == (2, 1)


# --- the per-process cache of a course's modules and lessons ---------------------------------


def _titles(outline) -> list[tuple[str, list[str]]]:
    return [(m.module.title, [ol.lesson.title for ol in m.lessons]) for m in outline.modules]


def test_a_cached_outline_follows_every_change_of_the_course_content(app, count_queries):
    learner = make_user()
    course = make_course(lessons=2)
    module = course.modules[0]
    first, second = module.lessons
    services.clear_course_caches()
    before = _titles(services.course_outline(course, learner))
    with count_queries() as warm:
        assert _titles(services.course_outline(course, learner)) == before
    with count_queries() as cold:
        services.clear_course_caches()
        services.course_outline(course, learner)
    assert len(cold.statements) == len(warm.statements) + 1  # the modules and lessons: cached
    version = course.version

    def outline():
        db.session.commit()
        return services.course_outline(course, learner)

    services.update_lesson(first, services.LessonData(title="Judul baru"), expected_version=first.version)
    assert outline().by_lesson[first.id][1].lesson.title == "Judul baru"
    services.move_lesson(second, -1)
    assert [ol.lesson.id for ol in outline().modules[0].lessons] == [second.id, first.id]
    added = services.add_lesson(module, services.LessonData(title="Pelajaran tambahan", body_md="x"))
    assert outline().order[-1].id == added.id
    services.delete_lesson(added)
    assert added.id not in outline().by_lesson
    hidden = services.add_module(course, "Modul Baru", published=True)
    make_lesson(hidden, title="Di modul baru")
    assert _titles(outline())[-1] == ("Modul Baru", ["Di modul baru"])
    services.set_module_published(hidden, False)
    assert [t for t, _ in _titles(outline())] == [module.title]
    assert "Modul Baru" in [t for t, _ in _titles(services.course_outline(course, learner, True))]
    services.move_module(hidden, -1)
    assert [t for t, _ in _titles(services.course_outline(course, learner, True))][0] == "Modul Baru"
    # The stamp leaves the course's edit version alone: an open course form stays valid.
    db.session.refresh(course)
    assert course.version == version


def test_a_change_made_elsewhere_reaches_a_warm_cache_through_the_course_row(app):
    """Another process edits a lesson (here: plain SQL, past this session's objects, and the
    stamp that every change of content writes); this process sees it as soon as it reads the
    course row again."""
    learner = make_user()
    course = make_course(lessons=2)
    lesson = course.modules[0].lessons[0]
    assert services.course_outline(course, learner).by_lesson[lesson.id][1].lesson.title == lesson.title
    db.session.execute(update(Lesson).where(Lesson.id == lesson.id).values(title="Diubah di proses lain"))
    db.session.execute(update(Course).where(Course.id == course.id).values(updated_at=utcnow()))
    db.session.commit()
    course = services.course_by_slug(course.slug)
    assert (
        services.course_outline(course, learner).by_lesson[lesson.id][1].lesson.title
        == "Diubah di proses lain"
    )


def test_resume_is_the_visible_lesson_viewed_last(app):
    """ "Continue" points at the lesson opened last among those the learner may see: a lesson of a
    module unpublished since does not count (the outline and my learning agree)."""
    learner = make_user()
    course = make_course(lessons=3, modules=2)
    enrol_user(learner, course)
    first, second = course.modules[0].lessons[:2]
    hidden = course.modules[1].lessons[0]
    start = utcnow()
    services.record_view(learner, second, at=start)
    services.record_view(learner, first, at=start + timedelta(minutes=1))
    services.record_view(learner, hidden, at=start + timedelta(minutes=2))
    db.session.commit()
    outline = services.course_outline(course, learner)
    assert outline.resume.id == hidden.id
    assert outline.by_lesson[hidden.id][1].viewed_at == start + timedelta(minutes=2)
    assert outline.by_lesson[first.id][1].viewed and outline.by_lesson[first.id][1].done
    assert services.my_learning(learner)[0].resume.id == hidden.id
    services.set_module_published(course.modules[1], False)
    db.session.commit()
    outline = services.course_outline(course, learner)
    assert outline.resume.id == first.id
    assert services.view_needs_recording(outline, first, start + timedelta(minutes=3)) is False
    assert services.view_needs_recording(outline, second, start + timedelta(minutes=3)) is True
    assert services.my_learning(learner)[0].resume.id == first.id
    # An admin's preview still sees the unpublished module's lesson as the last one opened.
    assert services.course_outline(course, learner, include_unpublished=True).resume.id == hidden.id
