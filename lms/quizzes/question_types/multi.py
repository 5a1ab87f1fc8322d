"""Multiple response ("pilihan jamak"): several options may be chosen and their weights add up; in
GIFT a block of ``~`` options without ``=``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import GetList, clamp
from lms.quizzes.question_types.choice import ChoiceType, claims_choice


class MultipleResponse(ChoiceType):
    """Several options may be chosen: the weights of the chosen ones add up, clamped to 0..100%.

    Weights of right options add up to 100%; wrong options may carry negative weights, so choosing
    every option does not earn full marks.
    """

    key = "multi"
    label = _l("Pilihan jamak")

    def validate(self, data: dict) -> list[str]:
        problems = self._common_checks(data)
        positive = sum(max(0.0, float(o.get("fraction", 0))) for o in self._options(data))
        if self._options(data) and abs(positive - 1) > 0.01:
            problems.append(
                str(
                    _l(
                        "Jumlah bobot positif pilihan jamak harus 100%% (sekarang %(p)s%%).",
                        p=round(positive * 100, 2),
                    )
                )
            )
        return problems

    def parse_form(self, data: dict, name: str, getlist: GetList) -> dict:
        by_id = self._by_id(data)
        choices = sorted({v for v in getlist(name) if v in by_id})
        return {"choices": choices} if choices else {}

    def _chosen(self, response: dict | None) -> list[str]:
        return [str(c) for c in (response or {}).get("choices") or []]

    def is_answered(self, response: dict | None) -> bool:
        return bool(self._chosen(response))

    def grade(self, data: dict, response: dict | None) -> float:
        by_id = self._by_id(data)
        total = sum(float(by_id[c].get("fraction", 0)) for c in set(self._chosen(response)) if c in by_id)
        return clamp(total)

    def correct_answer(self, data: dict) -> str:
        return "; ".join(o["text"] for o in self._options(data) if float(o.get("fraction", 0)) > 0)

    def gift_claims(self, answer: str) -> bool:
        return claims_choice(answer) and "=" not in answer
