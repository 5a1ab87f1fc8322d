"""The question types: a registry of pure graders, one class per type.

Each type knows the shape of its ``data`` (the answers stored on a question), checks it
(``validate``), turns submitted form values into a response (``parse_form``), and grades a
response to a fraction between 0 and 1 (``grade``; ``None`` for types a person grades). Nothing
here touches the database or the request, so every rule is tested with plain dictionaries.

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

import math
import re
from collections.abc import Callable, Iterable

from flask_babel import lazy_gettext as _l

GetList = Callable[[str], list[str]]
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


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


class QuestionType:
    """Base class: one subclass per type, registered in ``QUESTION_TYPES``."""

    key: str = ""
    label = ""
    manual = False  # graded by a person
    has_options = False  # the option distribution of item analysis applies

    def validate(self, data: dict) -> list[str]:
        """Problems with ``data``, as sentences for the person who wrote the question."""
        return []

    def shuffle_ids(self, data: dict) -> list[str]:
        """The ids whose order an attempt may shuffle (options, matching choices)."""
        return []

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

    def correct_answer(self, data: dict) -> str:
        """The right answer, in words, for the review page and the export."""
        return ""

    def response_text(self, data: dict, response: dict | None) -> str:
        """The learner's answer in words (grading lists, item analysis)."""
        return str((response or {}).get("text", ""))

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        """Buckets of the option distribution that this response falls into."""
        return []


class _ChoiceBase(QuestionType):
    has_options = True

    def _options(self, data: dict) -> list[dict]:
        return list(data.get("options") or [])

    def _by_id(self, data: dict) -> dict[str, dict]:
        return {str(o["id"]): o for o in self._options(data)}

    def shuffle_ids(self, data: dict) -> list[str]:
        return [str(o["id"]) for o in self._options(data)]

    def _common_checks(self, data: dict) -> list[str]:
        problems = []
        options = self._options(data)
        if len(options) < 2:
            problems.append(str(_l("Soal pilihan memerlukan paling sedikit dua pilihan jawaban.")))
        ids = [str(o.get("id")) for o in options]
        if len(set(ids)) != len(ids):
            problems.append(str(_l("Id pilihan jawaban ganda.")))
        for option in options:
            fraction = option.get("fraction")
            if not isinstance(fraction, int | float) or not -1 - EPSILON <= fraction <= 1 + EPSILON:
                problems.append(str(_l("Bobot pilihan harus antara -100 dan 100 persen.")))
                break
        return problems

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        return self._chosen(response)

    def _chosen(self, response: dict | None) -> list[str]:
        raise NotImplementedError

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        by_id = self._by_id(data)
        return [
            by_id[c]["feedback"] for c in self._chosen(response) if c in by_id and by_id[c].get("feedback")
        ]

    def response_text(self, data: dict, response: dict | None) -> str:
        by_id = self._by_id(data)
        return "; ".join(by_id[c]["text"] for c in self._chosen(response) if c in by_id)


class SingleChoice(_ChoiceBase):
    """One option is chosen; it earns its weight (a wrong option may carry a penalty, floored at 0)."""

    key = "single"
    label = _l("Pilihan ganda")

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
        return _clamp(float(by_id[chosen[0]].get("fraction", 0)))

    def correct_answer(self, data: dict) -> str:
        best = max((float(o.get("fraction", 0)) for o in self._options(data)), default=0)
        return "; ".join(o["text"] for o in self._options(data) if float(o.get("fraction", 0)) >= best - 1e-6)


class MultipleResponse(_ChoiceBase):
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
        return _clamp(total)

    def correct_answer(self, data: dict) -> str:
        return "; ".join(o["text"] for o in self._options(data) if float(o.get("fraction", 0)) > 0)


class TrueFalse(QuestionType):
    """Benar or salah."""

    key = "truefalse"
    label = _l("Benar/salah")
    has_options = True

    def validate(self, data: dict) -> list[str]:
        if not isinstance(data.get("correct"), bool):
            return [str(_l("Jawaban benar/salah belum ditentukan."))]
        return []

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


def wildcard_match(pattern: str, answer: str) -> bool:
    """Compare ignoring case and spacing; ``*`` in ``pattern`` matches any text (``\\*`` a star)."""
    pattern, answer = normalize_text(pattern), normalize_text(answer)
    parts = re.split(r"(\\\*|\*)", pattern)
    regex = "".join(".*" if p == "*" else re.escape("*") if p == "\\*" else re.escape(p) for p in parts)
    return re.fullmatch(regex, answer, flags=re.DOTALL) is not None


class ShortAnswer(QuestionType):
    """A typed word or phrase; several accepted answers, each with a weight."""

    key = "short"
    label = _l("Jawaban singkat")

    def _answers(self, data: dict) -> list[dict]:
        return list(data.get("answers") or [])

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

    def grade(self, data: dict, response: dict | None) -> float:
        match = self._match(data, response)
        return _clamp(float(match.get("fraction", 0))) if match else 0.0

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        match = self._match(data, response)
        return [match["feedback"]] if match and match.get("feedback") else []

    def correct_answer(self, data: dict) -> str:
        return "; ".join(a["text"] for a in self._answers(data) if float(a.get("fraction", 0)) >= 1 - 1e-6)

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        text = normalize_text((response or {}).get("text"))
        return [text[:60]] if text else []


class Numeric(QuestionType):
    """A number: right within a tolerance around a value, or inside a range."""

    key = "numeric"
    label = _l("Numerik")

    def _answers(self, data: dict) -> list[dict]:
        return list(data.get("answers") or [])

    def validate(self, data: dict) -> list[str]:
        answers = self._answers(data)
        if not answers:
            return [str(_l("Soal numerik memerlukan paling sedikit satu jawaban."))]
        for answer in answers:
            if answer.get("mode") == "range":
                if not float(answer["min"]) <= float(answer["max"]):
                    return [str(_l("Rentang numerik terbalik: batas bawah lebih besar dari batas atas."))]
            elif float(answer.get("tolerance", 0)) < 0:
                return [str(_l("Toleransi numerik tidak boleh negatif."))]
        if max(float(a.get("fraction", 0)) for a in answers) < 1 - 1e-6:
            return [str(_l("Salah satu jawaban numerik harus bernilai 100%."))]
        return []

    @staticmethod
    def bounds(answer: dict) -> tuple[float, float]:
        if answer.get("mode") == "range":
            return float(answer["min"]), float(answer["max"])
        value, tolerance = float(answer["value"]), abs(float(answer.get("tolerance", 0)))
        return value - tolerance, value + tolerance

    def _match(self, data: dict, response: dict | None) -> dict | None:
        number = parse_number((response or {}).get("text"))
        if number is None:
            return None
        best = None
        for answer in self._answers(data):
            low, high = self.bounds(answer)
            slack = 1e-9 * max(1.0, abs(low), abs(high))
            if low - slack <= number <= high + slack and (
                best is None or float(answer.get("fraction", 0)) > float(best.get("fraction", 0))
            ):
                best = answer
        return best

    def grade(self, data: dict, response: dict | None) -> float:
        match = self._match(data, response)
        return _clamp(float(match.get("fraction", 0))) if match else 0.0

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        match = self._match(data, response)
        return [match["feedback"]] if match and match.get("feedback") else []

    def correct_answer(self, data: dict) -> str:
        parts = []
        for answer in self._answers(data):
            if float(answer.get("fraction", 0)) < 1 - 1e-6:
                continue
            if answer.get("mode") == "range":
                parts.append(f"{_fmt(answer['min'])} – {_fmt(answer['max'])}")
            elif float(answer.get("tolerance", 0)):
                parts.append(f"{_fmt(answer['value'])} ± {_fmt(answer['tolerance'])}")
            else:
                parts.append(_fmt(answer["value"]))
        return "; ".join(parts)

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        number = parse_number((response or {}).get("text"))
        return [_fmt(number)] if number is not None else []


def _fmt(number) -> str:
    value = float(number)
    return str(int(value)) if value.is_integer() else repr(value)


class Matching(QuestionType):
    """Pair each item with an answer; each right pair earns an equal share."""

    key = "matching"
    label = _l("Menjodohkan")

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

    def shuffle_ids(self, data: dict) -> list[str]:
        return self.choices(data)

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


class Essay(QuestionType):
    """A written answer graded by a coach or an admin."""

    key = "essay"
    label = _l("Esai")
    manual = True

    def grade(self, data: dict, response: dict | None) -> float | None:
        return None


QUESTION_TYPES: dict[str, QuestionType] = {
    t.key: t
    for t in (SingleChoice(), MultipleResponse(), TrueFalse(), ShortAnswer(), Numeric(), Matching(), Essay())
}


def get_type(key: str) -> QuestionType:
    """The type registered under ``key`` (KeyError for an unknown one)."""
    return QUESTION_TYPES[key]


def type_choices() -> Iterable[tuple[str, str]]:
    return [(k, str(t.label)) for k, t in QUESTION_TYPES.items()]
