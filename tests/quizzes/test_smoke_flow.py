"""Smoke: the whole learner flow through the client."""

from lms.quizzes.models import Attempt, AttemptState
from lms.extensions import db
from tests.factories import enrol, make_quiz, make_quiz_course, make_user


def test_flow(app, client, login_as):
    course = make_quiz_course()
    learner = make_user()
    enrol(learner, course)
    quiz = make_quiz(course, time_limit_minutes=10)
    login_as(learner)
    r = client.get(f"/kuis/{quiz.id}")
    assert r.status_code == 200, r.text
    r = client.post(f"/kuis/{quiz.id}/mulai")
    assert r.status_code == 302, r.text
    attempt = db.session.scalar(db.select(Attempt))
    r = client.get(f"/kuis/percobaan/{attempt.id}")
    assert r.status_code == 200, r.text
    aqs = sorted(attempt.questions, key=lambda q: q.position)
    first = aqs[0]
    r = client.post(
        f"/kuis/percobaan/{attempt.id}/jawaban",
        json={"question": first.id, "seq": 1, "values": {f"q{first.id}": ["1"]}},
    )
    assert r.status_code == 200, r.text
    print(r.json)
    r = client.get(f"/kuis/percobaan/{attempt.id}/kumpulkan")
    assert r.status_code == 200, r.text
    r = client.post(f"/kuis/percobaan/{attempt.id}/kumpulkan")
    assert r.status_code == 302
    r = client.get(f"/kuis/percobaan/{attempt.id}/hasil")
    assert r.status_code == 200, r.text
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == AttemptState.GRADED
