"""The quizzes feature's results bridge: the academic component and the pre/post panel."""

from __future__ import annotations

from lms.extensions import db
from lms.quizzes import results_sources
from lms.quizzes.models import Quiz, QuizGrade, QuizKind
from lms.results import services as results_services
from tests.factories import enrol_in_results, make_results_angkatan, make_results_program, make_user
from tests.factories.courses import make_course


def _quiz(course, kind, title, pre=None):
    quiz = Quiz(
        course_id=course.id,
        title=title,
        kind=kind,
        published=True,
        pre_test_id=pre.id if pre is not None else None,
    )
    db.session.add(quiz)
    db.session.flush()
    return quiz


def _grade(quiz, user, percent):
    db.session.add(QuizGrade(quiz_id=quiz.id, user_id=user.id, percent=percent, passed=percent >= 60))


def test_academic_score_is_mean_of_post_tests_and_exams_of_the_programs_courses(app):
    program = make_results_program()
    course = make_course(program=program)
    other_course = make_course()
    angkatan = make_results_angkatan(program)
    a, b, c = (enrol_in_results(angkatan, ndh=i) for i in (1, 2, 3))
    pre = _quiz(course, QuizKind.PRE_TEST, "Pre")
    post = _quiz(course, QuizKind.POST_TEST, "Post", pre=pre)
    exam = _quiz(course, QuizKind.EXAM, "Ujian")
    elsewhere = _quiz(other_course, QuizKind.EXAM, "Ujian lain")
    _grade(pre, a.user, 10)  # pre-tests do not count
    _grade(post, a.user, 80)
    _grade(exam, a.user, 90)
    _grade(elsewhere, a.user, 0)  # a course outside the angkatan does not count
    _grade(post, b.user, 70)
    db.session.flush()
    scores = results_sources.academic_scores([a.id, b.id, c.id])
    assert scores == {a.id: 85.0, b.id: 70.0}


def test_prepost_panel_shows_gain_and_normalised_gain(app):
    program = make_results_program()
    course = make_course(program=program)
    angkatan = make_results_angkatan(program)
    pre = _quiz(course, QuizKind.PRE_TEST, "Pre-test Modul 1")
    post = _quiz(course, QuizKind.POST_TEST, "Post-test Modul 1", pre=pre)
    for ndh, (p, q) in enumerate([(40, 70), (60, 80), (None, 90)], start=1):
        e = enrol_in_results(angkatan, make_user(commit=False), ndh=ndh)
        if p is not None:
            _grade(pre, e.user, p)
        _grade(post, e.user, q)
    db.session.flush()
    data = results_sources.prepost_panel(results_services.AngkatanSubject(angkatan=angkatan, year=2026))
    assert data.rows == [["Post-test Modul 1", 3, 2, 50.0, 75.0, 25.0, 0.5]]
    assert data.chart is not None and data.chart.values == [25.0]


def test_registered_with_results(app):
    keys = {source.key for source in results_services.component_sources()}
    assert results_sources.ACADEMIC_KEY in keys
