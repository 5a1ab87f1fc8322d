"""Single choice ("pilihan ganda"): one option is chosen and earns its weight; in GIFT the right
option is marked ``=``; the type of Aiken's questions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import GetList, clamp
from lms.quizzes.question_types.choice import ChoiceType, claims_choice
from lms.quizzes.question_types.gift_syntax import weight_text


class SingleChoice(ChoiceType):
    """One option is chosen; it earns its weight (a wrong option may carry a penalty, floored at 0)."""

    key = "single"
    label = _l("Pilihan ganda")
    reads_aiken = True

    def validate(self, data: dict) -> list[str]:
        problems = self._common_checks(data)
        options = self._options(data)
        if options and max(float(o.get("fraction", 0)) for o in options) < 1 - 1e-6:
            problems.append(str(_l("Salah satu pilihan harus bernilai 100% (ditandai =).")))
        return problems

    def parse_form(self, data: dict, name: str, getlist: GetList) -> dict:
        values = getlist(name)
        choice = values[0] if values else ""
        return {"choice": choice} if choice in self._by_id(data) else {}

    def _chosen(self, response: dict | None) -> list[str]:
        choice = (response or {}).get("choice")
        return [str(choice)] if choice else []

    def is_answered(self, response: dict | None) -> bool:
        return bool(self._chosen(response))

    def grade(self, data: dict, response: dict | None) -> float:
        by_id = self._by_id(data)
        chosen = self._chosen(response)
        if not chosen or chosen[0] not in by_id:
            return 0.0
        return clamp(float(by_id[chosen[0]].get("fraction", 0)))

    def correct_answer(self, data: dict) -> str:
        best = max((float(o.get("fraction", 0)) for o in self._options(data)), default=0)
        return "; ".join(o["text"] for o in self._options(data) if float(o.get("fraction", 0)) >= best - 1e-6)

    def gift_claims(self, answer: str) -> bool:
        return claims_choice(answer) and "=" in answer

    def _gift_marker(self, fraction: float, explicit: bool) -> str:
        if fraction >= 1 - 1e-9:
            return "=" + (weight_text(fraction) if explicit else "")
        return super()._gift_marker(fraction, explicit)

    def read_aiken(self, options: list[tuple[str, str]], answer: str) -> dict:
        return {
            "options": [
                {"id": str(i), "text": text, "fraction": 1.0 if key == answer else 0.0, "feedback": ""}
                for i, (key, text) in enumerate(options, start=1)
            ]
        }
