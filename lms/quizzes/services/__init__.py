"""Quizzes services: the public entry points of the feature, re-exported from its modules.

Exam day shapes this package. Starting is idempotent (a partial unique index allows one open
attempt per learner and quiz; a lost race returns the winner's attempt). Every save first takes
the attempt's row with a conditional UPDATE (still open, not past deadline + grace), then upserts
the one answer row; submitting moves the attempt with a conditional UPDATE from ``in_progress``,
so of two submits exactly one grades, and a save that lost the race to a submit is refused
rather than silently left out of the grade.

Modules: ``rendering`` (question HTML), ``bank`` (question bank, GIFT/Aiken import and export),
``quizzes`` (settings and slots), ``attempt_rules`` (deadline, grace, the state mover, review),
``starting`` (open an attempt), ``answers`` (autosave), ``grading`` (submit, grade, the grade that
counts). Page read-models live in ``lms.quizzes.queries`` and are re-exported here for the views.

Interfaces other features, the CLI and the worker use:

- ``register_with_courses()`` (create_app): "required quizzes passed" becomes a condition of
  course completion; ``required_quizzes_status(user_id, course) -> (passed, total)``
- ``learner_quiz_rows(user_id, course_id, module_id=..., course_level_only=...)`` for
  ``quizzes/_course_quizzes.html`` on the course and module pages
- ``finish_overdue(grace_seconds=..., limit=...)`` (the worker, every minute) and
  ``DEFAULT_GRACE_SECONDS``
- ``import_questions(course, source, fmt, filename=..., category=...)``, ``create_quiz(course,
  QuizSettings(...))``, ``add_questions(quiz, ids)`` (CLI, demo data, benchmarks)
"""

from lms.quizzes.queries.attempt_page import (
    AttemptPage,
    QuestionView,
    attempt_page,
    attempt_with_quiz,
    feedback_for,
    page_of,
)
from lms.quizzes.queries.bank import categories_of, search_questions, tags_of
from lms.quizzes.queries.completion import required_quizzes_status
from lms.quizzes.queries.grading_queue import essay_answers_stmt, pending_essays_stmt
from lms.quizzes.queries.item_analysis import (
    ItemAnalysis,
    ItemStat,
    OptionStat,
    item_analysis,
    item_analysis_csv,
)
from lms.quizzes.queries.my_quizzes import (
    LearnerQuizRow,
    learner_quiz_list_count,
    learner_quiz_list_page,
    learner_quiz_rows,
    learner_quiz_rows_stmt,
)
from lms.quizzes.queries.quiz_pages import (
    courses_overview_stmt,
    modules_of,
    quiz_choices,
    quiz_question_count,
    slot_rows,
)
from lms.quizzes.queries.reports import (
    GainRow,
    GainSummary,
    attempts_report_stmt,
    course_angkatan,
    gain_rows_stmt,
    gain_summaries,
    normalized_gain,
)
from lms.quizzes.queries.start_page import quiz_for_start_page, user_attempts
from lms.quizzes.services.answers import SaveReceipt, parse_responses, save_answer, save_answers
from lms.quizzes.services.attempt_rules import (
    DEFAULT_GRACE_SECONDS,
    AttemptClosed,
    deadline_for,
    is_overdue,
    move_attempt,
    review_allowed,
    seconds_remaining,
)
from lms.quizzes.services.bank import (
    DEFAULT_CATEGORY,
    MAX_IMPORT_BYTES,
    ImportSummary,
    category_for,
    delete_question,
    export_gift,
    import_questions,
    normalize_tags,
    parse_questions,
    question_as_gift,
    save_question_gift,
    to_parsed,
)
from lms.quizzes.services.grading import (
    finish_if_overdue,
    finish_overdue,
    grade_attempt,
    grade_essay,
    register_with_courses,
    submit_attempt,
    update_quiz_grade,
)
from lms.quizzes.services.quizzes import (
    QuizSettings,
    add_questions,
    add_random_slot,
    create_quiz,
    delete_quiz,
    move_slot,
    remove_slot,
    settings_of,
    update_quiz,
)
from lms.quizzes.services.rendering import render_inline, render_text, strip_rendered
from lms.quizzes.services.starting import StartCheck, start_attempt, start_check

__all__ = [
    "DEFAULT_CATEGORY",
    "DEFAULT_GRACE_SECONDS",
    "MAX_IMPORT_BYTES",
    "AttemptClosed",
    "AttemptPage",
    "GainRow",
    "GainSummary",
    "ImportSummary",
    "ItemAnalysis",
    "ItemStat",
    "LearnerQuizRow",
    "OptionStat",
    "QuestionView",
    "QuizSettings",
    "SaveReceipt",
    "StartCheck",
    "add_questions",
    "add_random_slot",
    "attempt_page",
    "attempt_with_quiz",
    "attempts_report_stmt",
    "categories_of",
    "category_for",
    "course_angkatan",
    "courses_overview_stmt",
    "create_quiz",
    "deadline_for",
    "delete_question",
    "delete_quiz",
    "essay_answers_stmt",
    "export_gift",
    "feedback_for",
    "finish_if_overdue",
    "finish_overdue",
    "gain_rows_stmt",
    "gain_summaries",
    "grade_attempt",
    "grade_essay",
    "import_questions",
    "is_overdue",
    "item_analysis",
    "item_analysis_csv",
    "learner_quiz_list_count",
    "learner_quiz_list_page",
    "learner_quiz_rows",
    "learner_quiz_rows_stmt",
    "modules_of",
    "move_attempt",
    "move_slot",
    "normalize_tags",
    "normalized_gain",
    "page_of",
    "parse_questions",
    "parse_responses",
    "pending_essays_stmt",
    "question_as_gift",
    "quiz_choices",
    "quiz_for_start_page",
    "quiz_question_count",
    "register_with_courses",
    "remove_slot",
    "render_inline",
    "render_text",
    "required_quizzes_status",
    "review_allowed",
    "save_answer",
    "save_answers",
    "save_question_gift",
    "search_questions",
    "seconds_remaining",
    "settings_of",
    "slot_rows",
    "start_attempt",
    "start_check",
    "strip_rendered",
    "submit_attempt",
    "tags_of",
    "to_parsed",
    "update_quiz",
    "update_quiz_grade",
    "user_attempts",
]
