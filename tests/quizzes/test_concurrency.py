"""Exam-day races with real threads, each with its own app context and database session.

Run on SQLite (a real file, BEGIN IMMEDIATE serialises writers) and on PostgreSQL (row locks and
unique indexes decide). Each test fails if the protection it names is removed.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import question_types as qt
from lms.quizzes import services
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion, AttemptState, Quiz, QuizGrade
from lms.quizzes.services import grading, starting
from tests.factories import make_quiz, make_quiz_course, make_user

GRACE = 30


def run_threads(app, count, target):
    """Run ``target(index)`` in ``count`` threads, each inside its own app context."""
    results: list = [None] * count
    errors: list = []
    # End the test thread's own transaction: on SQLite it would hold the write lock.
    db.session.rollback()

    def work(index):
        try:
            with app.app_context():
                results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors
    return results


def _rendezvous(barrier):
    # SQLite: the other threads wait for the write lock instead, so the barrier breaks; fine.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=1.5)


def _setup(**settings):
    course = make_quiz_course()
    learner = make_user()
    quiz = make_quiz(course, **settings)
    return quiz.id, learner.id


def test_concurrent_starts_open_one_attempt(app, monkeypatch):
    quiz_id, user_id = _setup(time_limit_minutes=30)
    barrier = threading.Barrier(4)
    inner = threading.Barrier(4)
    original = starting._draw_questions

    def slow_draw(quiz, rng):
        _rendezvous(inner)  # every thread has checked "no open attempt" before any inserts
        return original(quiz, rng)

    monkeypatch.setattr(starting, "_draw_questions", slow_draw)

    def start(_i):
        barrier.wait(timeout=10)
        quiz = db.session.get(Quiz, quiz_id)
        attempt = services.start_attempt(quiz, user_id, grace_seconds=GRACE)
        attempt_id = attempt.id
        db.session.commit()
        return attempt_id

    ids = run_threads(app, 4, start)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    assert db.session.scalar(select(func.count(AttemptQuestion.id))) == 5


def test_concurrent_submits_grade_once(app, monkeypatch):
    quiz_id, user_id = _setup()
    attempt = services.start_attempt(db.session.get(Quiz, quiz_id), user_id)
    aq = db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)).first()
    services.save_answer(attempt.id, aq, {"text": "4", "choice": "1", "value": True})
    db.session.commit()
    attempt_id = attempt.id
    gradings = []
    lock = threading.Lock()
    original = grading.grade_attempt

    def counting(attempt_id, now):
        with lock:
            gradings.append(attempt_id)
        return original(attempt_id, now)

    monkeypatch.setattr(grading, "grade_attempt", counting)
    barrier = threading.Barrier(2)

    def submit(_i):
        barrier.wait(timeout=10)
        mine = db.session.get(Attempt, attempt_id)
        won = services.submit_attempt(mine)
        db.session.commit()
        return won

    outcomes = run_threads(app, 2, submit)
    assert sorted(outcomes) == [False, True]
    assert gradings == [attempt_id]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).state == AttemptState.GRADED
    assert db.session.scalar(select(func.count(QuizGrade.id))) == 1


def test_answers_after_deadline_plus_grace_are_refused_under_load(app):
    quiz_id, user_id = _setup(time_limit_minutes=10)
    attempt = services.start_attempt(db.session.get(Quiz, quiz_id), user_id)
    db.session.commit()
    attempt_id, deadline = attempt.id, attempt.deadline_at
    aq_ids = db.session.scalars(
        select(AttemptQuestion.id)
        .where(AttemptQuestion.attempt_id == attempt_id)
        .order_by(AttemptQuestion.position)
    ).all()
    barrier = threading.Barrier(len(aq_ids) * 2)

    def save(index):
        late = index >= len(aq_ids)
        when = deadline + timedelta(seconds=GRACE + 5 if late else GRACE - 5)
        barrier.wait(timeout=10)
        aq = db.session.get(AttemptQuestion, aq_ids[index % len(aq_ids)])
        try:
            services.save_answer(
                attempt_id, aq, {"text": "late" if late else "ok"}, client_seq=index, now=when
            )
            db.session.commit()
            return "saved"
        except services.AttemptClosed:
            db.session.rollback()
            return "refused"

    outcomes = run_threads(app, len(aq_ids) * 2, save)
    assert outcomes[: len(aq_ids)] == ["saved"] * len(aq_ids)
    assert outcomes[len(aq_ids) :] == ["refused"] * len(aq_ids)
    saved = db.session.scalars(
        select(AttemptAnswer.response).where(AttemptAnswer.attempt_id == attempt_id)
    ).all()
    assert sorted(r["text"] for r in saved) == ["ok"] * len(aq_ids)


def test_overdue_attempt_finished_once_with_saved_answers(app, monkeypatch):
    quiz_id, user_id = _setup(time_limit_minutes=10)
    start = utcnow() - timedelta(minutes=20)
    attempt = services.start_attempt(db.session.get(Quiz, quiz_id), user_id, start)
    by_type = {
        aq.qtype: aq
        for aq in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id))
    }
    services.save_answer(attempt.id, by_type["numeric"], {"text": "4"}, now=start + timedelta(minutes=2))
    services.save_answer(attempt.id, by_type["truefalse"], {"value": True}, now=start + timedelta(minutes=3))
    db.session.commit()
    attempt_id = attempt.id
    gradings = []
    original = grading.grade_attempt
    monkeypatch.setattr(grading, "grade_attempt", lambda a, now: (gradings.append(a), original(a, now))[1])
    barrier = threading.Barrier(2)

    def finish(index):
        barrier.wait(timeout=10)
        if index == 0:  # the worker's `flask lms finish-overdue`
            count = services.finish_overdue(grace_seconds=GRACE)
        else:  # the learner's next request touching the attempt
            count = int(services.finish_if_overdue(db.session.get(Attempt, attempt_id), grace_seconds=GRACE))
        db.session.commit()
        return count

    assert sorted(run_threads(app, 2, finish)) == [0, 1]
    assert gradings == [attempt_id]
    db.session.expire_all()
    finished = db.session.get(Attempt, attempt_id)
    assert finished.state == AttemptState.GRADED and finished.auto_submitted
    assert finished.score == 2.0  # the two saved answers, both right


def test_no_saved_answer_is_missing_after_submit(app):
    """Savers keep answering while a submit lands: every save the server confirmed is graded."""
    quiz_id, user_id = _setup(time_limit_minutes=30)
    attempt = services.start_attempt(db.session.get(Quiz, quiz_id), user_id)
    db.session.commit()
    attempt_id = attempt.id
    rows = db.session.scalars(
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt_id)
        .order_by(AttemptQuestion.position)
    ).all()
    right = {
        "single": {"choice": next((o["id"] for o in rows[0].data["options"] if o["fraction"] == 1), "1")},
        "truefalse": {"value": True},
        "short": {"text": "ORI"},
        "numeric": {"text": "4"},
        "multi": {"choices": [o["id"] for o in rows[4].data["options"] if o["fraction"] > 0]},
    }
    wrong = {
        "single": {},
        "truefalse": {"value": False},
        "short": {"text": "x"},
        "numeric": {"text": "5"},
        "multi": {},
    }
    plan = [(aq.id, aq.qtype) for aq in rows]
    confirmed: dict[int, list] = {aq_id: [] for aq_id, _t in plan}
    barrier = threading.Barrier(len(plan) + 1)

    def work(index):
        if index == len(plan):  # the submitter
            barrier.wait(timeout=10)
            mine = db.session.get(Attempt, attempt_id)
            services.submit_attempt(mine)
            db.session.commit()
            return "submitted"
        aq_id, qtype = plan[index]
        barrier.wait(timeout=10)
        for round_no in range(1, 40):
            response = right[qtype] if round_no % 2 else wrong[qtype]
            aq = db.session.get(AttemptQuestion, aq_id)
            try:
                services.save_answer(attempt_id, aq, response, client_seq=round_no)
                db.session.commit()
            except services.AttemptClosed:
                db.session.rollback()
                return round_no
            confirmed[aq_id].append(response)
        return None

    run_threads(app, len(plan) + 1, work)
    db.session.expire_all()
    final = db.session.get(Attempt, attempt_id)
    assert final.state == AttemptState.GRADED
    answers = {a.attempt_question_id: a.response for a in db.session.scalars(select(AttemptAnswer))}
    for aq in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)):
        last = confirmed[aq.id][-1] if confirmed[aq.id] else None
        assert answers.get(aq.id) == last, f"question {aq.position}: a confirmed save is not the one graded"
        expected = qt.get_type(aq.qtype).grade(aq.data, last) if last is not None else 0.0
        assert aq.fraction == pytest.approx(expected)
    assert final.score == pytest.approx(sum(aq.score for aq in final.questions))
