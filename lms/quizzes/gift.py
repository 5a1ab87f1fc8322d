"""Moodle's GIFT format: a parser that reports every problem with its line number, and a writer.

Supported (as Moodle reads it): ``$CATEGORY:`` lines, ``//`` comment lines (with Moodle's
``[tag:...]`` and ``[id:...]`` markers), ``::title::``, the ``[markdown]``, ``[html]``, ``[plain]``
and ``[moodle]`` format tags, escapes ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``, multiple choice (single
with ``=``, multiple response when no ``=``), weights ``%50%`` and negative weights, answer
feedback ``#``, general feedback ``####``, true/false with both feedbacks, short answer, numeric
(``value:tolerance``, ``min..max``, several weighted answers, ``~`` feedback for other answers),
matching ``a -> b``, essay ``{}``, and the missing-word form (answers in the middle of the text).

Not supported, and named as such in the errors: descriptions (text without an answer block),
several answer blocks in one question, feedback on matching pairs, and Moodle file references
(``@@PLUGINFILE@@``), which need the files of a Moodle backup.

The writer produces GIFT that this parser reads back to the same questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.errors import LineError
from lms.quizzes import question_types as qt

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
_FORMAT_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%([^%]*)%")
_TAG_RE = re.compile(r"\[tag:([^\]]+)\]")
_ID_RE = re.compile(r"\[id:([^\]]+)\]")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class ParsedQuestion:
    """One question read from a file, not yet saved."""

    line: int
    qtype: str
    title: str
    text: str
    text_format: str
    data: dict
    general_feedback: str = ""
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    idnumber: str | None = None


@dataclass
class ParseResult:
    questions: list[ParsedQuestion]
    errors: list[LineError]


class _BlockError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _pre(text: str) -> str:
    def repl(match: re.Match) -> str:
        char = match.group(1)
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char == "n":
            return "\n"
        return match.group(0)

    return _ESCAPE_RE.sub(repl, text)


def _post(text: str) -> str:
    return "".join(_RESTORE.get(c, c) for c in text)


def clean_category(raw: str) -> str:
    """``$course$/top/Modul 1/Etika`` -> ``Modul 1/Etika``."""
    parts = [p.strip() for p in raw.strip().split("/") if p.strip()]
    if parts and re.fullmatch(r"\$\w+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0].lower() == "top":
        parts = parts[1:]
    return "/".join(parts)[:255]


def parse(source: str, filename: str | None = None, default_category: str | None = None) -> ParseResult:
    """Read GIFT ``source``; collect every error (with its line) instead of stopping at the first."""
    source = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[ParsedQuestion] = []
    errors: list[LineError] = []
    category = default_category
    for block_lines in _blocks(source.split("\n")):
        comments = [text for _n, text in block_lines if text.lstrip().startswith("//")]
        body = [(n, text) for n, text in block_lines if not text.lstrip().startswith("//")]
        if not body:
            continue
        if body[0][1].lstrip().startswith("$CATEGORY:"):
            category = clean_category(body[0][1].lstrip()[len("$CATEGORY:") :]) or default_category
            body = body[1:]
            if not body:
                continue
        first_line = body[0][0]
        # Keep line positions: comment lines inside the block become empty lines.
        text = "\n".join("" if t.lstrip().startswith("//") else t for n, t in block_lines if n >= first_line)
        try:
            question = _parse_question(text, first_line)
        except _BlockError as exc:
            errors.append(LineError(exc.line, exc.message, filename))
            continue
        question.category = category
        comment_text = " ".join(comments)
        question.tags = sorted({t.strip()[:60] for t in _TAG_RE.findall(comment_text) if t.strip()})
        ids = _ID_RE.findall(comment_text)
        question.idnumber = ids[0].strip()[:100] if ids else None
        for problem in qt.get_type(question.qtype).validate(question.data):
            errors.append(LineError(first_line, problem, filename))
        questions.append(question)
    if not questions and not errors:
        errors.append(LineError(1, _("Berkas tidak berisi soal GIFT."), filename))
    return ParseResult(questions, errors)


def _blocks(lines: list[str]):
    """Groups of (line number, text) separated by blank lines."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _line_at(text: str, offset: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, max(0, offset))


def _parse_question(raw: str, first_line: int) -> ParsedQuestion:
    text = _pre(raw)
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    title = ""
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            raise _BlockError(first_line, _("Judul soal dibuka dengan :: tetapi tidak ditutup dengan ::."))
        title = _post(stripped[2:end]).strip()
        stripped = stripped[end + 2 :]
        lead = len(text) - len(stripped)
    open_at = stripped.find("{")
    if "@@PLUGINFILE@@" in stripped:
        raise _BlockError(
            first_line,
            _(
                "Fitur GIFT tidak didukung: berkas lampiran Moodle (@@PLUGINFILE@@). "
                "Unggah gambar secara terpisah lalu tautkan."
            ),
        )
    if open_at < 0:
        if "}" in stripped:
            raise _BlockError(
                first_line, _("Ada } tanpa { pembuka (tulis \\} untuk tanda kurung kurawal biasa).")
            )
        raise _BlockError(
            first_line,
            _(
                "Fitur GIFT tidak didukung: deskripsi (teks tanpa blok jawaban {...}). "
                "Tambahkan blok jawaban."
            ),
        )
    close_at = stripped.find("}", open_at)
    if close_at < 0:
        raise _BlockError(
            _line_at(text, lead + open_at, first_line), _("Blok jawaban { tidak ditutup dengan }.")
        )
    after = stripped[close_at + 1 :]
    if "{" in after:
        raise _BlockError(
            _line_at(text, lead + close_at + 1 + after.find("{"), first_line),
            _(
                "Fitur GIFT tidak didukung: lebih dari satu blok jawaban dalam satu soal "
                "(pisahkan setiap soal dengan satu baris kosong)."
            ),
        )
    if "{" in stripped[open_at + 1 : close_at]:
        raise _BlockError(
            _line_at(text, lead + open_at, first_line), _("Tanda { di dalam blok jawaban harus ditulis \\{.")
        )
    before = stripped[:open_at]
    fmt = "plain"
    match = _FORMAT_RE.match(before.lstrip())
    if match:
        fmt = match.group(1).lower()
        before = before.lstrip()[match.end() :]
    if fmt == "moodle":
        fmt = "plain"
    question_text = before.strip()
    if after.strip():
        question_text = f"{question_text} _____ {after.strip()}".strip()
    answer_offset = lead + open_at + 1
    answer = stripped[open_at + 1 : close_at]
    general_feedback = ""
    if "####" in answer:
        answer, general_feedback = answer.split("####", 1)
        general_feedback = _post(general_feedback).strip()
    qtype, data = _parse_answers(answer, text, answer_offset, first_line)
    return ParsedQuestion(
        line=first_line,
        qtype=qtype,
        title=title[:255],
        text=_post(question_text),
        text_format=fmt,
        data=data,
        general_feedback=general_feedback,
    )


def _weight(token: str, line: int) -> tuple[float | None, str]:
    match = _WEIGHT_RE.match(token)
    if not match:
        return None, token
    try:
        value = float(match.group(1).strip())
    except ValueError:
        raise _BlockError(line, _("Bobot %(w)s bukan angka.", w=f"%{match.group(1)}%")) from None
    if not -100 <= value <= 100:
        raise _BlockError(line, _("Bobot %(w)s harus antara -100 dan 100.", w=f"%{match.group(1)}%"))
    return value / 100, token[match.end() :]


def _feedback(token: str) -> tuple[str, str]:
    if "#" in token:
        main, feedback = token.split("#", 1)
        return main, _post(feedback).strip()
    return token, ""


def _tokens(answer: str, markers: str) -> list[tuple[str, str, int]]:
    """Split answer text at ``markers``: [(marker, rest, offset of the marker)]."""
    found = [(m.start(), m.group(0)) for m in re.finditer(f"[{re.escape(markers)}]", answer)]
    out = []
    for i, (pos, marker) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(answer)
        out.append((marker, answer[pos + 1 : end], pos))
    return out


def _parse_answers(answer: str, text: str, offset: int, first_line: int) -> tuple[str, dict]:
    def line_of(pos: int) -> int:
        return _line_at(text, offset + pos, first_line)

    body = answer.strip()
    if not body:
        return "essay", {}
    if body.startswith("#"):
        return "numeric", _parse_numeric(answer, line_of)
    head = body.split("#", 1)[0].strip().upper()
    if head in _TF:
        parts = body.split("#")
        if len(parts) > 3:
            raise _BlockError(
                line_of(0), _("Soal benar/salah paling banyak punya dua umpan balik (#salah#benar).")
            )
        wrong = _post(parts[1]).strip() if len(parts) > 1 else ""
        right = _post(parts[2]).strip() if len(parts) > 2 else ""
        correct = _TF[head]
        return "truefalse", {
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }
    if "->" in body and "=" in body:
        return "matching", _parse_matching(answer, line_of)
    first = answer.lstrip()[:1]
    if first not in ("=", "~"):
        raise _BlockError(
            line_of(0),
            _(
                "Blok jawaban tidak dikenali: jawaban harus diawali = atau ~ "
                "(atau T/F, #angka, kosong untuk esai)."
            ),
        )
    if "~" in answer:
        return _parse_choice(answer, line_of)
    return "short", _parse_short(answer, line_of)


def _parse_choice(answer: str, line_of) -> tuple[str, dict]:
    single = "=" in answer
    options = []
    for n, (marker, rest, pos) in enumerate(_tokens(answer, "=~"), start=1):
        line = line_of(pos)
        weight, rest = _weight(rest.lstrip(), line)
        main, feedback = _feedback(rest)
        option_text = _post(main).strip()
        if not option_text:
            raise _BlockError(line, _("Pilihan jawaban ke-%(n)s kosong.", n=n))
        fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
        options.append({"id": str(n), "text": option_text, "fraction": fraction, "feedback": feedback})
    return ("single" if single else "multi"), {"options": options}


def _parse_short(answer: str, line_of) -> dict:
    answers = []
    for n, (_marker, rest, pos) in enumerate(_tokens(answer, "="), start=1):
        line = line_of(pos)
        weight, rest = _weight(rest.lstrip(), line)
        main, feedback = _feedback(rest)
        value = _post(main).strip()
        if not value:
            raise _BlockError(line, _("Jawaban singkat ke-%(n)s kosong.", n=n))
        answers.append({"text": value, "fraction": 1.0 if weight is None else weight, "feedback": feedback})
    return {"answers": answers}


def _number(raw: str, line: int) -> float:
    value = qt.parse_number(raw) if "," not in raw else None
    if value is None:
        raise _BlockError(
            line, _("'%(v)s' bukan angka (gunakan titik sebagai pemisah desimal).", v=raw.strip())
        )
    return value


def _numeric_answer(token: str, line: int, weight: float | None) -> dict:
    main, feedback = _feedback(token)
    main = _post(main).strip()
    if not main:
        raise _BlockError(line, _("Jawaban numerik kosong."))
    fraction = 1.0 if weight is None else weight
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


def _parse_numeric(answer: str, line_of) -> dict:
    start = answer.find("#")
    body = answer[start + 1 :]
    wrong_feedback = ""
    tilde = body.find("~")
    if tilde >= 0:
        _main, wrong_feedback = _feedback(body[tilde + 1 :])
        if _post(_main).strip():
            raise _BlockError(
                line_of(start + 1 + tilde), _("Setelah ~ pada soal numerik hanya boleh umpan balik (#...).")
            )
        body = body[:tilde]
    answers = []
    if "=" in body:
        if body.split("=", 1)[0].strip():
            raise _BlockError(
                line_of(start + 1), _("Soal numerik dengan beberapa jawaban: setiap jawaban diawali =.")
            )
        for _marker, rest, pos in _tokens(body, "="):
            line = line_of(start + 1 + pos)
            weight, rest = _weight(rest.lstrip(), line)
            answers.append(_numeric_answer(rest, line, weight))
    else:
        answers.append(_numeric_answer(body, line_of(start + 1), None))
    data: dict = {"answers": answers}
    if wrong_feedback:
        data["wrong_feedback"] = wrong_feedback
    return data


def _parse_matching(answer: str, line_of) -> dict:
    pairs = []
    tokens = _tokens(answer, "=")
    if answer.split("=", 1)[0].strip():
        raise _BlockError(line_of(0), _("Setiap pasangan soal menjodohkan diawali ="))
    for n, (_marker, rest, pos) in enumerate(tokens, start=1):
        line = line_of(pos)
        if "#" in rest:
            raise _BlockError(
                line, _("Fitur GIFT tidak didukung: umpan balik (#) pada pasangan soal menjodohkan.")
            )
        if "->" not in rest:
            raise _BlockError(line, _("Pasangan ke-%(n)s tidak memakai -> (contoh: =Jakarta -> DKI).", n=n))
        left, right = rest.split("->", 1)
        pairs.append({"id": str(n), "left": _post(left).strip(), "right": _post(right).strip()})
    return {"pairs": pairs}


# ---------------------------------------------------------------- writer


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


def _w(fraction: float) -> str:
    value = round(float(fraction) * 100, 5)
    return f"%{int(value) if value.is_integer() else value}%"


def _num(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _fb(feedback: str) -> str:
    return f"#{escape(feedback)}" if feedback else ""


def write_question(q: ParsedQuestion) -> str:
    """One question in GIFT (without the category line)."""
    lines = []
    tags = " ".join(f"[tag:{t}]" for t in q.tags)
    marker = " ".join(x for x in (f"[id:{q.idnumber}]" if q.idnumber else "", tags) if x)
    if marker:
        lines.append(f"// {marker}")
    head = f"::{escape(q.title)}::" if q.title else ""
    head += f"[{q.text_format}]{escape(q.text)}"
    data = q.data
    body: list[str] = []
    if q.qtype in ("single", "multi"):
        for option in data["options"]:
            # An explicit weight also protects option text that itself starts with "%".
            explicit = option["text"].startswith("%")
            if q.qtype == "single" and option["fraction"] >= 1 - 1e-9:
                prefix = "=" + (_w(option["fraction"]) if explicit else "")
            else:
                prefix = "~" + (_w(option["fraction"]) if option["fraction"] or explicit else "")
            body.append(f"\t{prefix}{escape(option['text'])}{_fb(option.get('feedback', ''))}")
    elif q.qtype == "truefalse":
        right = data.get("feedback_true" if data["correct"] else "feedback_false", "")
        wrong = data.get("feedback_false" if data["correct"] else "feedback_true", "")
        fb = ""
        if wrong or right:
            fb = f"#{escape(wrong)}" + (f"#{escape(right)}" if right else "")
        body.append(f"{'TRUE' if data['correct'] else 'FALSE'}{fb}")
    elif q.qtype == "short":
        for answer in data["answers"]:
            full = answer["fraction"] >= 1 - 1e-9 and not answer["text"].startswith("%")
            weight = "" if full else _w(answer["fraction"])
            body.append(f"\t={weight}{escape(answer['text'])}{_fb(answer.get('feedback', ''))}")
    elif q.qtype == "numeric":
        for answer in data["answers"]:
            if answer["mode"] == "range":
                value = f"{_num(answer['min'])}..{_num(answer['max'])}"
            else:
                value = f"{_num(answer['value'])}:{_num(answer.get('tolerance', 0))}"
            weight = "" if answer["fraction"] >= 1 - 1e-9 else _w(answer["fraction"])
            body.append(f"\t={weight}{value}{_fb(answer.get('feedback', ''))}")
        if data.get("wrong_feedback"):
            body.append(f"\t~#{escape(data['wrong_feedback'])}")
        head += "{#"
    elif q.qtype == "matching":
        for pair in data["pairs"]:
            body.append(f"\t={escape(pair['left'])} -> {escape(pair['right'])}")
    if q.qtype == "truefalse":
        general = f"####{escape(q.general_feedback)}" if q.general_feedback else ""
        lines.append(f"{head}{{{body[0]}{general}}}")
        return "\n".join(lines)
    if q.general_feedback:
        body.append(f"\t####{escape(q.general_feedback)}")
    if q.qtype == "numeric":
        lines.append(head)
        lines.extend(body)
        lines.append("}")
    elif body:
        lines.append(head + "{")
        lines.extend(body)
        lines.append("}")
    else:
        lines.append(head + "{}")
    return "\n".join(lines)


def write(questions: list[ParsedQuestion]) -> str:
    """A GIFT file: categories as ``$CATEGORY:`` lines, questions separated by blank lines."""
    chunks = ["// Diekspor dari Pelita (format GIFT Moodle)."]
    category = None
    for question in questions:
        if question.category and question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: $course$/top/{category}")
        chunks.append(write_question(question))
    return "\n\n".join(chunks) + "\n"
