"""Moodle's Aiken format: single-choice questions as plain lines.

    Apa kepanjangan SPM?
    A. Standar Pelayanan Minimal
    B) Sistem Pelayanan Masyarakat
    ANSWER: A

The question may span several lines before the first option; options are a letter followed by
``.`` or ``)``; ``ANSWER:`` names the right letter and ends the question. Every problem is
reported with its line number.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from lms.errors import LineError
from lms.quizzes import question_types as qt
from lms.quizzes.gift import ParsedQuestion, ParseResult

_OPTION_RE = re.compile(r"^([A-Za-z])[.)]\s+(.*\S)\s*$")
_ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)


def parse(source: str, filename: str | None = None, default_category: str | None = None) -> ParseResult:
    """Read Aiken ``source``; collect every error with its line number."""
    source = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[ParsedQuestion] = []
    errors: list[LineError] = []
    text_lines: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    broken = False

    def reset():
        nonlocal text_lines, options, start, broken
        text_lines, options, start, broken = [], [], 0, False

    for number, raw in enumerate(source.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.match(line)
        option = _OPTION_RE.match(line)
        if answer:
            if not text_lines:
                errors.append(LineError(number, _("ANSWER: tanpa teks soal sebelumnya."), filename))
            elif not broken:
                letter = answer.group(1).upper()
                letters = [o[0] for o in options]
                if len(options) < 2:
                    errors.append(
                        LineError(
                            start, _("Soal memerlukan paling sedikit dua pilihan (A., B., ...)."), filename
                        )
                    )
                elif len(letter) != 1 or letter not in letters:
                    errors.append(
                        LineError(
                            number,
                            _(
                                "Jawaban '%(a)s' tidak ada di antara pilihan %(l)s.",
                                a=answer.group(1),
                                l=", ".join(letters),
                            ),
                            filename,
                        )
                    )
                else:
                    kind = qt.aiken_type()
                    questions.append(
                        ParsedQuestion(
                            line=start,
                            qtype=kind.key,
                            title="",
                            text="\n".join(text_lines),
                            text_format="plain",
                            data=kind.read_aiken(options, letter),
                            category=default_category,
                        )
                    )
            reset()
        elif option and text_lines:
            letter = option.group(1).upper()
            if any(letter == existing for existing, _t in options):
                errors.append(
                    LineError(number, _("Huruf pilihan %(l)s dipakai dua kali.", l=letter), filename)
                )
                broken = True
            options.append((letter, option.group(2)))
        elif options:
            errors.append(
                LineError(
                    start,
                    _("Soal tidak diakhiri baris ANSWER: (baris %(n)s sudah memulai teks baru).", n=number),
                    filename,
                )
            )
            reset()
            text_lines, start = [line], number
        else:
            if not text_lines:
                start = number
            text_lines.append(line)
    if text_lines:
        errors.append(LineError(start, _("Soal terakhir tidak diakhiri baris ANSWER:."), filename))
    if not questions and not errors:
        errors.append(LineError(1, _("Berkas tidak berisi soal Aiken."), filename))
    return ParseResult(questions, errors)
