"""The question types: a registry of types, one class per type in a module of this package, each
owning everything about its kind (see ``base.QuestionType``). Services, the GIFT and Aiken readers,
views and templates dispatch to the type; nothing outside this package branches on ``qtype``.

Data shapes (ids are strings, stable across edits of the text):
- single / multi: ``{"options": [{"id", "text", "html", "fraction", "feedback"}]}``
- truefalse: ``{"correct": bool, "feedback_true": str, "feedback_false": str}``
- short: ``{"answers": [{"text", "fraction", "feedback"}]}`` (``*`` is a wildcard)
- numeric: ``{"answers": [{"mode": "tolerance", "value", "tolerance"} | {"mode": "range", "min",
  "max"}, each with "fraction" and "feedback"]}``
- matching: ``{"pairs": [{"id", "left", "left_html", "right"}]}`` (an empty left is a distractor)
- essay: ``{}``
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.quizzes.question_types.base import (
    EPSILON,
    GetList,
    QuestionType,
    Render,
    normalize_text,
    parse_number,
)
from lms.quizzes.question_types.essay import Essay
from lms.quizzes.question_types.matching import Matching
from lms.quizzes.question_types.multi import MultipleResponse
from lms.quizzes.question_types.numeric import Numeric
from lms.quizzes.question_types.short import ShortAnswer, wildcard_match
from lms.quizzes.question_types.single import SingleChoice
from lms.quizzes.question_types.truefalse import TrueFalse

QUESTION_TYPES: dict[str, QuestionType] = {
    t.key: t
    for t in (SingleChoice(), MultipleResponse(), TrueFalse(), ShortAnswer(), Numeric(), Matching(), Essay())
}
# The order in which a GIFT answer block is recognised: the first type that claims it reads it.
_GIFT_ORDER = ("essay", "numeric", "truefalse", "matching", "single", "multi", "short")
# Every HTML key a type derives into ``data`` (an export strips them).
RENDERED_KEYS = frozenset().union(*(t.rendered_keys for t in QUESTION_TYPES.values()))

__all__ = [
    "EPSILON",
    "QUESTION_TYPES",
    "RENDERED_KEYS",
    "Essay",
    "GetList",
    "Matching",
    "MultipleResponse",
    "Numeric",
    "QuestionType",
    "Render",
    "ShortAnswer",
    "SingleChoice",
    "TrueFalse",
    "aiken_type",
    "get_type",
    "gift_type_for",
    "manual_only",
    "normalize_text",
    "parse_number",
    "type_choices",
    "wildcard_match",
]


def get_type(key: str) -> QuestionType:
    """The type registered under ``key`` (KeyError for an unknown one)."""
    return QUESTION_TYPES[key]


def type_choices() -> Iterable[tuple[str, str]]:
    return [(k, str(t.label)) for k, t in QUESTION_TYPES.items()]


def gift_type_for(answer: str) -> QuestionType | None:
    """The type whose GIFT form a question's answer block is written in (None: not recognised)."""
    return next((QUESTION_TYPES[k] for k in _GIFT_ORDER if QUESTION_TYPES[k].gift_claims(answer)), None)


def aiken_type() -> QuestionType:
    """The type of the questions of an Aiken file."""
    return next(t for t in QUESTION_TYPES.values() if t.reads_aiken)


def manual_only(qtype_column):
    """SQL condition on a ``qtype`` column: the types a person grades (the grading queue)."""
    keys = [k for k, t in QUESTION_TYPES.items() if t.manual]
    return qtype_column == keys[0] if len(keys) == 1 else qtype_column.in_(keys)
