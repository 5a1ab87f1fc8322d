"""Short answer ("jawaban singkat"): a typed word or phrase compared without case or extra spaces,
``*`` a wildcard; in GIFT a block of ``=`` answers only."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import normalize_text
from lms.quizzes.question_types.gift_syntax import (
    GiftError,
    LineOf,
    escape,
    feedback_text,
    starts_like_choice,
    weight_text,
    weighted_answers,
)
from lms.quizzes.question_types.typed import TypedAnswerType


def wildcard_match(pattern: str, answer: str) -> bool:
    """Compare ignoring case and spacing; ``*`` in ``pattern`` matches any text (``\\*`` a star)."""
    pattern, answer = normalize_text(pattern), normalize_text(answer)
    parts = re.split(r"(\\\*|\*)", pattern)
    regex = "".join(".*" if p == "*" else re.escape("*") if p == "\\*" else re.escape(p) for p in parts)
    return re.fullmatch(regex, answer, flags=re.DOTALL) is not None


class ShortAnswer(TypedAnswerType):
    """A typed word or phrase; several accepted answers, each with a weight."""

    key = "short"
    label = _l("Jawaban singkat")

    def validate(self, data: dict) -> list[str]:
        answers = self._answers(data)
        if not answers:
            return [str(_l("Soal jawaban singkat memerlukan paling sedikit satu jawaban."))]
        if max(float(a.get("fraction", 0)) for a in answers) < 1 - 1e-6:
            return [str(_l("Salah satu jawaban singkat harus bernilai 100%."))]
        if any(not normalize_text(a.get("text")) for a in answers):
            return [str(_l("Jawaban singkat tidak boleh kosong."))]
        return []

    def _match(self, data: dict, response: dict | None) -> dict | None:
        text = (response or {}).get("text", "")
        if not normalize_text(text):
            return None
        best = None
        for answer in self._answers(data):
            if wildcard_match(answer.get("text", ""), text) and (
                best is None or float(answer.get("fraction", 0)) > float(best.get("fraction", 0))
            ):
                best = answer
        return best

    def correct_answer(self, data: dict) -> str:
        return "; ".join(a["text"] for a in self._answers(data) if float(a.get("fraction", 0)) >= 1 - 1e-6)

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        text = normalize_text((response or {}).get("text"))
        return [text[:60]] if text else []

    def gift_claims(self, answer: str) -> bool:
        return starts_like_choice(answer) and "~" not in answer

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        answers = []
        for n, _marker, line, fraction, value, feedback in weighted_answers(answer, "=", line_of):
            if not value:
                raise GiftError(line, _("Jawaban singkat ke-%(n)s kosong.", n=n))
            answers.append(
                {"text": value, "fraction": 1.0 if fraction is None else fraction, "feedback": feedback}
            )
        return {"answers": answers}

    def gift_lines(self, data: dict) -> list[str]:
        lines = []
        for answer in data["answers"]:
            full = answer["fraction"] >= 1 - 1e-9 and not answer["text"].startswith("%")
            marker = "" if full else weight_text(answer["fraction"])
            lines.append(f"\t={marker}{escape(answer['text'])}{feedback_text(answer.get('feedback', ''))}")
        return lines
