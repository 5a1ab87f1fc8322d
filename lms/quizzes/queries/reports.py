"""The quiz reports: every attempt, and the pre-test to post-test gain per angkatan and per
learner (Hake's normalised gain).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.courses.models import Angkatan, Course, Enrolment
from lms.extensions import db
from lms.quizzes import permissions as quiz_permissions
from lms.quizzes.models import Attempt, Quiz, QuizGrade


def attempts_report_stmt(quiz: Quiz) -> Select:
    """The quiz's attempts with their learners, newest first (paginate it)."""
    return (
        select(Attempt, User.full_name, User.nip)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )


def course_angkatan(course: Course) -> list[Angkatan]:
    return list(
        db.session.scalars(
            select(Angkatan).where(quiz_permissions.angkatan_of_course(course)).order_by(Angkatan.name)
        )
    )


def normalized_gain(pre: float | None, post: float | None) -> float | None:
    """Hake's normalised gain (post - pre) / (100 - pre); None when undefined (pre = 100 or missing)."""
    if pre is None or post is None or pre >= 100:
        return None
    return (post - pre) / (100 - pre)


@dataclass
class GainRow:
    user_id: int
    full_name: str
    nip: str | None
    ndh: int | None
    pre: float | None
    post: float | None

    @property
    def gain(self) -> float | None:
        return None if self.pre is None or self.post is None else self.post - self.pre

    @property
    def normalized(self) -> float | None:
        return normalized_gain(self.pre, self.post)


@dataclass
class GainSummary:
    angkatan_id: int
    name: str
    learners: int
    pre_count: int
    post_count: int
    paired: int
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None
    mean_normalized: float | None

    @property
    def class_normalized(self) -> float | None:
        """Hake's class gain from the paired means."""
        return normalized_gain(self.mean_pre, self.mean_post)


def _grade_alias():
    return aliased(QuizGrade), aliased(QuizGrade)


def gain_rows_stmt(post_quiz: Quiz, angkatan_id: int) -> Select:
    """Per learner of one angkatan: pre-test and post-test grades that count (paginate it)."""
    pre, post = _grade_alias()
    return (
        select(User.id, User.full_name, User.nip, Enrolment.ndh, pre.percent, post.percent)
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(pre, and_(pre.user_id == User.id, pre.quiz_id == (post_quiz.pre_test_id or -1)))
        .outerjoin(post, and_(post.user_id == User.id, post.quiz_id == post_quiz.id))
        .where(Enrolment.angkatan_id == angkatan_id)
        .order_by(Enrolment.ndh.is_(None), Enrolment.ndh, User.full_name)
    )


def gain_summaries(post_quiz: Quiz) -> list[GainSummary]:
    """Per angkatan of the course: counts, mean scores, mean gain and normalised gains (one query)."""
    pre, post = _grade_alias()
    both = and_(pre.percent.is_not(None), post.percent.is_not(None))
    norm = case(
        (and_(both, pre.percent < 100), (post.percent - pre.percent) / (100 - pre.percent)), else_=None
    )
    rows = db.session.execute(
        select(
            Angkatan.id,
            Angkatan.name,
            func.count(Enrolment.id),
            func.count(pre.id),
            func.count(post.id),
            func.count(case((both, 1), else_=None)),
            func.avg(case((both, pre.percent), else_=None)),
            func.avg(case((both, post.percent), else_=None)),
            func.avg(case((both, post.percent - pre.percent), else_=None)),
            func.avg(norm),
        )
        .select_from(Angkatan)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .outerjoin(pre, and_(pre.user_id == Enrolment.user_id, pre.quiz_id == (post_quiz.pre_test_id or -1)))
        .outerjoin(post, and_(post.user_id == Enrolment.user_id, post.quiz_id == post_quiz.id))
        .where(quiz_permissions.angkatan_of_course(post_quiz.course))
        .group_by(Angkatan.id, Angkatan.name)
        .order_by(Angkatan.name)
    ).all()
    return [
        GainSummary(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            *(None if v is None else float(v) for v in r[6:10]),
        )
        for r in rows
    ]
