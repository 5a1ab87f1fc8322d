"""Quizzes: the question bank (categories, tags, questions), quizzes and their slots, attempts,
per-question snapshots, autosaved answers, and the grade that counts per learner and quiz.

An attempt copies every question it shows (type, text, answer data, option order) into
``attempt_questions`` when it starts, so editing or deleting a bank question never changes an
attempt already taken. Answers are one row per attempt question, upserted on every autosave.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Course, Module
from lms.extensions import db
from lms.models_base import CreatedAt, Repr, Timestamps, UTCDateTime, Versioned, str_enum, utcnow


class TextFormat(enum.StrEnum):
    """How a question's source text is written (GIFT's ``[markdown]``, ``[html]``, ``[plain]``)."""

    MARKDOWN = "markdown"
    HTML = "html"
    PLAIN = "plain"


class QuestionCategory(CreatedAt, Repr, db.Model):
    """A category of a course's question bank, named by its path ("Modul 1/Etika")."""

    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))

    __repr_format__ = "{0.id} {0.path!r}"


class Question(Versioned, Timestamps, Repr, db.Model):
    """One question of the bank. ``data`` holds the type's answers (see question_types.py)."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_course_category", "course_id", "category_id"),
        CheckConstraint("default_mark > 0", name="mark_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_categories.id", ondelete="RESTRICT"), index=True
    )
    qtype: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    text_format: Mapped[TextFormat] = mapped_column(
        str_enum(TextFormat, "text_format", 10), default=TextFormat.MARKDOWN
    )
    text_html: Mapped[str] = mapped_column(Text, default="")
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    general_feedback_html: Mapped[str] = mapped_column(Text, default="")
    # Answers in the type's shape, with their rendered HTML ("html", "feedback_html" keys).
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    default_mark: Mapped[float] = mapped_column(Float, default=1.0)

    category: Mapped[QuestionCategory] = relationship()
    tag_rows: Mapped[list[QuestionTag]] = relationship(
        cascade="all, delete-orphan", order_by="QuestionTag.tag", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    __repr_format__ = "{0.id} {0.qtype} {0.title!r}"


class QuestionTag(Repr, db.Model):
    """A free tag on a question ("etika", "sulit")."""

    __tablename__ = "question_tags"
    __table_args__ = (UniqueConstraint("question_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(60), index=True)

    __repr_format__ = "{0.question_id} {0.tag!r}"


class QuizKind(enum.StrEnum):
    PRACTICE = "latihan"
    PRE_TEST = "pre_test"
    POST_TEST = "post_test"
    EXAM = "ujian"


class GradingMethod(enum.StrEnum):
    """Which attempt counts."""

    HIGHEST = "highest"
    LAST = "last"


class ReviewTiming(enum.StrEnum):
    """When learners see the correct answers and feedback."""

    IMMEDIATELY = "immediately"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


class Quiz(Versioned, Timestamps, Repr, db.Model):
    """A quiz placed in a module or at course level, with its timing and grading settings."""

    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("close_at IS NULL OR open_at IS NULL OR close_at > open_at", name="window_ordered"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="limit_positive"),
        CheckConstraint("max_attempts IS NULL OR max_attempts > 0", name="attempts_positive"),
        CheckConstraint("passing_grade >= 0 AND passing_grade <= 100", name="passing_range"),
        CheckConstraint("questions_per_page >= 0", name="per_page_not_negative"),
        CheckConstraint("pre_test_id IS NULL OR kind = 'post_test'", name="pair_on_post_test"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[QuizKind] = mapped_column(str_enum(QuizKind, "quiz_kind", 12), default=QuizKind.PRACTICE)
    pre_test_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="SET NULL"), index=True)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    questions_per_page: Mapped[int] = mapped_column(Integer, default=10)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    grading_method: Mapped[GradingMethod] = mapped_column(
        str_enum(GradingMethod, "grading_method", 10), default=GradingMethod.HIGHEST
    )
    passing_grade: Mapped[float] = mapped_column(Float, default=60.0)
    review: Mapped[ReviewTiming] = mapped_column(
        str_enum(ReviewTiming, "review_timing", 12), default=ReviewTiming.IMMEDIATELY
    )
    required_for_completion: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()
    pre_test: Mapped[Quiz | None] = relationship(remote_side=[id])
    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} {0.kind} {0.title!r}"


class QuizSlot(Repr, db.Model):
    """One place in a quiz: a fixed question, or ``count`` questions drawn from a category."""

    __tablename__ = "quiz_slots"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) != (category_id IS NULL)", name="question_xor_category"),
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("mark IS NULL OR mark > 0", name="mark_positive"),
        Index("ix_quiz_slots_quiz_position", "quiz_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_categories.id", ondelete="CASCADE"), index=True
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    # Points for each question of this slot; None uses the question's default mark.
    mark: Mapped[float | None] = mapped_column(Float)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()

    __repr_format__ = "{0.id} quiz={0.quiz_id} pos={0.position}"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    NEEDS_GRADING = "needs_grading"
    GRADED = "graded"


class AttemptEvent(enum.StrEnum):
    SUBMIT = "submit"  # the learner, or the server when the time ran out
    AWAIT_GRADER = "await_grader"  # an essay waits for a person
    GRADE = "grade"  # every question has its score


S, E = AttemptState, AttemptEvent
# The one transition table of an attempt (lms.models_base shape; services.move_attempt is the
# only mover).
ATTEMPT_TRANSITIONS: dict[tuple[AttemptState, AttemptEvent], AttemptState] = {
    (S.IN_PROGRESS, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.GRADE): S.GRADED,
    (S.SUBMITTED, E.AWAIT_GRADER): S.NEEDS_GRADING,
    (S.NEEDS_GRADING, E.GRADE): S.GRADED,
}
del S, E


class Attempt(Repr, db.Model):
    """A learner's attempt at a quiz. The deadline is fixed by the server when it starts.

    At most one attempt per learner and quiz is in progress (a partial unique index), and the
    attempt number is unique per learner and quiz: a double click on "Mulai" cannot open two.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        Index(
            "uq_attempts_one_open",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'in_progress'"),
            postgresql_where=text("state = 'in_progress'"),
        ),
        Index("ix_attempts_state_deadline", "state", "deadline_at"),
        CheckConstraint("state = 'in_progress' OR submitted_at IS NOT NULL", name="submitted_has_date"),
        CheckConstraint(
            "state != 'graded' OR (graded_at IS NOT NULL AND score IS NOT NULL)", name="graded_has_score"
        ),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[AttemptState] = mapped_column(
        str_enum(AttemptState, "attempt_state", 16), default=AttemptState.IN_PROGRESS, index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True when the server finished the attempt because its time ran out.
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    __repr_format__ = "{0.id} quiz={0.quiz_id} user={0.user_id} {0.state}"


class AttemptQuestion(Repr, db.Model):
    """A question as shown in one attempt: a snapshot of the bank question, its mark and score."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint("mark > 0", name="mark_positive"),
        CheckConstraint("graded_at IS NULL OR score IS NOT NULL", name="graded_has_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    qtype: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(255), default="")
    text_html: Mapped[str] = mapped_column(Text, default="")
    general_feedback_html: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The option (or choice) order this learner sees, as ids from ``data``.
    order: Mapped[list] = mapped_column(JSON, default=list)
    mark: Mapped[float] = mapped_column(Float, default=1.0)
    fraction: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    grader_comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="questions")

    __repr_format__ = "{0.id} attempt={0.attempt_id} pos={0.position}"


class AttemptAnswer(Repr, db.Model):
    """The saved answer to one attempt question: one row, upserted on every save.

    ``client_seq`` orders saves from the browser (a stale retry never overwrites a newer answer);
    ``revision`` counts the saves and is part of the receipt shown to the learner.
    """

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    attempt_question_id: Mapped[int] = mapped_column(ForeignKey("attempt_questions.id", ondelete="CASCADE"))
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    client_seq: Mapped[int | None] = mapped_column(BigInteger)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __repr_format__ = "aq={0.attempt_question_id} rev={0.revision}"


class QuizGrade(Repr, db.Model):
    """The grade that counts for a learner on a quiz (highest or last graded attempt)."""

    __tablename__ = "quiz_grades"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id"),
        Index("ix_quiz_grades_user_passed", "user_id", "passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"), index=True)
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __repr_format__ = "quiz={0.quiz_id} user={0.user_id} {0.percent}"
