"""Quiz rules and state changes: the question bank and its imports, quizzes, attempts (start,
autosave, submit, time-out), grading, and the reports (pre/post gain, item analysis).

Exam day shapes this module. Starting is idempotent (a partial unique index allows one open
attempt per learner and quiz; a lost race returns the winner's attempt). Every save first takes
the attempt's row with a conditional UPDATE (still open, not past deadline + grace), then upserts
the one answer row; submitting moves the attempt with a conditional UPDATE from ``in_progress``,
so of two submits exactly one grades, and a save that lost the race to a submit is refused
rather than silently left out of the grade.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import Integer, Select, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, defer, joinedload, noload

from lms.accounts.models import User
from lms.courses import services as course_services
from lms.courses.models import Angkatan, Course, Enrolment, Module
from lms.errors import DomainError, ImportRejected, LineError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.markdown import render_markdown, sanitize_html
from lms.models_base import utcnow
from lms.quizzes import aiken, gift
from lms.quizzes import permissions as quiz_permissions
from lms.quizzes import question_types as qt
from lms.quizzes.models import (
    ATTEMPT_TRANSITIONS,
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    AttemptState,
    GradingMethod,
    Question,
    QuestionCategory,
    QuestionTag,
    Quiz,
    QuizGrade,
    QuizKind,
    QuizSlot,
    ReviewTiming,
    TextFormat,
)

DEFAULT_GRACE_SECONDS = 30
DEFAULT_CATEGORY = "Umum"
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class AttemptClosed(WorkflowError):
    """The attempt no longer takes answers: it was submitted or its time ran out."""


# ------------------------------------------------------------------ rendering


def render_text(source: str, fmt: str) -> str:
    """Sanitised HTML for a question text in its format (Markdown, HTML, or plain text)."""
    if not source:
        return ""
    if fmt == TextFormat.HTML:
        return sanitize_html(source)
    if fmt == TextFormat.MARKDOWN:
        return render_markdown(source)
    return "<p>" + str(escape(source)).replace("\n", "<br>") + "</p>"


_SINGLE_P = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def render_inline(source: str, fmt: str) -> str:
    """Like :func:`render_text` without the paragraph around a single line (options, feedback)."""
    html = render_text(source, fmt).strip()
    match = _SINGLE_P.match(html)
    return match.group(1) if match and "<p>" not in match.group(1) else html


def _render_data(qtype: str, data: dict, fmt: str) -> dict:
    """``data`` with the HTML of options, pair items and feedback added."""
    out = dict(data)
    if qtype in ("single", "multi"):
        out["options"] = [
            {
                **o,
                "html": render_inline(o["text"], fmt),
                "feedback_html": render_inline(o.get("feedback", ""), fmt),
            }
            for o in data.get("options", [])
        ]
    elif qtype in ("short", "numeric"):
        out["answers"] = [
            {**a, "feedback_html": render_inline(a.get("feedback", ""), fmt)} for a in data.get("answers", [])
        ]
        if data.get("wrong_feedback"):
            out["wrong_feedback_html"] = render_inline(data["wrong_feedback"], fmt)
    elif qtype == "matching":
        out["pairs"] = [
            {**p, "left_html": render_inline(p.get("left", ""), fmt)} for p in data.get("pairs", [])
        ]
    elif qtype == "truefalse":
        out["feedback_true_html"] = render_inline(data.get("feedback_true", ""), fmt)
        out["feedback_false_html"] = render_inline(data.get("feedback_false", ""), fmt)
    return out


_RENDERED_KEYS = {
    "html",
    "feedback_html",
    "left_html",
    "wrong_feedback_html",
    "feedback_true_html",
    "feedback_false_html",
}


def strip_rendered(data: dict) -> dict:
    """``data`` without the derived HTML keys (what an export or a comparison needs)."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in _RENDERED_KEYS}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(data)


# ------------------------------------------------------------------ question bank


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
        stmt = stmt.where(Question.qtype == qtype)
    if tag:
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag)))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Question.title.ilike(like), Question.text.ilike(like)))
    return stmt.order_by(Question.category_id, Question.id)


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
    question.data = _render_data(parsed.qtype, data, fmt)
    question.idnumber = parsed.idnumber
    question.tag_rows = [QuestionTag(tag=t) for t in normalize_tags(parsed.tags)]


def _sanitize_data(qtype: str, data: dict) -> dict:
    data = strip_rendered(data)
    for key in ("options", "answers"):
        if key in data:
            data[key] = [
                {
                    **item,
                    **({"text": sanitize_html(item["text"])} if qtype in ("single", "multi") else {}),
                    "feedback": sanitize_html(item.get("feedback", "")),
                }
                for item in data[key]
            ]
    if "pairs" in data:
        data["pairs"] = [{**p, "left": sanitize_html(p.get("left", ""))} for p in data["pairs"]]
    for key in ("feedback_true", "feedback_false", "wrong_feedback"):
        if data.get(key):
            data[key] = sanitize_html(data[key])
    return data


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
    if question is not None and expected_version is not None and question.version != expected_version:
        raise StaleEdit(_("Soal ini sudah diubah orang lain. Muat ulang halaman lalu ulangi perubahan Anda."))
    category = category_for(course.id, category_path or parsed.category)
    if question is None:
        question = Question(course_id=course.id)
        db.session.add(question)
    question.category_id = category.id
    if default_mark:
        question.default_mark = float(default_mark)
    _apply(question, parsed)
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


# ------------------------------------------------------------------ quizzes


@dataclass
class QuizSettings:
    """The settings an admin sets on a quiz."""

    title: str
    description: str = ""
    kind: QuizKind = QuizKind.PRACTICE
    module_id: int | None = None
    pre_test_id: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = True
    questions_per_page: int = 10
    time_limit_minutes: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    max_attempts: int | None = None
    grading_method: GradingMethod = GradingMethod.HIGHEST
    passing_grade: float = 60.0
    review: ReviewTiming = ReviewTiming.IMMEDIATELY
    required_for_completion: bool = False
    published: bool = False


def _check_settings(course: Course, s: QuizSettings, quiz: Quiz | None = None) -> None:
    if s.open_at and s.close_at and s.close_at <= s.open_at:
        raise DomainError(_("Waktu tutup harus setelah waktu buka."))
    if not 0 <= s.passing_grade <= 100:
        raise DomainError(_("Nilai lulus harus antara 0 dan 100."))
    if s.module_id is not None:
        module = db.session.get(Module, s.module_id)
        if module is None or module.course_id != course.id:
            raise DomainError(_("Modul tidak termasuk kursus ini."))
    if s.pre_test_id is not None:
        if s.kind != QuizKind.POST_TEST:
            raise DomainError(_("Hanya post-test yang dipasangkan dengan pre-test."))
        pre = db.session.get(Quiz, s.pre_test_id)
        if pre is None or pre.course_id != course.id or pre.kind != QuizKind.PRE_TEST:
            raise DomainError(_("Pasangan harus pre-test dari kursus yang sama."))


def create_quiz(course: Course, settings: QuizSettings) -> Quiz:
    """A new quiz (unpublished unless the settings say otherwise)."""
    _check_settings(course, settings)
    position = db.session.scalar(
        select(func.coalesce(func.max(Quiz.position), 0)).where(Quiz.course_id == course.id)
    )
    quiz = Quiz(course_id=course.id, position=(position or 0) + 1, **settings.__dict__)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings, expected_version: int | None = None) -> Quiz:
    """Change a quiz's settings; a stale form is refused."""
    if expected_version is not None and quiz.version != expected_version:
        raise StaleEdit(_("Kuis ini sudah diubah orang lain. Muat ulang halaman lalu ulangi perubahan Anda."))
    _check_settings(quiz.course, settings, quiz)
    for key, value in settings.__dict__.items():
        setattr(quiz, key, value)
    db.session.flush()
    return quiz


def settings_of(quiz: Quiz) -> QuizSettings:
    return QuizSettings(**{k: getattr(quiz, k) for k in QuizSettings.__dataclass_fields__})


def _next_slot_position(quiz: Quiz) -> int:
    current = db.session.scalar(select(func.max(QuizSlot.position)).where(QuizSlot.quiz_id == quiz.id))
    return (current or 0) + 1


def add_questions(quiz: Quiz, question_ids: list[int], mark: float | None = None) -> int:
    """Add bank questions to a quiz (those already in it are skipped); returns how many were added."""
    present = set(db.session.scalars(select(QuizSlot.question_id).where(QuizSlot.quiz_id == quiz.id)))
    valid = db.session.scalars(
        select(Question.id)
        .where(Question.course_id == quiz.course_id, Question.id.in_(question_ids))
        .order_by(Question.id)
    ).all()
    position = _next_slot_position(quiz)
    added = 0
    for qid in valid:
        if qid in present:
            continue
        db.session.add(QuizSlot(quiz_id=quiz.id, question_id=qid, position=position, mark=mark))
        position += 1
        added += 1
    db.session.flush()
    return added


def add_random_slot(quiz: Quiz, category_id: int, count: int, mark: float | None = None) -> QuizSlot:
    """Draw ``count`` questions from a category for every attempt."""
    category = db.session.get(QuestionCategory, category_id)
    if category is None or category.course_id != quiz.course_id:
        raise DomainError(_("Kategori tidak ditemukan di bank soal kursus ini."))
    available = db.session.scalar(select(func.count(Question.id)).where(Question.category_id == category_id))
    if count < 1 or count > (available or 0):
        raise DomainError(
            _(
                "Kategori %(c)s berisi %(n)s soal; jumlah acak harus 1 sampai %(n)s.",
                c=category.path,
                n=available or 0,
            )
        )
    slot = QuizSlot(
        quiz_id=quiz.id, category_id=category_id, count=count, position=_next_slot_position(quiz), mark=mark
    )
    db.session.add(slot)
    db.session.flush()
    return slot


def remove_slot(slot: QuizSlot) -> None:
    db.session.delete(slot)
    db.session.flush()


def move_slot(slot: QuizSlot, direction: int) -> None:
    """Swap a slot with its neighbour (direction -1 up, +1 down)."""
    slots = db.session.scalars(
        select(QuizSlot).where(QuizSlot.quiz_id == slot.quiz_id).order_by(QuizSlot.position)
    ).all()
    index = next(i for i, s in enumerate(slots) if s.id == slot.id)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(slots):
        ordered = list(slots)
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position
    db.session.flush()


def quiz_question_count(quiz: Quiz) -> int:
    return sum(s.count if s.category_id else 1 for s in quiz.slots)


@functools.cache
def _quiz_for_start_page_stmt() -> Select:
    """A quiz with its course (without the description, which the learner's quiz pages never
    show) and module, and its number of questions as ``quiz_question_count`` counts them: one
    statement, built once per process (parameter ``quiz_id``)."""
    question_count = (
        select(func.coalesce(func.sum(case((QuizSlot.category_id.is_not(None), QuizSlot.count), else_=1)), 0))
        .where(QuizSlot.quiz_id == Quiz.id)
        .scalar_subquery()
    )
    return (
        select(Quiz, question_count)
        .where(Quiz.id == bindparam("quiz_id", type_=Integer))
        .options(
            joinedload(Quiz.course).options(defer(Course.description_md), defer(Course.description_html)),
            joinedload(Quiz.module),
        )
    )


def quiz_for_start_page(quiz_id: int) -> tuple[Quiz, int] | None:
    """(quiz, number of questions) for the quiz's start page, or None when there is no such quiz."""
    row = db.session.execute(_quiz_for_start_page_stmt(), {"quiz_id": quiz_id}).first()
    return (row[0], int(row[1])) if row is not None else None


# ------------------------------------------------------------------ attempts


def deadline_for(quiz: Quiz, started_at: datetime) -> datetime | None:
    """The attempt's deadline: the time limit from the start, cut at the quiz's close."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.close_at:
        candidates.append(quiz.close_at)
    return min(candidates) if candidates else None


def seconds_remaining(attempt: Attempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (0 when past), from the server's clock."""
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


def is_overdue(attempt: Attempt, now: datetime, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> bool:
    """An open attempt past its deadline plus the grace: the server finishes it."""
    return (
        attempt.state == AttemptState.IN_PROGRESS
        and attempt.deadline_at is not None
        and now > attempt.deadline_at + timedelta(seconds=grace_seconds)
    )


def move_attempt(attempt_id: int, source: AttemptState, target: AttemptState, **values) -> bool:
    """The one function that moves an attempt's state, with a conditional UPDATE.

    Returns False when the attempt was not in ``source`` any more (another request moved it).
    """
    if target not in ATTEMPT_TRANSITIONS[source]:
        raise WorkflowError(_("Perubahan status percobaan tidak diizinkan."))
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.state == source)
        .values(state=target, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass
class StartCheck:
    """Whether a learner may start (or continue) a quiz now, and why not."""

    ok: bool
    reason: str = ""
    open_attempt: Attempt | None = None
    attempts: list[Attempt] = field(default_factory=list)


_USER_ATTEMPTS_STMT = (
    select(Attempt)
    .where(
        Attempt.quiz_id == bindparam("quiz_id", type_=Integer),
        Attempt.user_id == bindparam("user_id", type_=Integer),
    )
    .order_by(Attempt.number)
)


def user_attempts(quiz_id: int, user_id: int) -> list[Attempt]:
    """A learner's attempts on a quiz, in order (statement built once per process)."""
    return list(db.session.scalars(_USER_ATTEMPTS_STMT, {"quiz_id": quiz_id, "user_id": user_id}))


def start_check(
    quiz: Quiz, attempts: list[Attempt], now: datetime, question_count: int | None = None
) -> StartCheck:
    """Apply the window and attempt-count rules to a learner's attempts (no queries when the
    quiz's ``question_count`` is given; else its slots are loaded)."""
    open_attempt = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if open_attempt is not None:
        return StartCheck(True, open_attempt=open_attempt, attempts=attempts)
    if quiz.open_at and now < quiz.open_at:
        return StartCheck(False, _("Kuis belum dibuka."), attempts=attempts)
    if quiz.close_at and now >= quiz.close_at:
        return StartCheck(False, _("Kuis sudah ditutup."), attempts=attempts)
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        return StartCheck(
            False,
            _("Kesempatan mengerjakan sudah habis (%(n)s kali).", n=quiz.max_attempts),
            attempts=attempts,
        )
    if (question_count == 0) if question_count is not None else not quiz.slots:
        return StartCheck(False, _("Kuis belum berisi soal."), attempts=attempts)
    return StartCheck(True, attempts=attempts)


def _draw_questions(quiz: Quiz, rng: random.Random) -> list[tuple[Question, float]]:
    """The questions of a new attempt: fixed slots as they are, random slots drawn now."""
    slots = list(quiz.slots)
    category_ids = [s.category_id for s in slots if s.category_id]
    pools: dict[int, list[int]] = defaultdict(list)
    if category_ids:
        for qid, cid in db.session.execute(
            select(Question.id, Question.category_id).where(Question.category_id.in_(category_ids))
        ):
            pools[cid].append(qid)
    fixed_ids = {s.question_id for s in slots if s.question_id}
    plan: list[tuple[int, float | None]] = []
    used: set[int] = set(fixed_ids)
    for slot in slots:
        if slot.question_id:
            plan.append((slot.question_id, slot.mark))
            continue
        pool = sorted(set(pools.get(slot.category_id, [])) - used)
        picked = rng.sample(pool, min(slot.count, len(pool)))
        used.update(picked)
        plan.extend((qid, slot.mark) for qid in picked)
    if not plan:
        return []
    stmt = select(Question).where(Question.id.in_([p for p, _m in plan])).options(noload(Question.tag_rows))
    questions = {q.id: q for q in db.session.scalars(stmt)}
    return [(questions[qid], mark or questions[qid].default_mark) for qid, mark in plan if qid in questions]


def start_attempt(
    quiz: Quiz,
    user_id: int,
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
    rng: random.Random | None = None,
) -> Attempt:
    """Open an attempt, or return the one already open (a double click opens one attempt)."""
    now = now or utcnow()
    attempts = user_attempts(quiz.id, user_id)
    current = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if current is not None:
        if not is_overdue(current, now, grace_seconds):
            return current
        submit_attempt(current, now, auto=True)
        attempts = user_attempts(quiz.id, user_id)
    check = start_check(quiz, attempts, now)
    if not check.ok:
        raise DomainError(check.reason)
    rng = rng or random.Random()
    drawn = _draw_questions(quiz, rng)
    if not drawn:
        raise DomainError(_("Kuis belum berisi soal."))
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    number = max((a.number for a in attempts), default=0) + 1
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user_id,
        number=number,
        state=AttemptState.IN_PROGRESS,
        started_at=now,
        deadline_at=deadline_for(quiz, now),
        max_score=round(sum(mark for _q, mark in drawn), 4),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # Another request (a double click, a retry) opened the attempt first: use that one.
        winner = db.session.scalar(
            select(Attempt).where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user_id,
                Attempt.state == AttemptState.IN_PROGRESS,
            )
        )
        if winner is None:
            raise WorkflowError(
                _("Percobaan baru saja dimulai dari tempat lain. Muat ulang halaman.")
            ) from None
        return winner
    rows = []
    for position, (question, mark) in enumerate(drawn, start=1):
        kind = qt.get_type(question.qtype)
        order = kind.shuffle_ids(question.data)
        if quiz.shuffle_options and question.qtype in ("single", "multi", "matching"):
            rng.shuffle(order)
        rows.append(
            {
                "attempt_id": attempt.id,
                "question_id": question.id,
                "position": position,
                "qtype": question.qtype,
                "title": question.title,
                "text_html": question.text_html,
                "general_feedback_html": question.general_feedback_html,
                "data": question.data,
                "order": order,
                "mark": float(mark),
                "grader_comment": "",
            }
        )
    db.session.execute(insert(AttemptQuestion), rows)
    return attempt


@dataclass
class SaveReceipt:
    """What the learner is told after a save: which question, which revision, when."""

    attempt_question_id: int
    revision: int | None
    saved_at: datetime
    stale: bool = False  # a newer answer was already saved; this one was ignored

    @property
    def receipt(self) -> str:
        return f"{self.attempt_question_id}-{self.revision}" if self.revision else ""


def _claim_open_attempt(attempt_id: int, now: datetime, grace_seconds: int) -> bool:
    """Lock the attempt's row for this transaction if it still takes answers."""
    cutoff = now - timedelta(seconds=grace_seconds)
    result = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt_id,
            Attempt.state == AttemptState.IN_PROGRESS,
            or_(Attempt.deadline_at.is_(None), Attempt.deadline_at >= cutoff),
        )
        .values(last_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _closed_error(attempt_id: int, now: datetime, grace_seconds: int) -> AttemptClosed:
    state = db.session.scalar(select(Attempt.state).where(Attempt.id == attempt_id))
    if state == AttemptState.IN_PROGRESS:
        return AttemptClosed(_("Waktu mengerjakan sudah habis; jawaban ini tidak diterima."))
    return AttemptClosed(_("Percobaan ini sudah dikumpulkan; jawaban tidak dapat diubah."))


@functools.cache
def _upsert_stmt(dialect: str):
    """The answers' upsert, built once per process and dialect: executed with a list of rows it
    is one executemany (sent as one multi-row INSERT), compiled once, where a statement built with
    ``.values(rows)`` was compiled anew for each request (40 rows: more than the rest of the
    request)."""
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = builder(AttemptAnswer)
    newer = or_(
        stmt.excluded.client_seq.is_(None),
        AttemptAnswer.client_seq.is_(None),
        stmt.excluded.client_seq >= AttemptAnswer.client_seq,
    )
    return stmt.on_conflict_do_update(
        index_elements=[AttemptAnswer.attempt_question_id],
        set_={
            "response": stmt.excluded.response,
            "client_seq": stmt.excluded.client_seq,
            "revision": AttemptAnswer.revision + 1,
            "saved_at": stmt.excluded.saved_at,
        },
        where=newer,
    ).returning(AttemptAnswer.attempt_question_id, AttemptAnswer.revision, AttemptAnswer.saved_at)


def _upsert(rows: list[dict]):
    stmt = _upsert_stmt(db.session.get_bind().dialect.name)
    return db.session.execute(stmt, rows).all()


def save_answer(
    attempt_id: int,
    attempt_question: AttemptQuestion,
    response: dict,
    client_seq: int | None = None,
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> SaveReceipt:
    """Save one answer (autosave). Refused after the deadline plus grace, or once submitted."""
    now = now or utcnow()
    if attempt_question.attempt_id != attempt_id:
        raise DomainError(_("Soal tidak termasuk percobaan ini."))
    if not _claim_open_attempt(attempt_id, now, grace_seconds):
        raise _closed_error(attempt_id, now, grace_seconds)
    rows = _upsert(
        [
            {
                "attempt_id": attempt_id,
                "attempt_question_id": attempt_question.id,
                "response": response,
                "client_seq": client_seq,
                "revision": 1,
                "saved_at": now,
            }
        ]
    )
    if not rows:
        return SaveReceipt(attempt_question.id, None, now, stale=True)
    return SaveReceipt(attempt_question.id, rows[0].revision, now)


def save_answers(
    attempt: Attempt,
    responses: dict[int, dict],
    now: datetime | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> list[SaveReceipt]:
    """Save the answers of a whole page (the form submitted without JavaScript)."""
    now = now or utcnow()
    if not responses:
        if not _claim_open_attempt(attempt.id, now, grace_seconds):
            raise _closed_error(attempt.id, now, grace_seconds)
        return []
    valid = set(
        db.session.scalars(
            select(AttemptQuestion.id).where(
                AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.id.in_(list(responses))
            )
        )
    )
    if not _claim_open_attempt(attempt.id, now, grace_seconds):
        raise _closed_error(attempt.id, now, grace_seconds)
    rows = [
        {
            "attempt_id": attempt.id,
            "attempt_question_id": aq_id,
            "response": response,
            "client_seq": None,
            "revision": 1,
            "saved_at": now,
        }
        for aq_id, response in sorted(responses.items())
        if aq_id in valid
    ]
    if not rows:
        return []
    return [SaveReceipt(r.attempt_question_id, r.revision, now) for r in _upsert(rows)]


def parse_responses(questions: list[AttemptQuestion], getlist) -> dict[int, dict]:
    """Responses from form values for the given attempt questions (field ``q<id>``)."""
    return {aq.id: qt.get_type(aq.qtype).parse_form(aq.data, f"q{aq.id}", getlist) for aq in questions}


def submit_attempt(attempt: Attempt, now: datetime | None = None, auto: bool = False) -> bool:
    """Finish an attempt and grade it. Only the first submit grades; later ones change nothing.

    Returns True for the submit that won."""
    now = now or utcnow()
    won = move_attempt(
        attempt.id, AttemptState.IN_PROGRESS, AttemptState.SUBMITTED, submitted_at=now, auto_submitted=auto
    )
    if won:
        grade_attempt(attempt.id, now)
    db.session.expire(attempt)
    return won


def finish_if_overdue(
    attempt: Attempt, now: datetime | None = None, grace_seconds: int = DEFAULT_GRACE_SECONDS
) -> bool:
    """Finish an open attempt past its deadline plus grace with its saved answers."""
    now = now or utcnow()
    if not is_overdue(attempt, now, grace_seconds):
        return False
    return submit_attempt(attempt, now, auto=True)


def finish_overdue(
    now: datetime | None = None, grace_seconds: int = DEFAULT_GRACE_SECONDS, limit: int = 1000
) -> int:
    """Finish every open attempt past its deadline plus grace (the worker runs this every minute)."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=grace_seconds)
    attempts = db.session.scalars(
        select(Attempt)
        .where(
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < cutoff,
        )
        .order_by(Attempt.deadline_at)
        .limit(limit)
    ).all()
    return sum(1 for attempt in attempts if submit_attempt(attempt, now, auto=True))


def grade_attempt(attempt_id: int, now: datetime) -> None:
    """Grade a submitted attempt's automatic questions; essays wait for a person."""
    rows = db.session.execute(_ATTEMPT_QUESTIONS_STMT, {"attempt_id": attempt_id}).all()
    questions = [aq for aq, _answer in rows]
    answers = {aq.id: answer.response for aq, answer in rows if answer is not None}
    waiting = False
    updates = []
    score = 0.0
    for aq in questions:
        kind = qt.get_type(aq.qtype)
        response = answers.get(aq.id)
        fraction = kind.grade(aq.data, response)
        if fraction is None and not kind.is_answered(response):
            fraction = 0.0  # an empty essay needs no grader
        if fraction is None:
            waiting = True
            continue
        points = round(fraction * aq.mark, 4)
        score += points
        updates.append({"id": aq.id, "fraction": fraction, "score": points, "graded_at": now})
    if updates:
        # One executemany, not one UPDATE per question.
        db.session.execute(update(AttemptQuestion), updates)
    for aq in questions:
        db.session.expire(aq)
    if waiting:
        move_attempt(attempt_id, AttemptState.SUBMITTED, AttemptState.NEEDS_GRADING)
        return
    _finalize(attempt_id, score, AttemptState.SUBMITTED, now)


def _finalize(attempt_id: int, score: float, source: AttemptState, now: datetime) -> None:
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    score = round(score, 4)
    percent = round(100 * score / attempt.max_score, 2) if attempt.max_score else 0.0
    passed = percent >= attempt.quiz.passing_grade - 1e-9
    values = {"score": score, "percent": percent, "passed": passed, "graded_at": now}
    if source == AttemptState.GRADED:  # a regrade: the state stays
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    elif not move_attempt(attempt_id, source, AttemptState.GRADED, **values):
        return
    db.session.expire(attempt)
    _after_graded(attempt, now)


def _after_graded(attempt: Attempt, now: datetime) -> None:
    grade = update_quiz_grade(attempt.quiz, attempt.user_id, now)
    if grade is not None and grade.passed and attempt.quiz.required_for_completion:
        user = db.session.get(User, attempt.user_id)
        course_services.check_completion(user, attempt.quiz.course, at=now)


def update_quiz_grade(quiz: Quiz, user_id: int, now: datetime | None = None) -> QuizGrade | None:
    """Recompute the grade that counts (highest or last graded attempt) and upsert it."""
    now = now or utcnow()
    graded = db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.percent)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id, Attempt.state == AttemptState.GRADED)
        .order_by(Attempt.number)
    ).all()
    if not graded:
        return None
    if quiz.grading_method == GradingMethod.LAST:
        chosen = graded[-1]
    else:
        chosen = max(graded, key=lambda row: (row.percent or 0, -row.number))
    percent = chosen.percent or 0.0
    passed = percent >= quiz.passing_grade - 1e-9
    dialect = db.session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = builder(QuizGrade).values(
        quiz_id=quiz.id, user_id=user_id, attempt_id=chosen.id, percent=percent, passed=passed, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[QuizGrade.quiz_id, QuizGrade.user_id],
        set_={"attempt_id": chosen.id, "percent": percent, "passed": passed, "updated_at": now},
    )
    db.session.execute(stmt)
    return db.session.scalar(
        select(QuizGrade)
        .where(QuizGrade.quiz_id == quiz.id, QuizGrade.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def grade_essay(
    attempt_question: AttemptQuestion,
    grader: User,
    score: float,
    comment: str = "",
    now: datetime | None = None,
) -> Attempt:
    """Record a person's score for an essay; the attempt's score is final when all are graded."""
    now = now or utcnow()
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_question.attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if attempt.state not in (AttemptState.NEEDS_GRADING, AttemptState.GRADED):
        raise WorkflowError(_("Percobaan ini belum dikumpulkan."))
    if attempt_question.qtype != "essay":
        raise DomainError(_("Hanya soal esai yang dinilai manual."))
    if score is None or not 0 <= score <= attempt_question.mark:
        raise DomainError(_("Nilai harus antara 0 dan %(m)s.", m=_fmt_mark(attempt_question.mark)))
    attempt_question.score = round(float(score), 4)
    attempt_question.fraction = attempt_question.score / attempt_question.mark
    attempt_question.graded_at = now
    attempt_question.graded_by_id = grader.id
    attempt_question.grader_comment = (comment or "").strip()[:5000]
    db.session.flush()
    questions = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    if all(aq.graded_at is not None for aq in questions):
        _finalize(attempt.id, sum(aq.score or 0 for aq in questions), attempt.state, now)
    return attempt


def _fmt_mark(mark: float) -> str:
    return str(int(mark)) if float(mark).is_integer() else f"{mark:g}"


def register_with_courses() -> None:
    """Make "required quizzes passed" a condition of course completion (called by create_app)."""
    course_services.register_completion_requirement(required_quizzes_status)


# Built once per process (building the statement cost more than running it); the courses pages
# ask for it on every request.
_REQUIRED_QUIZZES_STMT = (
    select(func.count(Quiz.id), func.count(QuizGrade.id))
    .select_from(Quiz)
    .outerjoin(
        QuizGrade,
        and_(
            QuizGrade.quiz_id == Quiz.id,
            QuizGrade.user_id == bindparam("user_id", type_=Integer),
            QuizGrade.passed.is_(True),
        ),
    )
    .where(
        Quiz.course_id == bindparam("course_id", type_=Integer),
        Quiz.required_for_completion.is_(True),
        Quiz.published.is_(True),
    )
)


def required_quizzes_status(user_id: int, course: Course) -> tuple[int, int]:
    """(passed, total) of the course's published quizzes required for completion: one query."""
    row = db.session.execute(_REQUIRED_QUIZZES_STMT, {"user_id": user_id, "course_id": course.id}).one()
    return int(row[1]), int(row[0])


# ------------------------------------------------------------------ learner views


@dataclass
class QuestionView:
    """One question on the attempt or review page."""

    aq: AttemptQuestion
    number: int
    response: dict | None
    answered: bool
    saved_at: datetime | None = None
    revision: int | None = None

    @property
    def kind(self) -> qt.QuestionType:
        return qt.get_type(self.aq.qtype)

    @property
    def field(self) -> str:
        return f"q{self.aq.id}"

    def options(self) -> list[dict]:
        """Options in this attempt's order (choice types)."""
        by_id = {str(o["id"]): o for o in self.aq.data.get("options", [])}
        return [by_id[i] for i in self.aq.order if i in by_id]

    def chosen(self) -> set[str]:
        response = self.response or {}
        if "choice" in response:
            return {str(response["choice"])}
        return {str(c) for c in response.get("choices", [])}

    def items(self) -> list[dict]:
        return [p for p in self.aq.data.get("pairs", []) if (p.get("left") or "").strip()]

    def choices(self) -> list[str]:
        return list(self.aq.order)

    def pair_choice(self, pair_id) -> str:
        return ((self.response or {}).get("pairs") or {}).get(str(pair_id), "")


@dataclass
class AttemptPage:
    attempt: Attempt
    questions: list[QuestionView]
    all_questions: list[QuestionView]
    page: int
    pages: int

    @property
    def answered_count(self) -> int:
        return sum(1 for q in self.all_questions if q.answered)


# An attempt's questions in order, each with its saved answer (at most one: unique per question).
_ATTEMPT_QUESTIONS_STMT = (
    select(AttemptQuestion, AttemptAnswer)
    .outerjoin(AttemptAnswer, AttemptAnswer.attempt_question_id == AttemptQuestion.id)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id", type_=Integer))
    .order_by(AttemptQuestion.position)
)
_ATTEMPT_WITH_QUIZ_STMT = (
    select(Attempt)
    .where(Attempt.id == bindparam("attempt_id", type_=Integer))
    .options(joinedload(Attempt.quiz))
)


def attempt_with_quiz(attempt_id: int) -> Attempt | None:
    """An attempt and its quiz in one statement (the attempt and confirmation pages show both)."""
    return db.session.scalar(_ATTEMPT_WITH_QUIZ_STMT, {"attempt_id": attempt_id})


def attempt_page(attempt: Attempt, page: int = 1) -> AttemptPage:
    """The questions of one page of an attempt, with the saved answers (one query)."""
    rows = db.session.execute(_ATTEMPT_QUESTIONS_STMT, {"attempt_id": attempt.id}).all()
    questions = [aq for aq, _answer in rows]
    answers = {aq.id: answer for aq, answer in rows if answer is not None}
    views = []
    for number, aq in enumerate(questions, start=1):
        answer = answers.get(aq.id)
        response = answer.response if answer else None
        views.append(
            QuestionView(
                aq=aq,
                number=number,
                response=response,
                answered=qt.get_type(aq.qtype).is_answered(response),
                saved_at=answer.saved_at if answer else None,
                revision=answer.revision if answer else None,
            )
        )
    per_page = attempt.quiz.questions_per_page or len(views) or 1
    pages = max(1, -(-len(views) // per_page))
    page = min(max(1, page), pages)
    return AttemptPage(attempt, views[(page - 1) * per_page : page * per_page], views, page, pages)


def page_of(attempt_page_obj: AttemptPage, number: int) -> int:
    per_page = attempt_page_obj.attempt.quiz.questions_per_page or len(attempt_page_obj.all_questions) or 1
    return (number - 1) // per_page + 1


def review_allowed(quiz: Quiz, attempt: Attempt, now: datetime | None = None) -> bool:
    """May the learner see the right answers and feedback of a finished attempt now?"""
    if attempt.state == AttemptState.IN_PROGRESS:
        return False
    if quiz.review == ReviewTiming.IMMEDIATELY:
        return True
    if quiz.review == ReviewTiming.AFTER_CLOSE:
        return quiz.close_at is not None and (now or utcnow()) >= quiz.close_at
    return False


def feedback_for(view: QuestionView) -> list[str]:
    """Rendered feedback HTML that belongs to the learner's answer."""
    data, response = view.aq.data, view.response
    kind = view.kind
    out = []
    if view.aq.qtype in ("single", "multi"):
        by_id = {str(o["id"]): o for o in data.get("options", [])}
        out = [by_id[c].get("feedback_html", "") for c in kind._chosen(response) if c in by_id]
    elif view.aq.qtype == "truefalse" and kind.is_answered(response):
        out = [data.get("feedback_true_html" if response["value"] else "feedback_false_html", "")]
    elif view.aq.qtype in ("short", "numeric"):
        match = kind._match(data, response)
        if match:
            out = [match.get("feedback_html", "")]
        if (not match or not match.get("fraction")) and data.get("wrong_feedback_html"):
            out.append(data["wrong_feedback_html"])
    return [f for f in out if f]


@dataclass
class LearnerQuizRow:
    """A quiz as listed for a learner: settings, grade that counts, whether an attempt is open."""

    quiz: Quiz
    course_title: str
    percent: float | None
    passed: bool | None
    open_attempt_id: int | None


def learner_quiz_rows_stmt(
    user_id: int,
    course_id: int | None = None,
    module_id: int | None = None,
    course_level_only: bool = False,
    admin: bool = False,
) -> Select:
    """One query for a learner's quiz list (their courses, or one course or module)."""
    open_attempt = aliased(Attempt)
    stmt = (
        select(Quiz, Course.title, QuizGrade.percent, QuizGrade.passed, open_attempt.id)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(QuizGrade, and_(QuizGrade.quiz_id == Quiz.id, QuizGrade.user_id == user_id))
        .outerjoin(
            open_attempt,
            and_(
                open_attempt.quiz_id == Quiz.id,
                open_attempt.user_id == user_id,
                open_attempt.state == AttemptState.IN_PROGRESS,
            ),
        )
        .order_by(Course.title, Quiz.module_id.is_not(None), Quiz.position, Quiz.id)
    )
    if not admin:
        stmt = stmt.where(
            Quiz.published.is_(True), Quiz.course_id.in_(quiz_permissions.enrolled_course_ids(user_id))
        )
    if course_id is not None:
        stmt = stmt.where(Quiz.course_id == course_id)
    if module_id is not None:
        stmt = stmt.where(Quiz.module_id == module_id)
    elif course_level_only:
        stmt = stmt.where(Quiz.module_id.is_(None))
    return stmt


@functools.cache
def _learner_quiz_list_statements() -> tuple[Select, Select]:
    """The "my quizzes" page's statements (rows of one page, total), built once per process with
    the bound parameters ``user_id``, ``limit`` and ``offset``: building the statement cost more
    than running it."""
    rows = learner_quiz_rows_stmt(bindparam("user_id", type_=Integer))
    page = rows.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
    total = select(func.count()).select_from(rows.order_by(None).subquery())
    return page, total


def learner_quiz_list_page(user_id: int, limit: int, offset: int) -> list[LearnerQuizRow]:
    """One page of a learner's quizzes across their courses (the "my quizzes" page)."""
    stmt = _learner_quiz_list_statements()[0]
    rows = db.session.execute(stmt, {"user_id": user_id, "limit": limit, "offset": offset}).all()
    return [LearnerQuizRow(*row) for row in rows]


def learner_quiz_list_count(user_id: int) -> int:
    """How many quizzes ``learner_quiz_list_page`` pages through."""
    return db.session.execute(_learner_quiz_list_statements()[1], {"user_id": user_id}).scalar() or 0


def learner_quiz_rows(
    user_id: int, course_id: int | None = None, module_id: int | None = None, course_level_only: bool = False
) -> list[LearnerQuizRow]:
    """A learner's quizzes of one course or module (for ``quizzes/_course_quizzes.html``)."""
    rows = db.session.execute(learner_quiz_rows_stmt(user_id, course_id, module_id, course_level_only)).all()
    return [LearnerQuizRow(*row) for row in rows]


# ------------------------------------------------------------------ grading queue


def pending_essays_stmt(grader: User, course_id: int | None = None, mine_only: bool = False) -> Select:
    """Groups (quiz, question) of essays waiting for a grader, with counts (one query)."""
    stmt = (
        select(
            Quiz.id,
            Quiz.title,
            Course.title,
            AttemptQuestion.question_id,
            AttemptQuestion.title,
            func.count(AttemptQuestion.id),
            func.min(Attempt.submitted_at),
        )
        .select_from(AttemptQuestion)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(
            AttemptQuestion.qtype == "essay",
            AttemptQuestion.graded_at.is_(None),
            Attempt.state == AttemptState.NEEDS_GRADING,
            Quiz.course_id.in_(quiz_permissions.gradeable_course_ids(grader)),
        )
        .group_by(Quiz.id, Quiz.title, Course.title, AttemptQuestion.question_id, AttemptQuestion.title)
        .order_by(func.min(Attempt.submitted_at))
    )
    if course_id:
        stmt = stmt.where(Quiz.course_id == course_id)
    if mine_only:
        stmt = stmt.where(
            Attempt.user_id.in_(select(Enrolment.user_id).where(Enrolment.coach_id == grader.id))
        )
    return stmt


def essay_answers_stmt(
    quiz: Quiz, question_id: int | None, grader: User, mine_only: bool = False, include_graded: bool = False
) -> Select:
    """Essay answers of one quiz question with their learners (for the batch grading page)."""
    stmt = (
        select(
            AttemptQuestion,
            AttemptAnswer.response,
            User.full_name,
            User.nip,
            Attempt.number,
            Attempt.submitted_at,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(AttemptAnswer, AttemptAnswer.attempt_question_id == AttemptQuestion.id)
        .where(
            Attempt.quiz_id == quiz.id,
            AttemptQuestion.qtype == "essay",
            Attempt.state.in_([AttemptState.NEEDS_GRADING, AttemptState.GRADED]),
        )
        .order_by(Attempt.submitted_at, AttemptQuestion.id)
    )
    stmt = stmt.where(
        AttemptQuestion.question_id == question_id if question_id else AttemptQuestion.question_id.is_(None)
    )
    if not include_graded:
        stmt = stmt.where(AttemptQuestion.graded_at.is_(None))
    if mine_only:
        stmt = stmt.where(
            Attempt.user_id.in_(select(Enrolment.user_id).where(Enrolment.coach_id == grader.id))
        )
    return stmt


# ------------------------------------------------------------------ reports


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


@dataclass
class OptionStat:
    label: str
    count: int
    correct: bool


@dataclass
class ItemStat:
    key: str
    title: str
    qtype: str
    attempts: int
    facility: float | None
    discrimination: float | None
    options: list[OptionStat]
    blank: int


@dataclass
class ItemAnalysis:
    attempts: int
    group_size: int
    items: list[ItemStat]


def item_analysis(quiz: Quiz) -> ItemAnalysis:
    """Facility, discrimination (upper and lower 27% by total score) and option counts per question.

    Uses each learner's attempt that counts; three queries whatever the class size."""
    counted = db.session.execute(
        select(Attempt.id, Attempt.percent)
        .join(QuizGrade, QuizGrade.attempt_id == Attempt.id)
        .where(QuizGrade.quiz_id == quiz.id, Attempt.state == AttemptState.GRADED)
    ).all()
    totals = {row.id: row.percent or 0.0 for row in counted}
    n = len(totals)
    if not n:
        return ItemAnalysis(0, 0, [])
    ranked = sorted(totals, key=lambda a: (totals[a], a))
    size = max(1, round(0.27 * n))
    lower, upper = set(ranked[:size]), set(ranked[-size:])
    aqs = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(list(totals)))
    ).all()
    answers = {
        a.attempt_question_id: a.response
        for a in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(list(totals))))
    }
    groups: dict[str, list[AttemptQuestion]] = defaultdict(list)
    for aq in aqs:
        groups[str(aq.question_id) if aq.question_id else f"p{aq.position}:{aq.title}"].append(aq)
    items = []
    for key, rows in groups.items():
        sample = rows[0]
        kind = qt.get_type(sample.qtype)
        fractions = [aq.fraction for aq in rows if aq.fraction is not None]
        facility = sum(fractions) / len(fractions) if fractions else None
        up = [aq.fraction for aq in rows if aq.attempt_id in upper and aq.fraction is not None]
        low = [aq.fraction for aq in rows if aq.attempt_id in lower and aq.fraction is not None]
        discrimination = (sum(up) / len(up) - sum(low) / len(low)) if up and low and n >= 2 else None
        counter: Counter = Counter()
        blank = 0
        for aq in rows:
            keys = kind.analysis_keys(aq.data, answers.get(aq.id))
            if not keys:
                blank += 1
            counter.update(keys)
        options = _option_stats(sample, counter)
        items.append(
            ItemStat(key, sample.title, sample.qtype, len(rows), facility, discrimination, options, blank)
        )
    items.sort(key=lambda item: min(aq.position for aq in groups[item.key]))
    return ItemAnalysis(n, size, items)


def _option_stats(sample: AttemptQuestion, counter: Counter) -> list[OptionStat]:
    data = sample.data
    if sample.qtype in ("single", "multi"):
        return [
            OptionStat(o["text"], counter.get(str(o["id"]), 0), float(o.get("fraction", 0)) > 0)
            for o in data.get("options", [])
        ]
    if sample.qtype == "truefalse":
        return [
            OptionStat(_("Benar"), counter.get("true", 0), data.get("correct") is True),
            OptionStat(_("Salah"), counter.get("false", 0), data.get("correct") is False),
        ]
    return [OptionStat(label, count, False) for label, count in counter.most_common(5)]


def item_analysis_csv(quiz: Quiz, analysis: ItemAnalysis) -> str:
    """The item analysis as CSV (semicolon-free columns, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "no",
            "judul",
            "jenis",
            "jumlah_percobaan",
            "indeks_kesukaran",
            "indeks_daya_beda",
            "kosong",
            "distribusi_jawaban",
        ]
    )
    for number, item in enumerate(analysis.items, start=1):
        writer.writerow(
            [
                number,
                item.title,
                str(qt.get_type(item.qtype).label),
                item.attempts,
                "" if item.facility is None else f"{item.facility:.3f}",
                "" if item.discrimination is None else f"{item.discrimination:.3f}",
                item.blank,
                " | ".join(f"{'*' if o.correct else ''}{o.label}: {o.count}" for o in item.options),
            ]
        )
    return out.getvalue()


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz nobody has attempted (otherwise unpublish it to keep the results)."""
    attempted = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id))
    if attempted:
        raise DomainError(
            _(
                "Kuis sudah dikerjakan %(n)s kali; batalkan terbitnya saja agar nilai tetap tersimpan.",
                n=attempted,
            )
        )
    db.session.execute(update(Quiz).where(Quiz.pre_test_id == quiz.id).values(pre_test_id=None))
    db.session.delete(quiz)
    db.session.flush()


def courses_overview_stmt() -> Select:
    """Courses with the size of their bank and their number of quizzes (one query; paginate it)."""
    questions = select(func.count(Question.id)).where(Question.course_id == Course.id).scalar_subquery()
    quizzes = select(func.count(Quiz.id)).where(Quiz.course_id == Course.id).scalar_subquery()
    return select(Course, questions, quizzes).order_by(Course.title, Course.id)


def quiz_choices(course_id: int, kind: QuizKind | None = None) -> list[Quiz]:
    stmt = select(Quiz).where(Quiz.course_id == course_id).order_by(Quiz.position, Quiz.id)
    if kind is not None:
        stmt = stmt.where(Quiz.kind == kind)
    return list(db.session.scalars(stmt))


def modules_of(course_id: int) -> list[Module]:
    return list(
        db.session.scalars(select(Module).where(Module.course_id == course_id).order_by(Module.position))
    )


def slot_rows(quiz: Quiz) -> list[tuple[QuizSlot, Question | None, QuestionCategory | None]]:
    """A quiz's slots with their question or category (one query)."""
    return [
        (slot, question, category)
        for slot, question, category in db.session.execute(
            select(QuizSlot, Question, QuestionCategory)
            .outerjoin(Question, Question.id == QuizSlot.question_id)
            .outerjoin(QuestionCategory, QuestionCategory.id == QuizSlot.category_id)
            .where(QuizSlot.quiz_id == quiz.id)
            .order_by(QuizSlot.position)
        ).all()
    ]
