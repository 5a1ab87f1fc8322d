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

This module reads and writes the file and each question around its answer block: categories,
comments, title, format and general feedback. The answer block between the braces belongs to the
question's type (``question_types``: ``gift_claims``, ``read_gift``, ``write_gift``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.errors import LineError
from lms.quizzes import question_types as qt
from lms.quizzes.question_types.gift_syntax import GiftError, escape, protect, restore

_FORMAT_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_TAG_RE = re.compile(r"\[tag:([^\]]+)\]")
_ID_RE = re.compile(r"\[id:([^\]]+)\]")


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
        except GiftError as exc:
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
    text = protect(raw)
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    title = ""
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            raise GiftError(first_line, _("Judul soal dibuka dengan :: tetapi tidak ditutup dengan ::."))
        title = restore(stripped[2:end]).strip()
        stripped = stripped[end + 2 :]
        lead = len(text) - len(stripped)
    open_at = stripped.find("{")
    if "@@PLUGINFILE@@" in stripped:
        raise GiftError(
            first_line,
            _(
                "Fitur GIFT tidak didukung: berkas lampiran Moodle (@@PLUGINFILE@@). "
                "Unggah gambar secara terpisah lalu tautkan."
            ),
        )
    if open_at < 0:
        if "}" in stripped:
            raise GiftError(
                first_line, _("Ada } tanpa { pembuka (tulis \\} untuk tanda kurung kurawal biasa).")
            )
        raise GiftError(
            first_line,
            _(
                "Fitur GIFT tidak didukung: deskripsi (teks tanpa blok jawaban {...}). "
                "Tambahkan blok jawaban."
            ),
        )
    close_at = stripped.find("}", open_at)
    if close_at < 0:
        raise GiftError(
            _line_at(text, lead + open_at, first_line), _("Blok jawaban { tidak ditutup dengan }.")
        )
    after = stripped[close_at + 1 :]
    if "{" in after:
        raise GiftError(
            _line_at(text, lead + close_at + 1 + after.find("{"), first_line),
            _(
                "Fitur GIFT tidak didukung: lebih dari satu blok jawaban dalam satu soal "
                "(pisahkan setiap soal dengan satu baris kosong)."
            ),
        )
    if "{" in stripped[open_at + 1 : close_at]:
        raise GiftError(
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
        general_feedback = restore(general_feedback).strip()
    qtype, data = _parse_answers(answer, text, answer_offset, first_line)
    return ParsedQuestion(
        line=first_line,
        qtype=qtype,
        title=title[:255],
        text=restore(question_text),
        text_format=fmt,
        data=data,
        general_feedback=general_feedback,
    )


def _parse_answers(answer: str, text: str, offset: int, first_line: int) -> tuple[str, dict]:
    """The type whose GIFT form the answer block is written in, and the data it reads from it."""

    def line_of(pos: int) -> int:
        return _line_at(text, offset + pos, first_line)

    kind = qt.gift_type_for(answer)
    if kind is None:
        raise GiftError(
            line_of(0),
            _(
                "Blok jawaban tidak dikenali: jawaban harus diawali = atau ~ "
                "(atau T/F, #angka, kosong untuk esai)."
            ),
        )
    return kind.key, kind.read_gift(answer, line_of)


# ---------------------------------------------------------------- writer


def write_question(q: ParsedQuestion) -> str:
    """One question in GIFT (without the category line)."""
    lines = []
    tags = " ".join(f"[tag:{t}]" for t in q.tags)
    marker = " ".join(x for x in (f"[id:{q.idnumber}]" if q.idnumber else "", tags) if x)
    if marker:
        lines.append(f"// {marker}")
    head = f"::{escape(q.title)}::" if q.title else ""
    head += f"[{q.text_format}]{escape(q.text)}"
    lines.append(head + qt.get_type(q.qtype).write_gift(q.data, q.general_feedback))
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
