"""Views through the client: who sees what (200/404), the attempt journey with and without
JavaScript, autosave JSON, CSRF header, lean hot paths, admin pages, grading, reports."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import services
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion, AttemptState, Question, Quiz
from tests.factories import admin_user, enrol, make_bank, make_quiz, make_quiz_course, make_user


@pytest.fixture
def setup(app):
    course = make_quiz_course()
    learner = make_user(full_name="Peserta Satu")
    coach = make_user(roles=("coach",))
    enrol(learner, course, coach=coach)
    quiz = make_quiz(course, time_limit_minutes=30, title="Ujian Akhir")
    return course, learner, coach, quiz


def _start(client, quiz):
    response = client.post(f"/kuis/{quiz.id}/mulai")
    assert response.status_code == 302
    return db.session.scalar(select(Attempt).order_by(Attempt.id.desc()))


def _aqs(attempt):
    return db.session.scalars(
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ).all()


def test_learner_sees_start_page_others_get_404(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(make_user())
    assert client.get(f"/kuis/{quiz.id}").status_code == 404
    assert client.post(f"/kuis/{quiz.id}/mulai").status_code == 404
    login_as(learner)
    page = client.get(f"/kuis/{quiz.id}")
    assert page.status_code == 200 and "Ujian Akhir" in page.text and "30 menit" in page.text


def test_unpublished_quiz_is_hidden_from_learners_but_not_admins(setup, client, login_as):
    course, learner, coach, quiz = setup
    quiz.published = False
    db.session.commit()
    login_as(learner)
    assert client.get(f"/kuis/{quiz.id}").status_code == 404
    login_as(admin_user())
    assert client.get(f"/kuis/{quiz.id}").status_code == 200


def test_double_click_on_start_opens_one_attempt(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    first = _start(client, quiz)
    second = _start(client, quiz)
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_attempt_page_shows_server_seconds_and_no_answers(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    attempt = _start(client, quiz)
    page = client.get(f"/kuis/percobaan/{attempt.id}")
    assert page.status_code == 200
    remaining = int(re.search(r'data-remaining="(\d+)"', page.text).group(1))
    assert 29 * 60 < remaining <= 30 * 60
    assert "fraction" not in page.text and "Ombudsman" not in page.text  # no answer key in the page
    assert "<script src=" in page.text and "<script>" not in page.text  # no inline script
    other = make_user()
    login_as(other)
    assert client.get(f"/kuis/percobaan/{attempt.id}").status_code == 404


def test_autosave_json_receipt_and_restore_on_reload(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    attempt = _start(client, quiz)
    numeric = next(aq for aq in _aqs(attempt) if aq.qtype == "numeric")
    url = f"/kuis/percobaan/{attempt.id}/jawaban"
    response = client.post(url, json={"question": numeric.id, "seq": 5, "values": {f"q{numeric.id}": ["4"]}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["receipt"] == f"{numeric.id}-1" and 0 < body["remaining"] <= 1800
    again = client.post(url, json={"question": numeric.id, "seq": 6, "values": {f"q{numeric.id}": ["5"]}})
    assert again.get_json()["receipt"] == f"{numeric.id}-2"
    page = client.get(f"/kuis/percobaan/{attempt.id}")
    assert f'name="q{numeric.id}" value="5"' in page.text
    assert client.post(url, json={"question": "x"}).status_code == 400
    assert client.post(url, data="bukan json").status_code == 400
    assert client.post(url, json={"question": 999999, "values": {}}).status_code == 404
    login_as(make_user())
    assert client.post(url, json={"question": numeric.id, "values": {}}).status_code == 404


def test_answer_after_deadline_plus_grace_is_refused_over_http(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    attempt = _start(client, quiz)
    aq = _aqs(attempt)[0]
    services.save_answer(attempt.id, aq, {"text": "simpanan"}, now=attempt.started_at)
    attempt.deadline_at = utcnow() - timedelta(seconds=31)
    db.session.commit()
    response = client.post(
        f"/kuis/percobaan/{attempt.id}/jawaban", json={"question": aq.id, "values": {f"q{aq.id}": ["1"]}}
    )
    assert response.status_code == 409 and response.get_json()["closed"] is True
    # The request that touched it also finished it with the saved answer.
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == AttemptState.GRADED and attempt.auto_submitted
    assert db.session.scalar(
        select(AttemptAnswer.response).where(AttemptAnswer.attempt_question_id == aq.id)
    ) == {"text": "simpanan"}


def test_overdue_attempt_is_finished_by_the_next_page_load(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    attempt = _start(client, quiz)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = client.get(f"/kuis/percobaan/{attempt.id}")
    assert response.status_code == 302 and response.location.endswith(f"/kuis/percobaan/{attempt.id}/hasil")
    assert db.session.get(Attempt, attempt.id).state == AttemptState.GRADED


def test_without_javascript_the_form_saves_the_page_then_submit_confirms(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(learner)
    attempt = _start(client, quiz)
    rows = _aqs(attempt)
    form = {"soal": [str(aq.id) for aq in rows], "aksi": "simpan", "hal": "1"}
    for aq in rows:
        if aq.qtype == "single":
            form[f"q{aq.id}"] = next(o["id"] for o in aq.data["options"] if o["fraction"] == 1)
        elif aq.qtype == "numeric":
            form[f"q{aq.id}"] = "4"
        elif aq.qtype == "truefalse":
            form[f"q{aq.id}"] = "true"
    saved = client.post(f"/kuis/percobaan/{attempt.id}", data=form)
    assert saved.status_code == 302
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == len(rows)
    page = client.get(f"/kuis/percobaan/{attempt.id}")
    assert 'value="true" checked' in page.text and 'value="4"' in page.text
    form["aksi"] = "kumpulkan"
    confirm = client.post(f"/kuis/percobaan/{attempt.id}", data=form)
    assert confirm.location.endswith("/kumpulkan")
    summary = client.get(confirm.location)
    assert "belum dijawab" in summary.text
    done = client.post(f"/kuis/percobaan/{attempt.id}/kumpulkan")
    assert done.status_code == 302
    retry = client.post(f"/kuis/percobaan/{attempt.id}/kumpulkan")
    assert retry.status_code == 302 and retry.location == done.location
    result = client.get(done.location)
    assert result.status_code == 200 and "Nilai: 60.00" in result.text and "Pembahasan" in result.text


def test_autosave_accepts_the_csrf_token_in_a_header(make_app, login_as):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        course = make_quiz_course()
        learner = make_user()
        enrol(learner, course)
        quiz = make_quiz(course)
        client = app.test_client()
        login_as(learner, on=client)
        start_page = client.get(f"/kuis/{quiz.id}")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', start_page.text).group(1)
        assert client.post(f"/kuis/{quiz.id}/mulai", data={"csrf_token": token}).status_code == 302
        attempt = db.session.scalar(select(Attempt))
        aq = _aqs(attempt)[0]
        payload = {"question": aq.id, "values": {f"q{aq.id}": ["1"]}}
        url = f"/kuis/percobaan/{attempt.id}/jawaban"
        assert client.post(url, json=payload).status_code == 400
        assert client.post(url, json=payload, headers={"X-CSRFToken": token}).status_code == 200


def _hot_path_queries(client, login_as, count_queries, learner, quiz):
    """Statements sent for start, attempt page, one autosave and submit."""
    login_as(learner)
    quiz_id = quiz.id
    counts = {}
    with count_queries() as q:
        client.post(f"/kuis/{quiz_id}/mulai")
    counts["start"] = q.count
    attempt = db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz_id))
    attempt_id, aq_id = attempt.id, _aqs(attempt)[0].id
    db.session.commit()
    with count_queries() as q:
        client.get(f"/kuis/percobaan/{attempt_id}")
    counts["page"] = q.count
    payload = {"question": aq_id, "values": {f"q{aq_id}": ["1"]}}
    with count_queries() as q:
        client.post(f"/kuis/percobaan/{attempt_id}/jawaban", json=payload)
    counts["autosave"] = q.count
    with count_queries() as q:
        client.post(f"/kuis/percobaan/{attempt_id}/kumpulkan")
    counts["submit"] = q.count
    return counts


def test_exam_day_paths_do_not_grow_with_the_number_of_questions(app, client, login_as, count_queries):
    course = make_quiz_course()
    small_bank = make_bank(course)
    big_source = "\n\n".join(f"::B{i}:: Soal {i} {{=benar ~salah ~lain}}" for i in range(40))
    big_bank = make_bank(course, big_source)
    small = make_quiz(course, questions=small_bank, time_limit_minutes=30, questions_per_page=0)
    big = make_quiz(course, questions=big_bank, time_limit_minutes=30, questions_per_page=0)
    a, b = make_user(), make_user()
    enrol(a, course), enrol(b, course)
    few = _hot_path_queries(client, login_as, count_queries, a, small)
    many = _hot_path_queries(client, login_as, count_queries, b, big)
    assert few == many, (few, many)
    # Counted on the server side of each request, BEGIN and the login-session lookup included.
    assert few["autosave"] <= 6 and few["start"] <= 13 and few["page"] <= 9 and few["submit"] <= 20, few


# ------------------------------------------------------------------ admin


def test_admin_pages_are_404_for_learners_and_200_for_admins(setup, client, login_as):
    course, learner, coach, quiz = setup
    urls = [
        "/admin/kuis/",
        f"/admin/kursus/{course.id}/bank-soal/",
        f"/admin/kursus/{course.id}/bank-soal/impor",
        f"/admin/kursus/{course.id}/bank-soal/baru",
        f"/admin/kursus/{course.id}/kuis/",
        f"/admin/kursus/{course.id}/kuis/baru",
        f"/admin/kuis/{quiz.id}",
        f"/admin/kuis/{quiz.id}/ubah",
        f"/admin/kuis/{quiz.id}/soal",
        f"/admin/kuis/{quiz.id}/hasil",
        f"/admin/kuis/{quiz.id}/analisis",
        f"/admin/kuis/{quiz.id}/analisis.csv",
        f"/admin/kursus/{course.id}/bank-soal/ekspor",
    ]
    login_as(learner)
    for url in urls:
        assert client.get(url).status_code == 404, url
    login_as(admin_user())
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_upload_with_errors_lists_lines_and_imports_nothing(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(admin_user())
    before = db.session.scalar(select(func.count(Question.id)))
    bad = b"::A:: baik {T}\n\n::B:: rusak {~a =b\n\nTanpa jawaban\n"
    response = client.post(
        f"/admin/kursus/{course.id}/bank-soal/impor",
        data={"file": (io.BytesIO(bad), "soal.gift"), "fmt": "gift"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "soal.gift, baris 3" in response.text and "soal.gift, baris 5" in response.text
    assert "deskripsi" in response.text
    assert db.session.scalar(select(func.count(Question.id))) == before
    good = b"A. tidak\nApa?\nA. ya\nB. tidak\nANSWER: A\n"
    response = client.post(
        f"/admin/kursus/{course.id}/bank-soal/impor",
        data={"file": (io.BytesIO(good[10:]), "soal.txt"), "fmt": "aiken"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200 and "1 soal diimpor" in response.text


def test_admin_creates_a_quiz_and_adds_questions(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(admin_user())
    response = client.post(
        f"/admin/kursus/{course.id}/kuis/baru",
        data={
            "title": "Post-test",
            "kind": "post_test",
            "module_id": "",
            "pre_test_id": "",
            "questions_per_page": "5",
            "time_limit_minutes": "45",
            "open_at": "2026-01-05T08:00",
            "close_at": "2026-01-05T10:00",
            "grading_method": "highest",
            "passing_grade": "70",
            "review": "after_close",
            "published": "y",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Quiz).where(Quiz.title == "Post-test"))
    # 08:00 WIB is 01:00 UTC.
    assert created.open_at.hour == 1 and created.time_limit_minutes == 45
    ids = [str(s.question_id) for s in quiz.slots][:2]
    response = client.post(f"/admin/kuis/{created.id}/soal", data={"pilih": ids, "tetap-submit": "1"})
    assert response.status_code == 302 and len(db.session.get(Quiz, created.id).slots) == 2
    bad = client.post(f"/admin/kursus/{course.id}/kuis/baru", data={"title": "", "kind": "latihan"})
    assert bad.status_code == 400


def test_essay_grading_by_the_course_coach(app, client, login_as):
    course = make_quiz_course()
    learner, coach, stranger = (
        make_user(full_name="Peserta Esai"),
        make_user(roles=("coach",)),
        make_user(roles=("coach",)),
    )
    enrol(learner, course, coach=coach)
    quiz = make_quiz(course, questions=make_bank(course, "::Esai:: Jelaskan {}\n"))
    attempt = services.start_attempt(quiz, learner.id)
    aq = _aqs(attempt)[0]
    services.save_answer(attempt.id, aq, {"text": "Jawaban panjang peserta"})
    services.submit_attempt(attempt)
    db.session.commit()
    login_as(stranger)
    assert client.get("/penilaian/esai").status_code == 404
    assert client.get(f"/penilaian/esai/{quiz.id}/{aq.question_id}").status_code == 404
    login_as(coach)
    queue = client.get("/penilaian/esai")
    assert queue.status_code == 200 and "Esai" in queue.text
    page = client.get(f"/penilaian/esai/{quiz.id}/{aq.question_id}")
    assert "Jawaban panjang peserta" in page.text
    wrong = client.post(
        f"/penilaian/esai/{quiz.id}/{aq.question_id}", data={"aq": [aq.id], f"nilai_{aq.id}": "7"}
    )
    assert wrong.status_code == 400 and "antara 0 dan 1" in wrong.text
    done = client.post(
        f"/penilaian/esai/{quiz.id}/{aq.question_id}",
        data={"aq": [aq.id], f"nilai_{aq.id}": "0,5", f"komentar_{aq.id}": "Cukup"},
    )
    assert done.status_code == 302
    graded = db.session.get(Attempt, attempt.id)
    assert graded.state == AttemptState.GRADED and graded.percent == 50.0
    login_as(learner)
    assert "Cukup" in client.get(f"/kuis/percobaan/{attempt.id}/hasil").text


def test_gain_report_and_item_analysis_csv(app, client, login_as):
    course = make_quiz_course()
    bank = make_bank(course)
    pre = make_quiz(course, questions=bank, kind="pre_test", title="Pre")
    post = make_quiz(course, questions=bank, kind="post_test", title="Post", pre_test_id=pre.id)
    learner = make_user(full_name="Ani Peserta")
    enrolment = enrol(learner, course, ndh=1)
    for quiz, answer in ((pre, "5"), (post, "4")):
        attempt = services.start_attempt(quiz, learner.id)
        numeric = next(aq for aq in _aqs(attempt) if aq.qtype == "numeric")
        services.save_answer(attempt.id, numeric, {"text": answer})
        services.submit_attempt(attempt)
    db.session.commit()
    login_as(admin_user())
    summary = client.get(f"/admin/kuis/{post.id}/peningkatan")
    assert summary.status_code == 200
    detail = client.get(f"/admin/kuis/{post.id}/peningkatan?angkatan={enrolment.angkatan_id}")
    assert "Ani Peserta" in detail.text and "20.00" in detail.text and "0.200" in detail.text
    assert client.get(f"/admin/kuis/{pre.id}/peningkatan").status_code == 404
    csv_response = client.get(f"/admin/kuis/{post.id}/analisis.csv")
    assert csv_response.mimetype == "text/csv" and "indeks_daya_beda" in csv_response.text


def test_export_download_is_gift(setup, client, login_as):
    course, learner, coach, quiz = setup
    login_as(admin_user())
    response = client.get(f"/admin/kursus/{course.id}/bank-soal/ekspor")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "$CATEGORY: $course$/top/Umum" in response.text and "::Q1 Pilihan::" in response.text


def test_my_quizzes_lists_only_enrolled_courses(setup, client, login_as):
    course, learner, coach, quiz = setup
    other_course = make_quiz_course()
    make_quiz(other_course, title="Kuis Lain")
    login_as(learner)
    page = client.get("/kuis/")
    assert "Ujian Akhir" in page.text and "Kuis Lain" not in page.text
    rows = services.learner_quiz_rows(learner.id, course.id)
    assert [r.quiz.title for r in rows] == ["Ujian Akhir"]


def test_course_quizzes_include_lists_a_learners_quizzes(setup, app):
    course, learner, coach, quiz = setup
    attempt = services.start_attempt(quiz, learner.id)
    db.session.commit()
    rows = services.learner_quiz_rows(learner.id, course.id, course_level_only=True)
    with app.test_request_context():
        html = render_template_string('{% include "quizzes/_course_quizzes.html" %}', quiz_rows=rows)
        empty = render_template_string('{% include "quizzes/_course_quizzes.html" %}', quiz_rows=[])
    assert f'href="/kuis/{quiz.id}"' in html and "sedang dikerjakan" in html and attempt.id
    assert empty.strip() == ""


def test_my_quizzes_pages_and_counts_only_when_needed(setup, app, client, login_as, count_queries):
    course, learner, coach, quiz = setup
    app.config["PER_PAGE"] = 2
    bank = [s.question for s in quiz.slots]
    for n in range(4):
        make_quiz(course, questions=bank, title=f"Latihan {n}")
    login_as(learner)
    client.get("/kuis/")
    with count_queries() as first:
        page1 = client.get("/kuis/")
    assert page1.status_code == 200 and "Halaman 1 dari 3" in page1.text and 'rel="next"' in page1.text
    page2 = client.get("/kuis/?page=2")
    assert "Halaman 2 dari 3" in page2.text and 'rel="next"' in page2.text
    with count_queries() as last:
        page3 = client.get("/kuis/?page=3")
    assert "Halaman 3 dari 3" in page3.text and 'rel="prev"' in page3.text and 'rel="next"' not in page3.text
    titles = re.findall(r'href="/kuis/\d+">([^<]+)</a>', page1.text + page2.text + page3.text)
    assert sorted(titles) == ["Latihan 0", "Latihan 1", "Latihan 2", "Latihan 3", "Ujian Akhir"]
    # A full page needs the total; the short last page tells it (one statement fewer).
    assert last.count == first.count - 1, (first.statements, last.statements)
    assert client.get("/kuis/?page=9").status_code == 200
