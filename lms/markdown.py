"""Markdown -> HTML -> nh3 sanitiser, and the ``|markdown`` template filter.

Python-Markdown passes raw HTML (``onerror=``) and ``javascript:`` links through, so every render
is sanitised by nh3 with an allow-list. Python-Markdown is also quadratic on long runs of ``[``
(16 KB took about 31 s), so the source is guarded first: over-long input is refused, and runs of
brackets are escaped to entities so the link parser never sees them.
"""

from __future__ import annotations

import re

import markdown as md
import nh3
from markupsafe import Markup

from lms.errors import DomainError

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align", "scope"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}
EXTENSIONS = ["extra", "sane_lists"]

# More than this many brackets in a row are not links: escape them before parsing.
_BRACKET_RUN = re.compile(r"[\[\]]{4,}")
# A paragraph with more opening brackets than this is pathological: its brackets are escaped.
# (Python-Markdown's inline link parser is quadratic per paragraph; 200 keeps it under ~50 ms.)
MAX_BRACKETS_PER_BLOCK = 200
_BLOCK_SPLIT = re.compile(r"(\n\s*\n)")


class MarkdownTooLong(DomainError):
    """The Markdown source is over the configured size limit."""


def _escape_brackets(match: re.Match) -> str:
    return "".join("&#91;" if ch == "[" else "&#93;" for ch in match.group(0))


def _guard(source: str) -> str:
    source = _BRACKET_RUN.sub(_escape_brackets, source)
    parts = _BLOCK_SPLIT.split(source)
    for i, part in enumerate(parts):
        if part.count("[") > MAX_BRACKETS_PER_BLOCK:
            parts[i] = part.replace("[", "&#91;").replace("]", "&#93;")
    return "".join(parts)


def render_markdown(source: str | None, max_chars: int = 200_000) -> str:
    """Render Markdown to sanitised HTML. Raises :class:`MarkdownTooLong` over ``max_chars``."""
    if not source:
        return ""
    if len(source) > max_chars:
        raise MarkdownTooLong(
            f"Teks terlalu panjang ({len(source):,} karakter; batas {max_chars:,}). "
            "Pecah menjadi beberapa bagian."
        )
    html = md.markdown(_guard(source), extensions=EXTENSIONS, output_format="html")
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    """Clean HTML with the Markdown allow-list (also for HTML imported from other systems)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def markdown_filter(source: str | None) -> Markup:
    """Jinja filter: ``{{ text|markdown }}`` renders and sanitises."""
    return Markup(render_markdown(source))  # noqa: S704 - sanitised by nh3 above
