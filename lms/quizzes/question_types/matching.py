"""Matching ("menjodohkan"): pair each item with an answer chosen from a shuffled list (an item
without a left side is a distractor); in GIFT ``=item -> answer`` lines."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import GetList, QuestionType, Render
from lms.quizzes.question_types.gift_syntax import GiftError, LineOf, escape, restore, tokens


class Matching(QuestionType):
    """Pair each item with an answer; each right pair earns an equal share."""

    key = "matching"
    label = _l("Menjodohkan")
    shuffles = True
    rendered_keys = frozenset({"left_html"})

    def _pairs(self, data: dict) -> list[dict]:
        return list(data.get("pairs") or [])

    def _items(self, data: dict) -> list[dict]:
        return [p for p in self._pairs(data) if (p.get("left") or "").strip()]

    def choices(self, data: dict) -> list[str]:
        seen: list[str] = []
        for pair in self._pairs(data):
            if pair["right"] not in seen:
                seen.append(pair["right"])
        return seen

    def validate(self, data: dict) -> list[str]:
        if len(self._items(data)) < 2:
            return [str(_l("Soal menjodohkan memerlukan paling sedikit dua pasangan."))]
        if any(not (p.get("right") or "").strip() for p in self._pairs(data)):
            return [str(_l("Setiap pasangan memerlukan jawaban di sebelah kanan ->."))]
        return []

    def render_data(self, data: dict, inline: Render) -> dict:
        out = dict(data)
        out["pairs"] = [{**p, "left_html": inline(p.get("left", ""))} for p in data.get("pairs", [])]
        return out

    def sanitize_data(self, data: dict, clean: Render) -> dict:
        if "pairs" in data:
            data["pairs"] = [{**p, "left": clean(p.get("left", ""))} for p in data["pairs"]]
        return data

    def shuffle_ids(self, data: dict) -> list[str]:
        return self.choices(data)

    def items(self, data: dict) -> list[dict]:
        """The items to pair, in the question's order (the attempt page)."""
        return self._items(data)

    def pair_choice(self, response: dict | None, pair_id) -> str:
        """The answer chosen for an item so far (the attempt page)."""
        return ((response or {}).get("pairs") or {}).get(str(pair_id), "")

    def field_name(self, name: str, pair_id: str) -> str:
        return f"{name}_{pair_id}"

    def parse_form(self, data: dict, name: str, getlist: GetList) -> dict:
        choices = set(self.choices(data))
        pairs = {}
        for item in self._items(data):
            values = getlist(self.field_name(name, str(item["id"])))
            if values and values[0] in choices:
                pairs[str(item["id"])] = values[0]
        return {"pairs": pairs} if pairs else {}

    def is_answered(self, response: dict | None) -> bool:
        return bool((response or {}).get("pairs"))

    def grade(self, data: dict, response: dict | None) -> float:
        items = self._items(data)
        if not items:
            return 0.0
        chosen = (response or {}).get("pairs") or {}
        right = sum(1 for item in items if chosen.get(str(item["id"])) == item["right"])
        return right / len(items)

    def correct_answer(self, data: dict) -> str:
        return "; ".join(f"{p['left']} → {p['right']}" for p in self._items(data))

    def response_text(self, data: dict, response: dict | None) -> str:
        chosen = (response or {}).get("pairs") or {}
        return "; ".join(
            f"{p['left']} → {chosen[str(p['id'])]}" for p in self._items(data) if str(p["id"]) in chosen
        )

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        chosen = (response or {}).get("pairs") or {}
        return [
            f"{p['left'][:30]} → {chosen[str(p['id'])][:30]}"
            for p in self._items(data)
            if str(p["id"]) in chosen
        ]

    def gift_claims(self, answer: str) -> bool:
        body = answer.strip()
        return "->" in body and "=" in body

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        pairs = []
        if answer.split("=", 1)[0].strip():
            raise GiftError(line_of(0), _("Setiap pasangan soal menjodohkan diawali ="))
        for n, (_marker, rest, pos) in enumerate(tokens(answer, "="), start=1):
            line = line_of(pos)
            if "#" in rest:
                raise GiftError(
                    line, _("Fitur GIFT tidak didukung: umpan balik (#) pada pasangan soal menjodohkan.")
                )
            if "->" not in rest:
                raise GiftError(line, _("Pasangan ke-%(n)s tidak memakai -> (contoh: =Jakarta -> DKI).", n=n))
            left, right = rest.split("->", 1)
            pairs.append({"id": str(n), "left": restore(left).strip(), "right": restore(right).strip()})
        return {"pairs": pairs}

    def gift_lines(self, data: dict) -> list[str]:
        return [f"\t={escape(pair['left'])} -> {escape(pair['right'])}" for pair in data["pairs"]]
