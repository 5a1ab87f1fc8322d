"""Numeric ("numerik"): a number, right within a tolerance around a value or inside a range; in
GIFT ``{#value:tolerance}``, ``{#min..max}`` or several weighted ``=`` answers and ``~#feedback``."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import parse_number
from lms.quizzes.question_types.gift_syntax import (
    GiftError,
    LineOf,
    escape,
    feedback_text,
    number_text,
    restore,
    split_feedback,
    tokens,
    weight,
    weight_text,
)
from lms.quizzes.question_types.typed import TypedAnswerType


def _number(raw: str, line: int) -> float:
    value = parse_number(raw) if "," not in raw else None
    if value is None:
        raise GiftError(
            line, _("'%(v)s' bukan angka (gunakan titik sebagai pemisah desimal).", v=raw.strip())
        )
    return value


def _numeric_answer(token: str, line: int, fraction: float | None) -> dict:
    main, feedback = split_feedback(token)
    main = restore(main).strip()
    if not main:
        raise GiftError(line, _("Jawaban numerik kosong."))
    fraction = 1.0 if fraction is None else fraction
    if ".." in main:
        low, high = main.split("..", 1)
        result = {"mode": "range", "min": _number(low, line), "max": _number(high, line)}
    elif ":" in main:
        value, tolerance = main.split(":", 1)
        result = {
            "mode": "tolerance",
            "value": _number(value, line),
            "tolerance": abs(_number(tolerance, line)),
        }
    else:
        result = {"mode": "tolerance", "value": _number(main, line), "tolerance": 0.0}
    result.update({"fraction": fraction, "feedback": feedback})
    return result


class Numeric(TypedAnswerType):
    """A number: right within a tolerance around a value, or inside a range."""

    key = "numeric"
    label = _l("Numerik")

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

    def correct_answer(self, data: dict) -> str:
        parts = []
        for answer in self._answers(data):
            if float(answer.get("fraction", 0)) < 1 - 1e-6:
                continue
            if answer.get("mode") == "range":
                parts.append(f"{number_text(answer['min'])} – {number_text(answer['max'])}")
            elif float(answer.get("tolerance", 0)):
                parts.append(f"{number_text(answer['value'])} ± {number_text(answer['tolerance'])}")
            else:
                parts.append(number_text(answer["value"]))
        return "; ".join(parts)

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        number = parse_number((response or {}).get("text"))
        return [number_text(number)] if number is not None else []

    def gift_claims(self, answer: str) -> bool:
        return answer.strip().startswith("#")

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        start = answer.find("#")
        body = answer[start + 1 :]
        wrong_feedback = ""
        tilde = body.find("~")
        if tilde >= 0:
            _main, wrong_feedback = split_feedback(body[tilde + 1 :])
            if restore(_main).strip():
                raise GiftError(
                    line_of(start + 1 + tilde),
                    _("Setelah ~ pada soal numerik hanya boleh umpan balik (#...)."),
                )
            body = body[:tilde]
        answers = []
        if "=" in body:
            if body.split("=", 1)[0].strip():
                raise GiftError(
                    line_of(start + 1), _("Soal numerik dengan beberapa jawaban: setiap jawaban diawali =.")
                )
            for _marker, rest, pos in tokens(body, "="):
                line = line_of(start + 1 + pos)
                fraction, rest = weight(rest.lstrip(), line)
                answers.append(_numeric_answer(rest, line, fraction))
        else:
            answers.append(_numeric_answer(body, line_of(start + 1), None))
        data: dict = {"answers": answers}
        if wrong_feedback:
            data["wrong_feedback"] = wrong_feedback
        return data

    def gift_lines(self, data: dict) -> list[str]:
        lines = []
        for answer in data["answers"]:
            if answer["mode"] == "range":
                value = f"{number_text(answer['min'])}..{number_text(answer['max'])}"
            else:
                value = f"{number_text(answer['value'])}:{number_text(answer.get('tolerance', 0))}"
            marker = "" if answer["fraction"] >= 1 - 1e-9 else weight_text(answer["fraction"])
            lines.append(f"\t={marker}{value}{feedback_text(answer.get('feedback', ''))}")
        if data.get("wrong_feedback"):
            lines.append(f"\t~#{escape(data['wrong_feedback'])}")
        return lines

    def write_gift(self, data: dict, general_feedback: str) -> str:
        """``{#`` on the question's line, then the answers, one a line."""
        lines = self.gift_lines(data)
        if general_feedback:
            lines.append(f"\t####{escape(general_feedback)}")
        return "\n".join(["{#", *lines, "}"])
