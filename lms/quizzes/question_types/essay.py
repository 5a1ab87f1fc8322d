"""Essay ("esai"): a written answer a coach or an admin grades; in GIFT an empty block ``{}``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import QuestionType
from lms.quizzes.question_types.gift_syntax import LineOf


class Essay(QuestionType):
    """A written answer graded by a coach or an admin."""

    key = "essay"
    label = _l("Esai")
    manual = True

    def grade(self, data: dict, response: dict | None) -> float | None:
        return None

    def gift_claims(self, answer: str) -> bool:
        return not answer.strip()

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        return {}
