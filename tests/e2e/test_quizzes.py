"""Exam day in a browser: a learner takes a timed post-test, reloads and finds every answer, submits
and sees the result; the admin sees the pre/post gain. check_page on every page visited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import demo as accounts_demo
from lms.accounts.models import User
from lms.extensions import db
from lms.quizzes import demo as quizzes_demo
from lms.quizzes import services
from lms.quizzes.models import AttemptQuestion, Quiz, QuizKind
from tests.e2e.helpers import check_page, login
from tests.factories import enrol, make_quiz_course

pytestmark = pytest.mark.e2e

PASSWORD = accounts_demo.DEMO_PASSWORD


@pytest.fixture
def exam(live_server):
    """Demo users, the demo course with its quizzes, peserta1 enrolled with a pre-test done."""
    with live_server.app.app_context():
        users = accounts_demo.seed()
        course = make_quiz_course(slug=quizzes_demo.DEMO_COURSE_SLUG, title="Pelayanan Publik Prima")
        quizzes_demo.seed()
        learner = db.session.scalar(select(User).where(User.username == "peserta1"))
        enrolment = enrol(learner, course, coach=users["coach"], ndh=1)
        pre = db.session.scalar(select(Quiz).where(Quiz.kind == QuizKind.PRE_TEST))
        post = db.session.scalar(select(Quiz).where(Quiz.kind == QuizKind.POST_TEST))
        attempt = services.start_attempt(pre, learner.id)
        first = db.session.scalars(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
        ).first()
        services.save_answer(attempt.id, first, {"text": "9", "value": True, "choice": "1"})
        services.submit_attempt(attempt)
        db.session.commit()
        ids = {"post": post.id, "angkatan": enrolment.angkatan_id}
    return live_server, ids


def test_timed_quiz_answers_survive_a_reload_and_the_gain_is_reported(exam, page):
    server, ids = exam
    login(page, server, "peserta1", PASSWORD)
    page.goto(f"{server.url}/kuis/")
    check_page(page)
    page.get_by_role("link", name="Post-test Pelayanan Publik Prima").click()
    assert page.get_by_role("heading", name="Post-test Pelayanan Publik Prima", level=1).is_visible()
    check_page(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Mulai mengerjakan").click()
    check_page(page)
    countdown = page.locator("#quiz-countdown")
    minutes = int(countdown.inner_text().split(":")[0])
    assert 28 <= minutes <= 30  # from the server's deadline, not the browser's clock

    # Answer a choice question and a typed one; each shows the server's receipt.
    choice_box = page.locator("fieldset.quiz-q:has(input[type=radio])").first
    radio = choice_box.locator("input[type=radio]").nth(1)
    radio.check()
    chosen_value = radio.get_attribute("value")
    choice_status = choice_box.locator(".save-status")
    choice_status.filter(has_text="Tersimpan").wait_for()
    typed_box = page.locator("fieldset.quiz-q:has(input[type=text])").first
    typed_box.locator("input[type=text]").fill("2009")
    typed_status = typed_box.locator(".save-status")
    typed_status.filter(has_text="Tersimpan").wait_for(timeout=10000)
    choice_id = choice_box.get_attribute("data-aq")
    typed_id = typed_box.get_attribute("data-aq")

    page.reload()
    check_page(page)
    restored_choice = page.locator(f"fieldset[data-aq='{choice_id}'] input[value='{chosen_value}']")
    assert restored_choice.is_checked()
    assert page.locator(f"fieldset[data-aq='{typed_id}'] input[type=text]").input_value() == "2009"

    with page.expect_navigation():
        page.get_by_role("button", name="Kumpulkan", exact=True).click()
    assert page.get_by_role("heading", name="Kumpulkan jawaban", level=1).is_visible()
    check_page(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Ya, kumpulkan sekarang").click()
    assert page.get_by_text("Nilai:").first.is_visible()
    check_page(page)

    page.get_by_role("button", name="Keluar", exact=True).click()
    login(page, server, "admin", PASSWORD)
    page.goto(f"{server.url}/admin/kuis/{ids['post']}/peningkatan")
    check_page(page)
    page.get_by_role("link", name=page.locator("table a").first.inner_text()).click()
    check_page(page)
    cells = page.locator("tbody tr").last.locator("td").all_inner_texts()
    # NDH, name, pre, post, gain, g: every score is there and the gain is post - pre.
    pre, post, gain = (float(cells[i]) for i in (2, 3, 4))
    assert gain == pytest.approx(post - pre, abs=0.01)


def test_offline_answers_are_kept_and_sent_when_back_online(exam, page):
    server, ids = exam
    login(page, server, "peserta1", PASSWORD)
    page.goto(f"{server.url}/kuis/{ids['post']}")
    with page.expect_navigation():
        page.get_by_role("button", name="Mulai mengerjakan").click()
    check_page(page)
    banner = page.locator("#quiz-offline")
    assert banner.is_hidden()
    box = page.locator("fieldset.quiz-q:has(input[type=radio])").first
    aq_id = box.get_attribute("data-aq")
    page.context.set_offline(True)
    radio = box.locator("input[type=radio]").first
    radio.check()
    banner.wait_for(state="visible")
    # The banner and the status line are updated one after the other: wait for the status.
    box.locator(".save-status").filter(has_text="Belum terkirim").wait_for(timeout=5000)
    assert "Belum terkirim" in box.locator(".save-status").inner_text()
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('pelita-quiz-'))")
    assert stored, "the unsent answer is kept in the browser"
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    box.locator(".save-status").filter(has_text="Tersimpan").wait_for(timeout=10000)
    assert banner.is_hidden()
    with server.app.app_context():
        saved = services.attempt_page(db.session.get(AttemptQuestion, int(aq_id)).attempt).all_questions
        assert any(q.aq.id == int(aq_id) and q.answered for q in saved)


def test_admin_and_coach_pages_pass_check_page(exam, page):
    server, ids = exam
    with server.app.app_context():
        post = db.session.get(Quiz, ids["post"])
        course_id = post.course_id
        module_quiz = db.session.scalar(select(Quiz).where(Quiz.kind == QuizKind.PRACTICE))
        learner = db.session.scalar(select(User).where(User.username == "peserta1"))
        attempt = services.start_attempt(module_quiz, learner.id)
        for view in services.attempt_page(attempt).all_questions:
            if view.aq.qtype == "essay":
                services.save_answer(
                    attempt.id, view.aq, {"text": "Antrean panjang; kami membuat jadwal daring."}
                )
        services.submit_attempt(attempt)
        db.session.commit()
        essay_question = next(
            v.aq.question_id for v in services.attempt_page(attempt).all_questions if v.aq.qtype == "essay"
        )
        module_quiz_id = module_quiz.id
    login(page, server, "admin", PASSWORD)
    for path in [
        "/admin/kuis/",
        f"/admin/kursus/{course_id}/bank-soal/",
        f"/admin/kursus/{course_id}/bank-soal/impor",
        f"/admin/kursus/{course_id}/bank-soal/baru",
        f"/admin/kursus/{course_id}/kuis/",
        f"/admin/kursus/{course_id}/kuis/baru",
        f"/admin/kuis/{ids['post']}",
        f"/admin/kuis/{ids['post']}/ubah",
        f"/admin/kuis/{ids['post']}/soal",
        f"/admin/kuis/{module_quiz_id}/hasil",
        f"/admin/kuis/{ids['post']}/analisis",
        f"/admin/kuis/{ids['post']}/hapus",
    ]:
        page.goto(server.url + path)
        assert page.get_by_role("heading", level=1).count() == 1, path
        check_page(page)
    page.get_by_role("button", name="Keluar", exact=True).click()
    login(page, server, "coach", PASSWORD)
    page.goto(f"{server.url}/penilaian/esai")
    check_page(page)
    page.goto(f"{server.url}/penilaian/esai/{module_quiz_id}/{essay_question}")
    check_page(page)
    page.get_by_label("Nilai (0 sampai 1)").fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan nilai").click()
    assert page.get_by_text("1 jawaban dinilai.").is_visible()
    check_page(page)
