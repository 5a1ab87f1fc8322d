"""Question text to sanitised HTML: Markdown, HTML or plain text, and the derived HTML keys of a
question's ``data`` (added on save, stripped for export).
"""

from __future__ import annotations

import re

from markupsafe import escape

from lms.markdown import render_markdown, sanitize_html
from lms.quizzes import question_types as qt
from lms.quizzes.models import TextFormat


def render_text(source: str, fmt: str) -> str:
    """Sanitised HTML for a question text in its format (Markdown, HTML, or plain text)."""
    if not source:
        return ""
    if fmt == TextFormat.HTML:
        return sanitize_html(source)
    if fmt == TextFormat.MARKDOWN:
        return render_markdown(source)
    return "<p>" + str(escape(source)).replace("\n", "<br>") + "</p>"


_SINGLE_P = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def render_inline(source: str, fmt: str) -> str:
    """Like :func:`render_text` without the paragraph around a single line (options, feedback)."""
    html = render_text(source, fmt).strip()
    match = _SINGLE_P.match(html)
    return match.group(1) if match and "<p>" not in match.group(1) else html


def render_data(qtype: str, data: dict, fmt: str) -> dict:
    """``data`` with the HTML of options, pair items and feedback added (by the question's type)."""
    return qt.get_type(qtype).render_data(data, lambda source: render_inline(source, fmt))


def strip_rendered(data: dict) -> dict:
    """``data`` without the derived HTML keys (what an export or a comparison needs)."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in qt.RENDERED_KEYS}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(data)
