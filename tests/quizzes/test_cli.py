"""CLI: import-questions (counts per type, all or nothing), finish-overdue, seed-demo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.models_base import utcnow
from lms.quizzes import services
from lms.quizzes.models import Attempt, AttemptState, Question, Quiz, QuizKind
from tests.factories import SAMPLE_GIFT, make_quiz, make_quiz_course, make_user


def test_import_questions_prints_counts_per_type(app, runner, tmp_path):
    course = make_quiz_course(slug="etika-asn")
    path = tmp_path / "soal.gift"
    path.write_text(SAMPLE_GIFT, encoding="utf-8")
    result = runner.invoke(args=["lms", "import-questions", str(path), "--course", "etika-asn"])
    assert result.exit_code == 0, result.output
    assert "5 soal diimpor" in result.output
    assert "Pilihan ganda: 1" in result.output and "Pilihan jamak: 1" in result.output
    assert db.session.scalar(select(func.count(Question.id)).where(Question.course_id == course.id)) == 5


def test_import_questions_aiken_and_errors(app, runner, tmp_path):
    make_quiz_course(slug="etika-asn")
    good = tmp_path / "soal.txt"
    good.write_text("Apa?\nA. ya\nB. tidak\nANSWER: A\n", encoding="utf-8")
    result = runner.invoke(
        args=["lms", "import-questions", str(good), "--course", "etika-asn", "--format", "aiken"]
    )
    assert result.exit_code == 0 and "1 soal diimpor" in result.output
    bad = tmp_path / "rusak.gift"
    bad.write_text("::A:: {T}\n\n::B:: {~a =b\n", encoding="utf-8")
    result = runner.invoke(args=["lms", "import-questions", str(bad), "--course", "etika-asn"])
    assert result.exit_code == 1
    assert "rusak.gift, baris 3" in result.output
    assert db.session.scalar(select(func.count(Question.id))) == 1
    missing = runner.invoke(args=["lms", "import-questions", str(good), "--course", "tidak-ada"])
    assert missing.exit_code == 1


def test_finish_overdue_command(app, runner):
    course = make_quiz_course()
    quiz = make_quiz(course, time_limit_minutes=5)
    attempt = services.start_attempt(quiz, make_user().id, utcnow() - timedelta(hours=1))
    fresh = services.start_attempt(quiz, make_user().id)
    db.session.commit()
    result = runner.invoke(args=["lms", "finish-overdue"])
    assert result.exit_code == 0 and "1 percobaan" in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == AttemptState.GRADED
    assert db.session.get(Attempt, fresh.id).state == AttemptState.IN_PROGRESS


def test_seed_demo_adds_quizzes_to_the_demo_course_once(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    if db.session.scalar(select(func.count(Quiz.id))) == 0:
        # The courses seed is not on this branch: make the demo course and seed again.
        make_quiz_course(slug="pelayanan-publik-prima", title="Pelayanan Publik Prima")
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    kinds = sorted(q.kind for q in db.session.scalars(select(Quiz)))
    assert kinds == sorted([QuizKind.PRE_TEST, QuizKind.POST_TEST, QuizKind.PRACTICE])
    post = db.session.scalar(select(Quiz).where(Quiz.kind == QuizKind.POST_TEST))
    assert post.pre_test is not None and post.required_for_completion and post.slots
    questions = db.session.scalar(select(func.count(Question.id)))
    assert questions == 15
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(Quiz.id))) == 3
    assert db.session.scalar(select(func.count(Question.id))) == questions
