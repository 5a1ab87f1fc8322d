"""The question bank: categories, tags, GIFT and Aiken import (everything or nothing, every bad
line listed), GIFT export, the GIFT editor, and deleting a question no quiz uses.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Course
from lms.errors import DomainError, ImportRejected, LineError, check_version, stale_guard
from lms.extensions import db
from lms.markdown import sanitize_html
from lms.quizzes import aiken, gift
from lms.quizzes import question_types as qt
from lms.quizzes.models import Question, QuestionCategory, QuestionTag, Quiz, QuizSlot, TextFormat
from lms.quizzes.services.rendering import render_data, render_inline, render_text, strip_rendered

DEFAULT_CATEGORY = "Umum"
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def category_for(course_id: int, path: str | None) -> QuestionCategory:
    """The course's category at ``path`` (created when missing)."""
    path = gift.clean_category(path or "") or DEFAULT_CATEGORY
    category = db.session.scalar(
        select(QuestionCategory).where(QuestionCategory.course_id == course_id, QuestionCategory.path == path)
    )
    if category is None:
        category = QuestionCategory(course_id=course_id, path=path)
        db.session.add(category)
        db.session.flush()
    return category


def normalize_tags(raw: str | list[str] | None) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[,;]", raw or "")
    return sorted({" ".join(t.split()).lower()[:60] for t in items if t and t.strip()})


def _apply(question: Question, parsed: gift.ParsedQuestion) -> None:
    fmt = TextFormat(parsed.text_format)
    text = parsed.text
    general = parsed.general_feedback
    data = parsed.data
    if fmt == TextFormat.HTML:
        # Imported HTML is cleaned once, on the way in; the stored source is the clean one.
        text, general = sanitize_html(text), sanitize_html(general)
        data = _sanitize_data(parsed.qtype, data)
    question.qtype = parsed.qtype
    question.title = parsed.title or _title_from(text)
    question.text = text
    question.text_format = fmt
    question.text_html = render_text(text, fmt)
    question.general_feedback = general
    question.general_feedback_html = render_inline(general, fmt)
    question.data = render_data(parsed.qtype, data, fmt)
    question.idnumber = parsed.idnumber
    question.tag_rows = [QuestionTag(tag=t) for t in normalize_tags(parsed.tags)]


def _sanitize_data(qtype: str, data: dict) -> dict:
    return qt.get_type(qtype).sanitize_data(strip_rendered(data), sanitize_html)


def _title_from(text: str) -> str:
    plain = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return plain[:60] + ("…" if len(plain) > 60 else "")


@dataclass
class ImportSummary:
    """What an import created."""

    questions: list[Question]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return len(self.questions)


def parse_questions(source: str, fmt: str, filename: str | None = None) -> list[gift.ParsedQuestion]:
    """Parse a GIFT or Aiken file; raises :class:`ImportRejected` listing every bad line."""
    if fmt not in ("gift", "aiken"):
        raise DomainError(_("Format tidak dikenal: %(f)s (pilih gift atau aiken).", f=fmt))
    parser = gift.parse if fmt == "gift" else aiken.parse
    result = parser(source, filename=filename, default_category=None)
    if result.errors:
        raise ImportRejected(sorted(result.errors, key=lambda e: e.line))
    return result.questions


def import_questions(
    course: Course, source: str, fmt: str, filename: str | None = None, category: str | None = None
) -> ImportSummary:
    """Import every question of a file into the course's bank, or nothing at all on any error."""
    parsed = parse_questions(source, fmt, filename)
    created = []
    categories: dict[str, QuestionCategory] = {}
    for item in parsed:
        path = item.category or category or DEFAULT_CATEGORY
        if path not in categories:
            categories[path] = category_for(course.id, path)
        question = Question(course_id=course.id, category_id=categories[path].id)
        try:
            _apply(question, item)
        except DomainError as exc:  # e.g. Markdown over the size limit
            raise ImportRejected([LineError(item.line, exc.message, filename)]) from exc
        db.session.add(question)
        created.append(question)
    db.session.flush()
    counts = Counter(q.qtype for q in created)
    return ImportSummary(created, {k: counts[k] for k in qt.QUESTION_TYPES if counts[k]})


def to_parsed(question: Question, category_path: str | None = None) -> gift.ParsedQuestion:
    """The question as the GIFT writer sees it."""
    return gift.ParsedQuestion(
        line=0,
        qtype=question.qtype,
        title=question.title,
        text=question.text,
        text_format=str(question.text_format),
        data=strip_rendered(question.data or {}),
        general_feedback=question.general_feedback,
        category=category_path or (question.category.path if question.category else None),
        tags=question.tags,
        idnumber=question.idnumber,
    )


def export_gift(course_id: int, category_id: int | None = None) -> str:
    """The course's bank (or one category) as a GIFT file."""
    stmt = (
        select(Question, QuestionCategory.path)
        .join(QuestionCategory, QuestionCategory.id == Question.category_id)
        .where(Question.course_id == course_id)
        .order_by(QuestionCategory.path, Question.id)
    )
    if category_id:
        stmt = stmt.where(Question.category_id == category_id)
    return gift.write([to_parsed(q, path) for q, path in db.session.execute(stmt).all()])


def question_as_gift(question: Question) -> str:
    """One question's GIFT source, for the editor."""
    return gift.write_question(to_parsed(question))


def save_question_gift(
    course: Course,
    source: str,
    category_path: str | None,
    tags: str | list[str] | None,
    question: Question | None = None,
    expected_version: int | None = None,
    default_mark: float | None = None,
) -> Question:
    """Create or replace a question from its GIFT source (the bank's editor)."""
    result = gift.parse(source, filename=None, default_category=None)
    if result.errors:
        raise ImportRejected(result.errors)
    if len(result.questions) != 1:
        raise ImportRejected(
            [LineError(1, _("Tulis tepat satu soal (sekarang %(n)s).", n=len(result.questions)))]
        )
    parsed = result.questions[0]
    if tags is not None:
        parsed.tags = normalize_tags(tags)
    if question is not None:
        check_version(question.version, expected_version)
    category = category_for(course.id, category_path or parsed.category)
    if question is None:
        question = Question(course_id=course.id)
        db.session.add(question)
    question.category_id = category.id
    if default_mark:
        question.default_mark = float(default_mark)
    _apply(question, parsed)
    with stale_guard():
        db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Delete a bank question; attempts keep their copy. Refused while a quiz uses it."""
    used = db.session.scalars(
        select(Quiz.title)
        .join(QuizSlot, QuizSlot.quiz_id == Quiz.id)
        .where(QuizSlot.question_id == question.id)
    ).all()
    if used:
        raise DomainError(
            _("Soal dipakai di kuis: %(q)s. Keluarkan dari kuis lebih dulu.", q=", ".join(used))
        )
    db.session.delete(question)
    db.session.flush()
