"""True/false ("benar/salah"): one right value with a feedback for each answer; in GIFT ``{T}`` or
``{FALSE#feedback if wrong#feedback if right}``."""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import GetList, QuestionType, Render
from lms.quizzes.question_types.gift_syntax import GiftError, LineOf, escape, restore

_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class TrueFalse(QuestionType):
    """Benar or salah."""

    key = "truefalse"
    label = _l("Benar/salah")
    has_options = True
    rendered_keys = frozenset({"feedback_true_html", "feedback_false_html"})

    def validate(self, data: dict) -> list[str]:
        if not isinstance(data.get("correct"), bool):
            return [str(_l("Jawaban benar/salah belum ditentukan."))]
        return []

    def render_data(self, data: dict, inline: Render) -> dict:
        out = dict(data)
        out["feedback_true_html"] = inline(data.get("feedback_true", ""))
        out["feedback_false_html"] = inline(data.get("feedback_false", ""))
        return out

    def sanitize_data(self, data: dict, clean: Render) -> dict:
        for key in ("feedback_true", "feedback_false"):
            if data.get(key):
                data[key] = clean(data[key])
        return data

    def parse_form(self, data: dict, name: str, getlist: GetList) -> dict:
        values = getlist(name)
        value = values[0] if values else ""
        if value in ("true", "false"):
            return {"value": value == "true"}
        return {}

    def is_answered(self, response: dict | None) -> bool:
        return isinstance((response or {}).get("value"), bool)

    def grade(self, data: dict, response: dict | None) -> float:
        if not self.is_answered(response):
            return 0.0
        return 1.0 if response["value"] is data.get("correct") else 0.0

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        if not self.is_answered(response):
            return []
        text = data.get("feedback_true" if response["value"] else "feedback_false") or ""
        return [text] if text else []

    def feedback_html(self, data: dict, response: dict | None) -> list[str]:
        if not self.is_answered(response):
            return []
        return [data.get("feedback_true_html" if response["value"] else "feedback_false_html", "")]

    def correct_answer(self, data: dict) -> str:
        return str(_l("Benar")) if data.get("correct") else str(_l("Salah"))

    def response_text(self, data: dict, response: dict | None) -> str:
        if not self.is_answered(response):
            return ""
        return str(_l("Benar")) if response["value"] else str(_l("Salah"))

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        if not self.is_answered(response):
            return []
        return ["true" if response["value"] else "false"]

    def analysis_options(self, data: dict, counter: Counter) -> list[tuple[str, int, bool]]:
        return [
            (_("Benar"), counter.get("true", 0), data.get("correct") is True),
            (_("Salah"), counter.get("false", 0), data.get("correct") is False),
        ]

    def gift_claims(self, answer: str) -> bool:
        return answer.strip().split("#", 1)[0].strip().upper() in _TF

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        body = answer.strip()
        parts = body.split("#")
        if len(parts) > 3:
            raise GiftError(
                line_of(0), _("Soal benar/salah paling banyak punya dua umpan balik (#salah#benar).")
            )
        wrong = restore(parts[1]).strip() if len(parts) > 1 else ""
        right = restore(parts[2]).strip() if len(parts) > 2 else ""
        correct = _TF[parts[0].strip().upper()]
        return {
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }

    def write_gift(self, data: dict, general_feedback: str) -> str:
        """One line: ``{TRUE#feedback if wrong#feedback if right####general}``."""
        right = data.get("feedback_true" if data["correct"] else "feedback_false", "")
        wrong = data.get("feedback_false" if data["correct"] else "feedback_true", "")
        fb = ""
        if wrong or right:
            fb = f"#{escape(wrong)}" + (f"#{escape(right)}" if right else "")
        general = f"####{escape(general_feedback)}" if general_feedback else ""
        return f"{{{'TRUE' if data['correct'] else 'FALSE'}{fb}{general}}}"
