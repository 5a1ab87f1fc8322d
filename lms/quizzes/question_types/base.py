"""The base of every question type, and the small helpers the types share.

A type knows the shape of its ``data`` (the answers stored on a question) and everything done with
it: checking it (``validate``), its HTML (``render_data``, ``sanitize_data``), the order an attempt
shows (``attempt_order``), reading submitted form values (``parse_form``), whether a response
counts as answered, grading (a fraction between 0 and 1; ``None`` for types a person grades),
feedback and the right answer in words, its item-analysis buckets, its page template, and its
GIFT and Aiken forms. Nothing here touches the database or the request, so every rule is tested
with plain dictionaries.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable

from lms.quizzes.question_types.gift_syntax import LineOf, escape

GetList = Callable[[str], list[str]]
Render = Callable[[str], str]  # source text -> sanitised HTML in the question's format
EPSILON = 1e-9


def normalize_text(value: str | None) -> str:
    """Lower case with runs of spaces collapsed (how short answers are compared)."""
    return " ".join((value or "").split()).casefold()


def parse_number(raw: str | None) -> float | None:
    """Read a number as people type it: "3.5", "3,5" (Indonesian decimal comma), "1.250,75"."""
    value = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if "," in value and "." in value:
        # The separator written last is the decimal one; the other groups thousands.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


class QuestionType:
    """Base class: one subclass per type, registered in ``QUESTION_TYPES``."""

    key: str = ""
    label = ""
    manual = False  # graded by a person
    has_options = False  # the option distribution of item analysis applies
    shuffles = False  # an attempt may show ``shuffle_ids`` in its own order
    reads_aiken = False  # the type of the questions of an Aiken file
    rendered_keys: frozenset[str] = frozenset()  # HTML keys ``render_data`` adds to ``data``

    @property
    def template(self) -> str:
        """The template of the type's inputs on the attempt page."""
        return f"quizzes/types/{self.key}.html"

    @property
    def shows_correct_answer(self) -> bool:
        """The review page states the right answer (a person grades the others)."""
        return not self.manual

    def validate(self, data: dict) -> list[str]:
        """Problems with ``data``, as sentences for the person who wrote the question."""
        return []

    def render_data(self, data: dict, inline: Render) -> dict:
        """``data`` with the HTML of its options, pair items and feedback added."""
        return dict(data)

    def sanitize_data(self, data: dict, clean: Render) -> dict:
        """Imported HTML ``data`` (without rendered keys) with its HTML texts cleaned, in place."""
        return data

    def shuffle_ids(self, data: dict) -> list[str]:
        """The ids whose order an attempt may shuffle (options, matching choices)."""
        return []

    def attempt_order(self, data: dict, rng: random.Random | None) -> list[str]:
        """The order of ``shuffle_ids`` an attempt shows, shuffled with ``rng`` (None: the quiz
        does not shuffle options)."""
        order = self.shuffle_ids(data)
        if rng is not None and self.shuffles:
            rng.shuffle(order)
        return order

    def parse_form(self, data: dict, name: str, getlist: GetList) -> dict:
        """The response from form values; ``name`` is the question's field name."""
        values = [v for v in getlist(name) if v is not None]
        return {"text": values[0][:20000]} if values else {}

    def is_answered(self, response: dict | None) -> bool:
        return bool(response and str(response.get("text", "")).strip())

    def grade(self, data: dict, response: dict | None) -> float | None:
        """The fraction of the mark earned, 0..1 (``None``: graded by a person)."""
        raise NotImplementedError

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        """Feedback texts that belong to what the learner answered."""
        return []

    def feedback_html(self, data: dict, response: dict | None) -> list[str]:
        """The same feedback as rendered HTML (the review page); may hold empty strings."""
        return []

    def correct_answer(self, data: dict) -> str:
        """The right answer, in words, for the review page and the export."""
        return ""

    def response_text(self, data: dict, response: dict | None) -> str:
        """The learner's answer in words (grading lists, item analysis)."""
        return str((response or {}).get("text", ""))

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        """Buckets of the option distribution that this response falls into."""
        return []

    def analysis_options(self, data: dict, counter: Counter) -> list[tuple[str, int, bool]]:
        """The answer distribution of item analysis: (label, how many chose it, right?)."""
        return [(label, count, False) for label, count in counter.most_common(5)]

    # GIFT: the answer block between the braces (``lms/quizzes/gift.py`` reads the rest).

    def gift_claims(self, answer: str) -> bool:
        """Whether an answer block (escapes already protected) is written in this type's form."""
        return False

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        """``data`` from the answer block; raises ``GiftError`` with the line of a problem."""
        raise NotImplementedError

    def gift_lines(self, data: dict) -> list[str]:
        """The answer lines of the block, without the general feedback."""
        return []

    def write_gift(self, data: dict, general_feedback: str) -> str:
        """The answer block, braces included."""
        lines = self.gift_lines(data)
        if general_feedback:
            lines.append(f"\t####{escape(general_feedback)}")
        return "\n".join(["{", *lines, "}"]) if lines else "{}"

    # Aiken: lettered options and ``ANSWER:`` (``lms/quizzes/aiken.py`` reads the lines).

    def read_aiken(self, options: list[tuple[str, str]], answer: str) -> dict:
        """``data`` from an Aiken question's (letter, text) options and the right letter."""
        raise NotImplementedError
