"""What every course service shares: the feature's domain error, stored-file and filename helpers,
Markdown rendering at save time, course slugs, and the loader option for an enrolment's people."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms import storage
from lms.accounts.models import User
from lms.courses.models import Course
from lms.errors import DomainError
from lms.extensions import db
from lms.markdown import render_markdown

COVER_MAX_BYTES = 2 * 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CourseError(DomainError):
    """A rule about courses, angkatan or enrolments was broken; the message is for the user."""


def clean_filename(filename: str | None) -> str:
    """A display name for an uploaded file: no folders, no control characters, not empty."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "berkas"


def discard_files(keys: Iterable[str | None]) -> None:
    """Remove stored files that the committed change no longer uses."""
    for key in keys:
        if key:
            storage.delete(key)


def _lesson_files(lessons) -> list[str | None]:
    """The stored files of ``lessons``: each one's own file and its attachments."""
    return [key for lesson in lessons for key in (lesson.file_key, *(a.key for a in lesson.attachments))]


def _delete(obj, keys: Iterable[str | None]) -> list[str]:
    """Delete ``obj`` (its children go with it) and return the stored files it leaves behind
    (``keys``, read before the delete) for the caller to discard after the commit."""
    db.session.delete(obj)
    db.session.flush()
    return [k for k in keys if k]


def _store(upload: storage.Upload, allowed: set[str], max_bytes: int | None = None) -> storage.StoredFile:
    return storage.save(upload.stream, allowed, max_bytes)


_H1 = re.compile(r"<(/?)h1>")


def render_body(source: str | None) -> str:
    """Render lesson or course Markdown once, at save time (raises ``MarkdownTooLong``).

    A ``# heading`` becomes <h2>: the page's title is its only <h1>."""
    html = render_markdown(source or "", current_app.config.get("MARKDOWN_MAX_CHARS", 200_000))
    return _H1.sub(r"<\1h2>", html)


def slugify(text: str) -> str:
    """A URL slug from a title: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].strip("-") or "kursus"


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    taken = set(
        db.session.scalars(
            select(Course.slug).where(
                or_(Course.slug == base, Course.slug.like(f"{base}-%")),
                Course.id != (exclude_id or 0),
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _people(*relationships):
    """Load the users of an enrolment in the same query, without their roles (a list of
    enrolments has no use for them, and would pay one more query per kind of person)."""
    return [joinedload(rel).lazyload(User.role_rows) for rel in relationships]
