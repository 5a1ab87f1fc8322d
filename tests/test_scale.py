"""`flask lms seed-scale` with tiny sizes: the counts asked for are the counts created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from bench.scale import SCALE_PASSWORD, ScaleSizes, participant_username, scale_nip, seed_scale, table_counts
from lms.accounts import nip as nip_rules
from lms.accounts.models import User
from lms.accounts.permissions import is_admin
from lms.courses.models import CourseCompletion, Enrolment, Lesson, LessonProgress
from lms.extensions import db
from lms.jp.models import JpRecord

TINY = ScaleSizes(
    instansi=2,
    units=4,
    users=120,
    courses=5,
    modules_per_course=2,
    lessons_per_module=3,
    programs=2,
    angkatan=4,
    min_participants=5,
    max_participants=20,
    completions=150,
    quiz_attempts=30,
    questions_per_quiz=3,
    projects=6,
    batch=7,  # several batches per table
)


def test_seed_scale_creates_the_sizes_asked(app):
    report = seed_scale(TINY)
    db.session.commit()
    counts = table_counts(["instansi", "unit_kerja", "users", "courses", "modules", "lessons", "angkatan"])
    assert counts == {
        "instansi": 2,
        "unit_kerja": 4,
        "users": 120,
        "courses": 5,
        "modules": 10,
        "lessons": 30,
        "angkatan": 4,
    }
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 150
    per_angkatan = db.session.execute(
        select(func.count(Enrolment.id)).group_by(Enrolment.angkatan_id)
    ).scalars()
    assert all(5 <= n <= 20 for n in per_angkatan)
    # Every completed course has all its lessons done and one JP record.
    completions = db.session.scalar(select(func.count(CourseCompletion.id)))
    assert (
        completions
        == db.session.scalar(select(func.count(JpRecord.id)))
        == report.counts["course_completions"]
    )
    assert completions > 0
    for done in db.session.scalars(select(CourseCompletion)):
        lessons = db.session.scalar(
            select(func.count(Lesson.id))
            .join(Lesson.module)
            .where(Lesson.module.has(course_id=done.course_id))
        )
        finished = db.session.scalar(
            select(func.count(LessonProgress.id))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == done.user_id, Lesson.module.has(course_id=done.course_id))
        )
        assert finished == lessons


def test_seeded_accounts_log_in_with_the_published_password(app):
    seed_scale(TINY)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == participant_username(1)))
    assert check_password_hash(user.password_hash, SCALE_PASSWORD)
    admin = db.session.scalar(select(User).where(User.username == "skala-admin"))
    assert is_admin(admin)


def test_seed_scale_refuses_a_second_run(app, runner):
    seed_scale(TINY)
    db.session.commit()
    result = runner.invoke(args=["lms", "seed-scale", "--users", "10"])
    assert result.exit_code == 1
    assert "sudah ada" in result.output


def test_cli_seed_scale_with_options(app, runner):
    result = runner.invoke(
        args=[
            "lms",
            "seed-scale",
            "--users=60",
            "--instansi=1",
            "--units=2",
            "--courses=2",
            "--modules-per-course=1",
            "--lessons-per-module=2",
            "--angkatan=2",
            "--min-participants=3",
            "--max-participants=4",
            "--completions=5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) == 60
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 5


def test_scale_nips_are_valid_and_unique():
    nips = {scale_nip(n) for n in range(1, 20_001)}
    assert len(nips) == 20_000
    assert all(nip_rules.validate(n) == n for n in nips)


def test_seed_scale_quiz_attempts_when_quizzes_are_installed(app):
    quiz_models = pytest.importorskip("lms.quizzes.models")
    report = seed_scale(TINY)
    db.session.commit()
    attempts = db.session.scalar(select(func.count(quiz_models.Attempt.id)))
    assert attempts == report.counts["attempts"] == 30
    per_attempt = TINY.questions_per_quiz
    assert db.session.scalar(select(func.count(quiz_models.AttemptQuestion.id))) == 30 * per_attempt
    assert db.session.scalar(select(func.count(quiz_models.AttemptAnswer.id))) == 30 * per_attempt
    # One grade per learner and quiz, pointing at that learner's best attempt.
    grades = db.session.scalars(select(quiz_models.QuizGrade)).all()
    pairs = db.session.execute(
        select(quiz_models.Attempt.quiz_id, quiz_models.Attempt.user_id).distinct()
    ).all()
    assert len(grades) == len(pairs)
    for grade in grades:
        best = db.session.scalar(
            select(func.max(quiz_models.Attempt.percent)).where(
                quiz_models.Attempt.quiz_id == grade.quiz_id, quiz_models.Attempt.user_id == grade.user_id
            )
        )
        assert grade.percent == best


def test_seed_scale_projects_when_projects_are_installed(app):
    project_models = pytest.importorskip("lms.projects.models")
    report = seed_scale(TINY)
    db.session.commit()
    assert db.session.scalar(select(func.count(project_models.Project.id))) == report.counts["projects"] == 6
    submissions = db.session.scalars(select(project_models.StageSubmission)).all()
    assert len(submissions) == 6
    for submission in submissions:
        versions = db.session.scalar(
            select(func.count(project_models.SubmissionVersion.id)).where(
                project_models.SubmissionVersion.submission_id == submission.id
            )
        )
        assert versions == submission.current_version_no
        if submission.state == project_models.SubmissionState.APPROVED:
            decisions = db.session.scalars(
                select(project_models.Review.decision).where(
                    project_models.Review.submission_id == submission.id
                )
            ).all()
            assert sorted(decisions) == ["approve", "approve"]
