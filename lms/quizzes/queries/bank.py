"""The question bank's list page: categories with their counts, tags, and the filtered search."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from lms.extensions import db
from lms.quizzes.models import Question, QuestionCategory, QuestionTag


def categories_of(course_id: int) -> list[tuple[QuestionCategory, int]]:
    """The course's categories with their question counts (one query)."""
    rows = db.session.execute(
        select(QuestionCategory, func.count(Question.id))
        .outerjoin(Question, Question.category_id == QuestionCategory.id)
        .where(QuestionCategory.course_id == course_id)
        .group_by(QuestionCategory.id)
        .order_by(QuestionCategory.path)
    ).all()
    return [(c, n) for c, n in rows]


def tags_of(course_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(QuestionTag.tag)
            .join(Question, Question.id == QuestionTag.question_id)
            .where(Question.course_id == course_id)
            .distinct()
            .order_by(QuestionTag.tag)
        )
    )


def search_questions(
    course_id: int,
    category_id: int | None = None,
    tag: str | None = None,
    qtype: str | None = None,
    q: str | None = None,
) -> Select:
    """A statement for the bank's list page (paginate it)."""
    stmt = select(Question).where(Question.course_id == course_id)
    if category_id:
        stmt = stmt.where(Question.category_id == category_id)
    if qtype:
        stmt = stmt.filter_by(qtype=qtype)
    if tag:
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag)))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Question.title.ilike(like), Question.text.ilike(like)))
    return stmt.order_by(Question.category_id, Question.id)
