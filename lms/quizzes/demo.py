"""Demo quizzes for `flask seed-demo`: a pre-test, a post-test and a module quiz in the demo course,
imported from the GIFT files in ``demo_data/``. Running it twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lms.courses.models import Course, Module
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import GradingMethod, Question, QuestionCategory, Quiz, QuizKind, ReviewTiming

DEMO_COURSE_SLUG = "pelayanan-publik-prima"
DATA = Path(__file__).resolve().parent / "demo_data"
PRE_POST_CATEGORY = "Pre-test dan Post-test"
MODULE_CATEGORY = "Modul 1 - Konsep Pelayanan Prima"


def _category_questions(course_id: int, path: str) -> list[int]:
    return list(
        db.session.scalars(
            select(Question.id)
            .join(QuestionCategory, QuestionCategory.id == Question.category_id)
            .where(Question.course_id == course_id, QuestionCategory.path == path)
            .order_by(Question.id)
        )
    )


def _ensure_bank(course: Course, filename: str, category: str) -> list[int]:
    ids = _category_questions(course.id, category)
    if not ids:
        services.import_questions(
            course, (DATA / filename).read_text(encoding="utf-8"), "gift", filename=filename
        )
        ids = _category_questions(course.id, category)
    return ids


def _ensure_quiz(course: Course, settings: services.QuizSettings, question_ids: list[int]) -> Quiz:
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.title == settings.title))
    if quiz is None:
        quiz = services.create_quiz(course, settings)
        services.add_questions(quiz, question_ids)
    return quiz


def seed() -> str | None:
    """Add the demo quizzes to the demo course; do nothing when that course does not exist."""
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE_SLUG))
    if course is None:
        return None
    pre_post = _ensure_bank(course, "pre_post_test.gift", PRE_POST_CATEGORY)
    module_ids = _ensure_bank(course, "modul_1.gift", MODULE_CATEGORY)
    pre = _ensure_quiz(
        course,
        services.QuizSettings(
            title="Pre-test Pelayanan Publik Prima",
            description="Kerjakan sebelum mempelajari modul. Nilai pre-test tidak memengaruhi kelulusan.",
            kind=QuizKind.PRE_TEST,
            shuffle_questions=True,
            time_limit_minutes=20,
            max_attempts=1,
            passing_grade=0,
            review=ReviewTiming.NEVER,
            published=True,
        ),
        pre_post,
    )
    _ensure_quiz(
        course,
        services.QuizSettings(
            title="Post-test Pelayanan Publik Prima",
            description="Kerjakan setelah semua modul selesai. Nilai lulus 70.",
            kind=QuizKind.POST_TEST,
            pre_test_id=pre.id,
            shuffle_questions=True,
            time_limit_minutes=30,
            max_attempts=2,
            grading_method=GradingMethod.HIGHEST,
            passing_grade=70,
            review=ReviewTiming.IMMEDIATELY,
            required_for_completion=True,
            published=True,
        ),
        pre_post,
    )
    first_module = db.session.scalar(
        select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id).limit(1)
    )
    _ensure_quiz(
        course,
        services.QuizSettings(
            title="Kuis Modul 1: Konsep Pelayanan Prima",
            description="Latihan untuk memeriksa pemahaman Anda. Boleh dikerjakan berulang kali.",
            kind=QuizKind.PRACTICE,
            module_id=first_module.id if first_module else None,
            questions_per_page=0,
            passing_grade=60,
            review=ReviewTiming.IMMEDIATELY,
            published=True,
        ),
        module_ids,
    )
    db.session.flush()
    return f"Kuis demo siap di kursus {course.title}: pre-test, post-test, dan kuis modul."
