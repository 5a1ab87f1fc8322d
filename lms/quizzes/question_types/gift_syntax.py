"""GIFT's lexical rules, shared by the file reader (``lms/quizzes/gift.py``) and each question type's
answer block: escapes, weights ``%50%``, feedback ``#``, answer markers, and their writing."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

LineOf = Callable[[int], int]  # offset in the answer block -> line number in the file

# Escaped characters become private-use placeholders while the structure is parsed.
_ESCAPES = {
    "\\": "\ue000",
    "~": "\ue001",
    "=": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
}
_RESTORE = {v: k for k, v in _ESCAPES.items()}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_WEIGHT_RE = re.compile(r"^%([^%]*)%")


class GiftError(Exception):
    """A problem in one question's block, with the line it is on."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def protect(text: str) -> str:
    """Escaped characters to placeholders (``\\n`` to a newline), before the structure is read."""

    def repl(match: re.Match) -> str:
        char = match.group(1)
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char == "n":
            return "\n"
        return match.group(0)

    return _ESCAPE_RE.sub(repl, text)


def restore(text: str) -> str:
    """Placeholders back to the characters they stand for."""
    return "".join(_RESTORE.get(c, c) for c in text)


def weight(token: str, line: int) -> tuple[float | None, str]:
    """A leading ``%50%`` as a fraction (None without one) and the rest of the token."""
    match = _WEIGHT_RE.match(token)
    if not match:
        return None, token
    try:
        value = float(match.group(1).strip())
    except ValueError:
        raise GiftError(line, _("Bobot %(w)s bukan angka.", w=f"%{match.group(1)}%")) from None
    if not -100 <= value <= 100:
        raise GiftError(line, _("Bobot %(w)s harus antara -100 dan 100.", w=f"%{match.group(1)}%"))
    return value / 100, token[match.end() :]


def split_feedback(token: str) -> tuple[str, str]:
    """``answer#feedback`` -> (answer, feedback)."""
    if "#" in token:
        main, feedback = token.split("#", 1)
        return main, restore(feedback).strip()
    return token, ""


def tokens(answer: str, markers: str) -> list[tuple[str, str, int]]:
    """Split answer text at ``markers``: [(marker, rest, offset of the marker)]."""
    found = [(m.start(), m.group(0)) for m in re.finditer(f"[{re.escape(markers)}]", answer)]
    out = []
    for i, (pos, marker) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(answer)
        out.append((marker, answer[pos + 1 : end], pos))
    return out


def weighted_answers(answer: str, markers: str, line_of: LineOf):
    """Each answer of a block of ``markers``-led answers: (number from 1, marker, line, weight or
    None, text, feedback)."""
    for n, (marker, rest, pos) in enumerate(tokens(answer, markers), start=1):
        line = line_of(pos)
        fraction, rest = weight(rest.lstrip(), line)
        main, feedback = split_feedback(rest)
        yield n, marker, line, fraction, restore(main).strip(), feedback


def starts_like_choice(answer: str) -> bool:
    """The block begins with an answer marker, ``=`` or ``~``."""
    return answer.lstrip()[:1] in ("=", "~")


# ---------------------------------------------------------------- writing


def escape(text: str) -> str:
    """Escape GIFT's special characters and newlines."""
    out = []
    for char in text.replace("\r", ""):
        if char in _ESCAPES:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def weight_text(fraction: float) -> str:
    """A fraction as GIFT's ``%50%``."""
    value = round(float(fraction) * 100, 5)
    return f"%{int(value) if value.is_integer() else value}%"


def number_text(value) -> str:
    """A number as written in an answer (no ``.0`` on whole numbers)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def feedback_text(feedback: str) -> str:
    """``#feedback`` (empty without feedback)."""
    return f"#{escape(feedback)}" if feedback else ""
