"""Course rules: authoring, publishing, the catalogue, progress, completion and JP, angkatan and
enrolments (by an admin, by CSV, or by the participant).

Services never touch ``request``, ``session`` or ``current_user``; they add and flush, and the
caller (a view or a CLI command) commits once. Stored files that a change makes obsolete are
returned to the caller, which removes them with :func:`discard_files` after the commit.

Contracts other features rely on:

- :func:`register_completion_requirement` lets a feature (quizzes) add requirements to course
  completion; :func:`check_completion` records a completion once and credits the course's JP once.
- :func:`learner_courses`, :func:`enrolments_of`, :func:`mentees_of`, :func:`coachees_of`.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO, NamedTuple
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Row, Select, String, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from lms import storage
from lms.accounts import nip as nip_rules
from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.courses import permissions
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    EnrolmentVia,
    JpRecord,
    JpSource,
    Lesson,
    LessonAttachment,
    LessonKind,
    LessonProgress,
    Module,
    Program,
    ProgramKind,
    touch_courses,
)
from lms.errors import DomainError, ImportRejected, LineError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.markdown import render_markdown
from lms.memo import remember
from lms.models_base import utcnow
from lms.pagination import PagerNavigation

DEFAULT_TIMEZONE = "Asia/Jakarta"
COVER_MAX_BYTES = 2 * 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CourseError(DomainError):
    """A rule about courses, angkatan or enrolments was broken; the message is for the user."""


@dataclass(frozen=True)
class Upload:
    """A file given to a service: its stream and the name the person's computer gave it."""

    stream: BinaryIO
    filename: str


# --- small helpers ---------------------------------------------------------------------------


def _read(stmt, params: dict):
    """Run a read-only select of plain columns on the session's connection and return its
    result: Session.execute adds an ORM layer that these rows do not need and that costs two to
    three times the statement itself on the hot pages. Pending changes are flushed first, as
    Session.execute would (a no-op when there are none)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(
            _(
                "Data ini sudah diubah oleh orang lain sejak Anda membukanya. "
                "Muat ulang halaman, periksa perubahannya, lalu simpan lagi."
            )
        )


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


def _store(upload: Upload, allowed: set[str], max_bytes: int | None = None) -> storage.StoredFile:
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


def local_year(at: datetime, timezone: str | None) -> int:
    """The calendar year of ``at`` in the given Indonesian time zone (WIB, WITA or WIT)."""
    try:
        zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return at.astimezone(zone).year


def local_today(timezone: str | None = None) -> date:
    """Today's date in the given zone (WIB by default)."""
    return utcnow().astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()


# --- video and link URLs ---------------------------------------------------------------------

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com", "youtu.be", "music.youtube.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class VideoEmbed:
    """How to show a video: in a privacy-friendly iframe (YouTube, Vimeo) or a <video> element."""

    kind: str  # "youtube", "vimeo" or "mp4"
    src: str


def video_embed(url: str | None) -> VideoEmbed | None:
    """Recognise a YouTube, Vimeo or direct https MP4 URL; None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https"):
        return None
    if host in _YOUTUBE_HOSTS:
        video_id = None
        if host == "youtu.be":
            video_id = parts.path.strip("/").split("/")[0]
        elif parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            bits = [b for b in parts.path.split("/") if b]
            if len(bits) >= 2 and bits[0] in ("embed", "shorts", "live", "v"):
                video_id = bits[1]
        if video_id and _YOUTUBE_ID.match(video_id):
            return VideoEmbed("youtube", f"https://www.youtube-nocookie.com/embed/{video_id}")
        return None
    if host in _VIMEO_HOSTS:
        bits = [b for b in parts.path.split("/") if b]
        if host == "player.vimeo.com" and len(bits) >= 2 and bits[0] == "video" and bits[1].isdigit():
            return VideoEmbed("vimeo", f"https://player.vimeo.com/video/{bits[1]}")
        if bits and bits[-1].isdigit():
            return VideoEmbed("vimeo", f"https://player.vimeo.com/video/{bits[-1]}")
        return None
    if parts.scheme == "https" and parts.path.lower().endswith(".mp4"):
        return VideoEmbed("mp4", url.strip())
    return None


def valid_link(url: str | None) -> bool:
    """An external link must be an absolute http(s) URL."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# --- programs --------------------------------------------------------------------------------


@dataclass
class ProgramData:
    """What an admin gives for a program."""

    code: str
    name: str
    kind: str = ProgramKind.TECHNICAL.value
    jp: int = 0
    description: str = ""
    project_label: str = ""


def _validate_program(data: ProgramData, existing: Program | None = None) -> None:
    code = (data.code or "").strip()
    if not code or not (data.name or "").strip():
        raise CourseError(_("Kode dan nama program wajib diisi."))
    if data.kind not in {k.value for k in ProgramKind}:
        raise CourseError(_("Jenis program tidak dikenal."))
    if (data.jp or 0) < 0:
        raise CourseError(_("JP tidak boleh negatif."))
    stmt = select(Program.id).where(func.lower(Program.code) == code.lower())
    if existing is not None:
        stmt = stmt.where(Program.id != existing.id)
    if db.session.scalar(stmt) is not None:
        raise CourseError(_("Kode program %(code)s sudah dipakai.", code=code))


def _apply_program(program: Program, data: ProgramData) -> None:
    program.code = data.code.strip()
    program.name = data.name.strip()
    program.kind = ProgramKind(data.kind)
    program.jp = int(data.jp or 0)
    program.description = (data.description or "").strip()
    program.project_label = (data.project_label or "").strip()


def create_program(data: ProgramData) -> Program:
    """Create a program (PKN Tingkat II, PKA, PKP, Latsar CPNS, a technical course...)."""
    _validate_program(data)
    program = Program()
    _apply_program(program, data)
    db.session.add(program)
    db.session.flush()
    return program


def update_program(program: Program, data: ProgramData, expected_version: int | None) -> None:
    """Change a program; a stale form is refused."""
    _check_version(program, expected_version)
    _validate_program(data, program)
    _apply_program(program, data)
    db.session.flush()


def programs_query() -> Select:
    """Programs by name, for the paginated admin list."""
    return select(Program).order_by(Program.name, Program.id)


def all_programs() -> list[Program]:
    """Every program, by name (for select boxes and the program list)."""
    return list(db.session.scalars(select(Program).order_by(Program.name, Program.id)))


# --- courses ---------------------------------------------------------------------------------


@dataclass
class CourseData:
    """What an admin gives for a course."""

    title: str
    slug: str | None = None
    summary: str = ""
    description_md: str = ""
    jp: int = 0
    program_id: int | None = None
    sequential: bool = False


def _validate_course(data: CourseData, existing: Course | None = None) -> str:
    title = (data.title or "").strip()
    if not title:
        raise CourseError(_("Judul kursus wajib diisi."))
    if len(title) > 200:
        raise CourseError(_("Judul kursus paling panjang 200 karakter."))
    if (data.jp or 0) < 0:
        raise CourseError(_("JP tidak boleh negatif."))
    if data.program_id and db.session.get(Program, data.program_id) is None:
        raise CourseError(_("Program tidak ditemukan."))
    slug = (data.slug or "").strip().lower()
    exclude = existing.id if existing is not None else None
    if not slug:
        if existing is not None:
            return existing.slug
        return unique_slug(slugify(title))
    if len(slug) > 120 or not SLUG_RE.match(slug):
        raise CourseError(
            _("Slug hanya boleh berisi huruf kecil, angka, dan tanda hubung (contoh: pelayanan-publik).")
        )
    stmt = select(Course.id).where(Course.slug == slug, Course.id != (exclude or 0))
    if db.session.scalar(stmt) is not None:
        raise CourseError(_("Slug %(slug)s sudah dipakai kursus lain.", slug=slug))
    return slug


def _apply_course(course: Course, data: CourseData, slug: str) -> None:
    course.title = data.title.strip()
    course.slug = slug
    course.summary = (data.summary or "").strip()
    course.description_md = data.description_md or ""
    course.description_html = render_body(course.description_md)
    course.jp = int(data.jp or 0)
    course.program_id = data.program_id or None
    course.sequential = bool(data.sequential)


def create_course(data: CourseData, cover: Upload | None = None) -> Course:
    """Create a draft course (optionally with a cover image)."""
    slug = _validate_course(data)
    course = Course(status=CourseStatus.DRAFT)
    _apply_course(course, data, slug)
    if cover is not None:
        stored = _store(cover, storage.IMAGE_KINDS, COVER_MAX_BYTES)
        course.cover_key, course.cover_mime = stored.key, stored.mime
    db.session.add(course)
    db.session.flush()
    return course


def update_course(
    course: Course, data: CourseData, expected_version: int | None, cover: Upload | None = None
) -> list[str]:
    """Change a course's description; returns stored files to discard after the commit."""
    _check_version(course, expected_version)
    slug = _validate_course(data, course)
    _apply_course(course, data, slug)
    old: list[str] = []
    if cover is not None:
        stored = _store(cover, storage.IMAGE_KINDS, COVER_MAX_BYTES)
        if course.cover_key:
            old.append(course.cover_key)
        course.cover_key, course.cover_mime = stored.key, stored.mime
    db.session.flush()
    return old


def remove_cover(course: Course) -> list[str]:
    """Drop the course's cover image; returns the file to discard."""
    old = [course.cover_key] if course.cover_key else []
    course.cover_key = course.cover_mime = None
    db.session.flush()
    return old


# The course life cycle: ONE table, ONE function that moves state.
COURSE_TRANSITIONS: dict[CourseStatus, set[CourseStatus]] = {
    CourseStatus.DRAFT: {CourseStatus.PUBLISHED, CourseStatus.ARCHIVED},
    CourseStatus.PUBLISHED: {CourseStatus.DRAFT, CourseStatus.ARCHIVED},
    CourseStatus.ARCHIVED: {CourseStatus.DRAFT, CourseStatus.PUBLISHED},
}


def change_course_status(course: Course, to: CourseStatus | str, at: datetime | None = None) -> None:
    """Publish, unpublish (back to draft) or archive a course.

    Publishing needs at least one published module with a lesson, so learners never open an
    empty course. Unpublishing keeps every learner's progress; it only hides the content.
    """
    to = CourseStatus(to)
    if to == course.status:
        return
    if to not in COURSE_TRANSITIONS[course.status]:
        raise WorkflowError(_("Status kursus tidak dapat diubah ke %(to)s.", to=to.value))
    if to == CourseStatus.PUBLISHED:
        has_content = db.session.scalar(
            select(Lesson.id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id == course.id, Module.published.is_(True))
            .limit(1)
        )
        if has_content is None:
            raise WorkflowError(
                _(
                    "Kursus belum dapat diterbitkan: terbitkan dulu sedikitnya satu modul "
                    "yang berisi pelajaran."
                )
            )
        if course.published_at is None:
            course.published_at = at or utcnow()
    course.status = to
    db.session.flush()


def delete_course(course: Course) -> list[str]:
    """Delete a course that was never used (no angkatan, no completion); returns files to discard."""
    used = db.session.scalar(select(Angkatan.id).where(Angkatan.course_id == course.id).limit(1))
    done = db.session.scalar(
        select(CourseCompletion.id).where(CourseCompletion.course_id == course.id).limit(1)
    )
    if used is not None or done is not None:
        raise WorkflowError(
            _("Kursus ini sudah dipakai angkatan atau diselesaikan peserta; arsipkan saja, jangan dihapus.")
        )
    keys = [course.cover_key]
    for module in course.modules:
        for lesson in module.lessons:
            keys.append(lesson.file_key)
            keys.extend(a.key for a in lesson.attachments)
    db.session.delete(course)
    db.session.flush()
    return [k for k in keys if k]


def admin_courses_query(q: str | None = None, status: str | None = None) -> Select:
    """Courses for the admin list, with search and a status filter, newest first."""
    stmt = select(Course).options(joinedload(Course.program)).order_by(Course.updated_at.desc(), Course.id)
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Course.title).like(like), Course.slug.like(like)))
    if status:
        stmt = stmt.where(Course.status == CourseStatus(status))
    return stmt


def course_for_authoring(course_id: int) -> Course | None:
    """A course with its modules, lessons and attachments loaded in a fixed number of queries."""
    return db.session.scalar(
        select(Course)
        .where(Course.id == course_id)
        .options(
            joinedload(Course.program),
            selectinload(Course.modules).selectinload(Module.lessons).selectinload(Lesson.attachments),
        )
    )


# --- modules ---------------------------------------------------------------------------------


def _next_position(column, parent_col, parent_id: int) -> int:
    current = db.session.scalar(select(func.max(column)).where(parent_col == parent_id))
    return 0 if current is None else current + 1


def add_module(course: Course, title: str, summary: str = "", published: bool = False) -> Module:
    """Append a module at the end of the course."""
    title = (title or "").strip()
    if not title:
        raise CourseError(_("Judul modul wajib diisi."))
    module = Module(
        course=course,
        title=title[:200],
        summary=(summary or "").strip(),
        published=published,
        position=_next_position(Module.position, Module.course_id, course.id),
    )
    db.session.add(module)
    db.session.flush()
    return module


def update_module(
    module: Module, title: str, summary: str, published: bool, expected_version: int | None
) -> None:
    """Rename or describe a module and set its published flag; a stale form is refused."""
    _check_version(module, expected_version)
    title = (title or "").strip()
    if not title:
        raise CourseError(_("Judul modul wajib diisi."))
    module.title = title[:200]
    module.summary = (summary or "").strip()
    module.published = bool(published)
    db.session.flush()


def set_module_published(module: Module, published: bool) -> None:
    """Show or hide a module from learners (their progress on it is kept either way)."""
    module.published = bool(published)
    db.session.flush()


def _move(items: list, item, direction: int, model) -> bool:
    """Swap ``item`` with its neighbour and renumber positions 0..n-1.

    Positions are written with a bulk UPDATE so that reordering does not bump the rows' edit
    versions (an editor's open form on a lesson stays valid after someone reorders)."""
    index = next(i for i, x in enumerate(items) if x.id == item.id)
    target = index + (1 if direction > 0 else -1)
    if target < 0 or target >= len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for pos, obj in enumerate(items):
        if obj.position != pos:
            db.session.execute(
                update(model).where(model.id == obj.id).values(position=pos),
                execution_options={"synchronize_session": False},
            )
            db.session.expire(obj, ["position"])
    # A bulk UPDATE flushes nothing: stamp the course's outline as changed here.
    if model is Module:
        touch_courses(db.session, [item.course_id])
    else:
        touch_courses(db.session, (), [item.module_id])
    return True


def move_module(module: Module, direction: int) -> bool:
    """Move a module one place up (-1) or down (+1); False when already at the edge."""
    siblings = list(
        db.session.scalars(
            select(Module).where(Module.course_id == module.course_id).order_by(Module.position, Module.id)
        )
    )
    return _move(siblings, module, direction, Module)


def delete_module(module: Module) -> list[str]:
    """Delete a module with its lessons (their progress goes too); returns files to discard."""
    keys = []
    for lesson in module.lessons:
        keys.append(lesson.file_key)
        keys.extend(a.key for a in lesson.attachments)
    db.session.delete(module)
    db.session.flush()
    return [k for k in keys if k]


# --- lessons ---------------------------------------------------------------------------------


@dataclass
class LessonData:
    """What an admin gives for a lesson."""

    title: str
    kind: str = LessonKind.TEXT.value
    body_md: str = ""
    video_url: str | None = None
    link_url: str | None = None
    required: bool = True
    duration_minutes: int | None = None


def _validate_lesson(data: LessonData, has_file: bool) -> str:
    """Check a lesson; return its rendered HTML (raises CourseError or MarkdownTooLong)."""
    if not (data.title or "").strip():
        raise CourseError(_("Judul pelajaran wajib diisi."))
    if data.kind not in {k.value for k in LessonKind}:
        raise CourseError(_("Jenis pelajaran tidak dikenal."))
    kind = LessonKind(data.kind)
    if kind == LessonKind.VIDEO:
        if video_embed(data.video_url) is None:
            raise CourseError(
                _("Alamat video harus dari YouTube, Vimeo, atau berkas MP4 langsung (https://.../video.mp4).")
            )
        if not (data.body_md or "").strip():
            raise CourseError(
                _("Video wajib disertai alternatif teks (ringkasan atau transkrip) untuk peserta.")
            )
    if kind == LessonKind.LINK and not valid_link(data.link_url):
        raise CourseError(_("Tautan harus berupa alamat lengkap yang diawali http:// atau https://."))
    if kind == LessonKind.FILE and not has_file:
        raise CourseError(_("Pelajaran berkas memerlukan berkas (PDF atau dokumen Office)."))
    if data.duration_minutes is not None and not 0 <= data.duration_minutes <= 10_000:
        raise CourseError(_("Durasi harus antara 0 dan 10.000 menit."))
    return render_body(data.body_md)


def _apply_lesson(lesson: Lesson, data: LessonData, html: str) -> None:
    kind = LessonKind(data.kind)
    lesson.title = data.title.strip()[:200]
    lesson.kind = kind
    lesson.body_md = data.body_md or ""
    lesson.body_html = html
    lesson.video_url = data.video_url.strip() if kind == LessonKind.VIDEO and data.video_url else None
    lesson.link_url = data.link_url.strip() if kind == LessonKind.LINK and data.link_url else None
    lesson.required = bool(data.required)
    lesson.duration_minutes = data.duration_minutes


def _set_lesson_file(lesson: Lesson, stored: storage.StoredFile, name: str) -> None:
    lesson.file_key, lesson.file_mime, lesson.file_size = stored.key, stored.mime, stored.size
    lesson.file_name = clean_filename(name)


def add_lesson(module: Module, data: LessonData, file: Upload | None = None) -> Lesson:
    """Append a lesson to a module; Markdown is rendered and sanitised now, once."""
    html = _validate_lesson(data, has_file=file is not None)
    lesson = Lesson(module=module, position=_next_position(Lesson.position, Lesson.module_id, module.id))
    _apply_lesson(lesson, data, html)
    if file is not None:
        _set_lesson_file(lesson, _store(file, storage.DOCUMENT_KINDS), file.filename)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(
    lesson: Lesson, data: LessonData, expected_version: int | None, file: Upload | None = None
) -> list[str]:
    """Edit a lesson. Every learner's progress on it is kept (progress rows point at the lesson,
    not at its text). Returns stored files to discard after the commit."""
    _check_version(lesson, expected_version)
    html = _validate_lesson(data, has_file=file is not None or bool(lesson.file_key))
    old: list[str] = []
    _apply_lesson(lesson, data, html)
    if file is not None:
        stored = _store(file, storage.DOCUMENT_KINDS)
        if lesson.file_key:
            old.append(lesson.file_key)
        _set_lesson_file(lesson, stored, file.filename)
    elif lesson.kind != LessonKind.FILE and lesson.file_key:
        old.append(lesson.file_key)
        lesson.file_key = lesson.file_name = lesson.file_mime = None
        lesson.file_size = None
    db.session.flush()
    return old


def move_lesson(lesson: Lesson, direction: int) -> bool:
    """Move a lesson one place up (-1) or down (+1) inside its module."""
    siblings = list(
        db.session.scalars(
            select(Lesson).where(Lesson.module_id == lesson.module_id).order_by(Lesson.position, Lesson.id)
        )
    )
    return _move(siblings, lesson, direction, Lesson)


def delete_lesson(lesson: Lesson) -> list[str]:
    """Delete a lesson (its progress rows go with it); returns files to discard."""
    keys = [lesson.file_key, *(a.key for a in lesson.attachments)]
    db.session.delete(lesson)
    db.session.flush()
    return [k for k in keys if k]


def add_attachment(lesson: Lesson, file: Upload) -> LessonAttachment:
    """Attach a handout (PDF, Office document or image) to a lesson."""
    stored = _store(file, storage.DOCUMENT_KINDS)
    attachment = LessonAttachment(
        lesson=lesson,
        key=stored.key,
        name=clean_filename(file.filename),
        mime=stored.mime,
        size=stored.size,
        position=_next_position(LessonAttachment.position, LessonAttachment.lesson_id, lesson.id),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def delete_attachment(attachment: LessonAttachment) -> list[str]:
    """Remove an attachment; returns its file to discard."""
    key = attachment.key
    db.session.delete(attachment)
    db.session.flush()
    return [key]


def preview_markdown(source: str | None) -> tuple[str, str | None]:
    """(html, error): the rendered preview, or the reason it cannot be rendered."""
    try:
        return render_body(source), None
    except DomainError as exc:
        return "", exc.message


# --- the catalogue ---------------------------------------------------------------------------

JP_BANDS = {"1-10": (1, 10), "11-40": (11, 40), "41+": (41, None)}


def _open_angkatan_clause(today, course_id_col=None, program_id_col=None):
    """SQL condition on ``Course``: an angkatan covering it takes self-enrolment now.
    ``course_id_col``/``program_id_col``: the course's columns in another FROM (by default
    those of ``Course``)."""
    course_id_col = Course.id if course_id_col is None else course_id_col
    program_id_col = Course.program_id if program_id_col is None else program_id_col
    return exists(
        select(Angkatan.id).where(
            Angkatan.enrolment_open.is_(True),
            or_(Angkatan.end_date.is_(None), Angkatan.end_date >= today),
            or_(
                Angkatan.course_id == course_id_col,
                and_(program_id_col.is_not(None), Angkatan.program_id == program_id_col),
            ),
        )
    )


_PROGRAM_CHOICES_STMT = select(Program.id, Program.name).order_by(Program.name, Program.id)


def program_choices() -> list[Row]:
    """(id, name) of every program, by name: the catalogue's program filter (plain rows)."""
    return list(_read(_PROGRAM_CHOICES_STMT, {}))


@functools.cache
def _catalogue_stmt(
    author: bool, search: bool, program: bool, jp_band: str | None, open_only: bool
) -> Select:
    """The catalogue's page statement for one combination of filters, built once per process
    (bound parameters: ``user_id``, ``today``, ``like``, ``program_id``, ``limit``, ``offset``).

    One statement reads the page's courses as plain rows with what a card shows: an inner select
    filters, counts every match (``count(*) OVER ()``) and cuts the page; the outer one adds, for
    the page's rows only, the program's code, "self-enrolment open" and "already enrolled". The
    number of lessons comes from :func:`_lesson_counts` (cached per course version)."""
    stmt = select(
        Course.id,
        Course.program_id,
        Course.slug,
        Course.title,
        Course.summary,
        Course.jp,
        Course.cover_key,
        Course.status,
        Course.updated_at,
        func.count().over().label("total"),
    )
    if not author:
        stmt = stmt.where(Course.status == CourseStatus.PUBLISHED)
    if search:
        like = bindparam("like")
        stmt = stmt.where(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    if program:
        stmt = stmt.where(Course.program_id == bindparam("program_id"))
    if jp_band in JP_BANDS:
        low, high = JP_BANDS[jp_band]
        stmt = stmt.where(Course.jp >= low)
        if high is not None:
            stmt = stmt.where(Course.jp <= high)
    if open_only:
        stmt = stmt.where(_open_angkatan_clause(bindparam("today")))
    page = (
        stmt.order_by(Course.title, Course.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    return (
        select(
            page,
            Program.code.label("program_code"),
            _open_angkatan_clause(bindparam("today"), page.c.id, page.c.program_id).label("open_enrolment"),
            permissions.enrolled_in_course_clause(bindparam("user_id"), page.c.id, page.c.program_id).label(
                "enrolled"
            ),
        )
        .outerjoin(Program, Program.id == page.c.program_id)
        .order_by(page.c.title, page.c.id)
    )


class CatalogueCard(NamedTuple):
    """A course's card in the catalogue."""

    id: int
    program_id: int | None
    slug: str
    title: str
    summary: str
    jp: int
    cover_key: str | None
    status: CourseStatus
    updated_at: datetime
    total: int
    program_code: str | None
    open_enrolment: bool
    enrolled: bool
    lessons: int


_LESSON_COUNTS_STMT = (
    select(Module.course_id, func.count(Lesson.id))
    .join(Lesson, Lesson.module_id == Module.id)
    .where(Module.course_id.in_(bindparam("ids", expanding=True)), Module.published.is_(True))
    .group_by(Module.course_id)
)
# Lessons in published modules by (course id, updated_at): the stamp moves with every change of
# the course's modules and lessons (see lms.courses.models.touch_courses). Bounded.
_LESSON_COUNTS: dict[tuple, int] = {}
LESSON_COUNTS_MAX = 4096


def _lesson_counts(rows) -> dict[int, int]:
    """The number of lessons in published modules of each course row (id, updated_at): cached
    per process and course version; the missing ones in one query."""
    counts: dict[int, int] = {}
    missing: dict[int, tuple] = {}
    for row in rows:
        key = (row.id, row.updated_at)
        n = _LESSON_COUNTS.get(key)
        if n is None:
            missing[row.id] = key
        else:
            counts[row.id] = n
    if missing:
        found = dict(_read(_LESSON_COUNTS_STMT, {"ids": list(missing)}).all())
        if len(_LESSON_COUNTS) + len(missing) > LESSON_COUNTS_MAX:
            _LESSON_COUNTS.clear()
        for course_id, key in missing.items():
            counts[course_id] = _LESSON_COUNTS[key] = found.get(course_id, 0)
    return counts


@dataclass
class CataloguePage(PagerNavigation):
    """A page of the catalogue (``items``: :class:`CatalogueCard`). Has the attributes of
    Flask-SQLAlchemy's ``Pagination`` that the ``pager`` macro reads."""

    items: list[CatalogueCard]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.total else 0


def catalogue_page(
    user: User,
    q: str | None = None,
    program_id: int | None = None,
    jp_band: str | None = None,
    open_only: bool = False,
    page: int = 1,
    per_page: int = 25,
    today: date | None = None,
) -> CataloguePage:
    """A page of the courses ``user`` may find in the catalogue (published ones; authors also
    see drafts) matching a search, a program, a JP band and "self-enrolment open", by title,
    with each card's facts: one query whatever the number of courses, lessons or learners (plus
    one for the lesson counts of courses not seen in this version yet, and one to count the
    matches when asked for a page past the last)."""
    today = today or local_today(getattr(user, "timezone", None))
    search = bool(q and q.strip())
    band = jp_band if jp_band in JP_BANDS else None
    stmt = _catalogue_stmt(permissions.can_author(user), search, bool(program_id), band, open_only)
    page = max(page, 1)
    params = {"user_id": user.id, "today": today, "limit": per_page, "offset": (page - 1) * per_page}
    if search:
        params["like"] = f"%{q.strip().lower()}%"
    if program_id:
        params["program_id"] = program_id
    rows = _read(stmt, params).all()
    counts = _lesson_counts(rows)
    items = [
        CatalogueCard(*row[:-2], bool(row.open_enrolment), bool(row.enrolled), counts[row.id]) for row in rows
    ]
    if items:
        total = items[0].total
    elif page == 1:
        total = 0
    else:  # past the last page: the first row counts the matches (the page shows none)
        first = _read(stmt, params | {"limit": 1, "offset": 0}).first()
        total = first.total if first is not None else 0
    return CataloguePage(items=items, page=page, per_page=per_page, total=total)


_COURSE_BY_SLUG_STMT = (
    select(Course)
    .where(Course.slug == bindparam("slug"))
    .options(joinedload(Course.program), defer(Course.description_md))
)


def course_by_slug(slug: str) -> Course | None:
    """A course by its slug, with its program."""
    return db.session.scalar(_COURSE_BY_SLUG_STMT, {"slug": slug})


def _viewer_columns(course_id_col, program_id_col) -> list:
    """Columns that tell, for the viewer (bound parameter ``user_id``), whether an enrolment
    covers the course (the rule of permissions.is_enrolled) and their completion of it: read
    with the course's row by the two hottest pages instead of in two more queries. The
    statement must outer-join CourseCompletion on (course, viewer)."""
    return [
        bindparam("user_id").label("viewer_id"),
        permissions.enrolled_in_course_clause(bindparam("user_id"), course_id_col, program_id_col).label(
            "viewer_enrolled"
        ),
        CourseCompletion.id.label("viewer_completion_id"),
        CourseCompletion.completed_at.label("viewer_completed_at"),
    ]


def _viewer_completion_join():
    return and_(CourseCompletion.course_id == Course.id, CourseCompletion.user_id == bindparam("user_id"))


_COURSE_PAGE_STMT = (
    select(
        Course.id,
        Course.program_id,
        Course.title,
        Course.slug,
        Course.summary,
        Course.description_html,
        Course.jp,
        Course.cover_key,
        Course.status,
        Course.sequential,
        Course.updated_at,
        Program.name.label("program_name"),
        *_viewer_columns(Course.id, Course.program_id),
    )
    .outerjoin(Program, Program.id == Course.program_id)
    .outerjoin(CourseCompletion, _viewer_completion_join())
    .where(Course.slug == bindparam("slug"))
)


def course_page_by_slug(slug: str, viewer: User) -> Row | None:
    """What a course's page shows of the course and its program's name, as one plain row with
    the course's attribute names (the page only reads it), with the viewer's enrolment and
    completion (see :func:`_viewer_columns`)."""
    return _read(_COURSE_PAGE_STMT, {"slug": slug, "user_id": viewer.id}).first()


def open_angkatan_for(course: Course, today: date | None = None) -> list[Angkatan]:
    """Angkatan that take self-enrolment for this course now, soonest first (one query)."""
    today = today or local_today()
    cover = Angkatan.course_id == course.id
    if course.program_id is not None:
        cover = or_(cover, Angkatan.program_id == course.program_id)
    return list(
        db.session.scalars(
            select(Angkatan)
            .where(
                cover,
                Angkatan.enrolment_open.is_(True),
                or_(Angkatan.end_date.is_(None), Angkatan.end_date >= today),
            )
            .order_by(Angkatan.start_date.is_(None), Angkatan.start_date, Angkatan.id)
            .limit(20)
        )
    )


# --- progress, outline and gating ------------------------------------------------------------


@dataclass
class OutlineLesson:
    """A lesson in a learner's outline, with their tick, whether they opened it, and for the
    lesson they opened last (the outline's ``resume``) when that was."""

    lesson: LessonRef
    done: bool = False
    viewed: bool = False
    viewed_at: datetime | None = None


class OutlineModule:
    """A module in a learner's outline: its progress, whether it is open, and its lessons with
    the learner's ticks (built on first use: a page lists the lessons of one module at most, and
    100 tick objects cost more than the rest of the outline)."""

    __slots__ = ("module", "done", "total", "open", "_refs", "_progress", "_lessons")

    def __init__(
        self, module: ModuleRef, refs: tuple[LessonRef, ...] = (), progress: LearnerProgress | None = None
    ):
        self.module = module
        self.done = 0
        self.total = 0
        self.open = True
        self._refs = refs
        self._progress = progress or LearnerProgress(frozenset(), frozenset(), None, None)
        self._lessons: list[OutlineLesson] | None = None

    @property
    def lessons(self) -> list[OutlineLesson]:
        if self._lessons is None:
            p = self._progress
            self._lessons = [
                OutlineLesson(
                    ref, ref.id in p.done, ref.id in p.viewed, p.resume_at if ref.id == p.resume_id else None
                )
                for ref in self._refs
            ]
        return self._lessons

    def lesson(self, lesson_id: int) -> OutlineLesson:
        """The tick of one of the module's lessons."""
        return next(ol for ol in self.lessons if ol.lesson.id == lesson_id)

    @property
    def complete(self) -> bool:
        return self.done >= self.total

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 100.0


class _ByLesson:
    """``outline.by_lesson[lesson_id]`` -> (module, tick), found through the course shape's
    index without building every module's ticks."""

    __slots__ = ("_modules", "_index")

    def __init__(self, modules: list[OutlineModule], index: dict[int, int]):
        self._modules = modules
        self._index = index

    def __getitem__(self, lesson_id: int) -> tuple[OutlineModule, OutlineLesson]:
        om = self._modules[self._index[lesson_id]]
        return om, om.lesson(lesson_id)

    def __contains__(self, lesson_id: int) -> bool:
        return lesson_id in self._index

    def get(self, lesson_id: int, default=None):
        return self[lesson_id] if lesson_id in self._index else default


@dataclass
class Outline:
    """A course as one learner sees it: modules, ticks, progress, where to go next."""

    course: Course
    modules: list[OutlineModule]
    done: int
    total: int
    completion: Row | None  # (id, completed_at) of the learner's completion
    resume: LessonRef | None
    next_lesson: LessonRef | None
    by_lesson: _ByLesson
    order: tuple[LessonRef, ...]

    @property
    def percent(self) -> float:
        if self.completion is not None:
            return 100.0
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def current_module(self) -> OutlineModule | None:
        """The module the learner is in: that of the next lesson to do, else of the lesson last
        opened, else the first (the course page shows its lessons; the others are one tap away)."""
        for lesson in (self.next_lesson, self.resume):
            if lesson is not None:
                return self.by_lesson[lesson.id][0]
        return self.modules[0] if self.modules else None

    def neighbours(self, lesson: Lesson | LessonRef) -> tuple[LessonRef | None, LessonRef | None]:
        """(previous, next) lessons in reading order."""
        ids = [x.id for x in self.order]
        i = ids.index(lesson.id)
        return (self.order[i - 1] if i > 0 else None, self.order[i + 1] if i + 1 < len(ids) else None)


class ModuleRef(NamedTuple):
    """What an outline knows of a module."""

    id: int
    title: str
    summary: str
    published: bool


class LessonRef(NamedTuple):
    """What an outline (and a learner's card) knows of a lesson: enough to link to it and label
    it; the lesson page loads the rest."""

    id: int
    module_id: int
    title: str
    kind: LessonKind
    required: bool = True
    duration_minutes: int | None = None


# The statements read on every visit of a course page or a lesson are built once, with bound
# parameters: building a select and deriving its cache key cost more than running it on a small
# table (about 0.1-0.25 ms a statement here), and the hot pages run several.
class LearnerProgress(NamedTuple):
    """A learner's progress in a course: the lessons done, the lessons opened, and the lesson
    opened last with when."""

    done: frozenset[int]
    viewed: frozenset[int]
    resume_id: int | None
    resume_at: datetime | None


def _progress_stmt(published_only: bool) -> Select:
    """The learner's progress in a course's (published) modules as ONE row: the ids of the
    lessons done and of those opened (comma-separated), and the lesson opened last with its
    time. A row per lesson cost three times more to read than the query itself. The learner's
    rows are joined to the course once, as a CTE that the aggregates and the "opened last"
    lookups share (three copies of the join took PostgreSQL three times as long to plan, and
    made its cached generic plan look dearer than planning each run)."""
    rows = (
        select(
            LessonProgress.id,
            LessonProgress.lesson_id,
            LessonProgress.completed_at,
            LessonProgress.last_viewed_at,
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonProgress.user_id == bindparam("user_id"), Module.course_id == bindparam("course_id"))
    )
    if published_only:
        rows = rows.where(Module.published.is_(True))
    mine = rows.cte("my_progress")
    last = (mine.c.last_viewed_at.desc(), mine.c.id.desc())
    lesson_id = mine.c.lesson_id.cast(String)
    return select(
        func.aggregate_strings(case((mine.c.completed_at.is_not(None), lesson_id)), ","),
        func.aggregate_strings(lesson_id, ","),
        select(mine.c.lesson_id).order_by(*last).limit(1).scalar_subquery(),
        select(mine.c.last_viewed_at).order_by(*last).limit(1).scalar_subquery(),
    ).select_from(mine)


_PROGRESS_STMTS = {True: _progress_stmt(True), False: _progress_stmt(False)}


def _ids(text: str | None) -> frozenset[int]:
    return frozenset(map(int, text.split(","))) if text else frozenset()


def _outline_stmt(published_only: bool, many: bool = False) -> Select:
    stmt = (
        select(
            Module.id.label("module_id"),
            Module.title.label("module_title"),
            Module.summary,
            Module.published,
            Lesson.id,
            Lesson.title,
            Lesson.kind,
            Lesson.required,
            Lesson.duration_minutes,
        )
        .outerjoin(Lesson, Lesson.module_id == Module.id)
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    )
    if many:  # several courses (my learning), course by course
        stmt = (
            stmt.add_columns(Module.course_id)
            .where(Module.course_id.in_(bindparam("course_ids", expanding=True)))
            .order_by(None)
            .order_by(Module.course_id, Module.position, Module.id, Lesson.position, Lesson.id)
        )
    else:
        stmt = stmt.where(Module.course_id == bindparam("course_id"))
    return stmt.where(Module.published.is_(True)) if published_only else stmt


_OUTLINE_STMTS = {True: _outline_stmt(True), False: _outline_stmt(False)}
_OUTLINE_MANY_STMT = _outline_stmt(True, many=True)
_COMPLETION_STMT = select(CourseCompletion.id, CourseCompletion.completed_at).where(
    CourseCompletion.user_id == bindparam("user_id"), CourseCompletion.course_id == bindparam("course_id")
)


def _progress(user_id: int, course_id: int, published_only: bool = True) -> LearnerProgress:
    """The learner's progress in a course (one row, see :func:`_progress_stmt`)."""
    done, viewed, resume_id, resume_at = _read(
        _PROGRESS_STMTS[published_only], {"user_id": user_id, "course_id": course_id}
    ).one()
    return LearnerProgress(_ids(done), _ids(viewed), resume_id, resume_at)


def _gate(modules: list[OutlineModule], sequential: bool) -> None:
    """Sequential courses: a module opens when every module before it is done."""
    previous_done = True
    for om in modules:
        om.open = previous_done or not sequential
        previous_done = previous_done and om.complete


class CompletionRef(NamedTuple):
    """A learner's completion of a course, as the outline shows it."""

    id: int
    completed_at: datetime


class CourseShape(NamedTuple):
    """A course's outline as every learner sees it (no progress): its modules, each with its
    lessons, and the lessons in reading order. Shared by every request of a process, so
    immutable (tuples of tuples)."""

    modules: tuple[tuple[ModuleRef, tuple[LessonRef, ...]], ...]
    order: tuple[LessonRef, ...]
    index: dict[int, int]  # lesson id -> position of its module in ``modules``
    required: tuple[frozenset[int], ...]  # each module's required lesson ids
    lessons: dict[int, LessonRef]  # by id


# Course shapes by (course id, updated_at, published only): the stamp moves whenever a module or
# lesson of the course changes (see lms.courses.models.touch_courses), so an entry is never
# stale; old stamps simply stop being asked for. Bounded: the oldest entries go first.
_SHAPES: dict[tuple, CourseShape] = {}
SHAPES_MAX = 256


def course_shape(course: Course, include_unpublished: bool = False) -> CourseShape:
    """The course's modules and lessons (read once per process and course version)."""
    key = (course.id, course.updated_at, not include_unpublished)
    shape = _SHAPES.get(key)
    if shape is not None:
        return shape
    rows = _read(_OUTLINE_STMTS[not include_unpublished], {"course_id": course.id})
    return _store_shape(key, rows)


def _store_shape(key: tuple, rows) -> CourseShape:
    """Build a course's shape from its outline rows (modules in order, each with its lessons in
    order; a module without lessons has one row of NULL lesson columns) and cache it."""
    modules: list[tuple[ModuleRef, list[LessonRef]]] = []
    current: ModuleRef | None = None
    lessons: list[LessonRef] = []
    for row in rows:
        if current is None or current.id != row.module_id:
            current = ModuleRef(row.module_id, row.module_title, row.summary, row.published)
            lessons = []
            modules.append((current, lessons))
        if row.id is not None:
            lessons.append(
                LessonRef(row.id, row.module_id, row.title, row.kind, row.required, row.duration_minutes)
            )
    order = tuple(lesson for _module, items in modules for lesson in items)
    shape = CourseShape(
        modules=tuple((module, tuple(items)) for module, items in modules),
        order=order,
        index={lesson.id: i for i, (_module, items) in enumerate(modules) for lesson in items},
        required=tuple(frozenset(le.id for le in items if le.required) for _module, items in modules),
        lessons={lesson.id: lesson for lesson in order},
    )
    return remember(_SHAPES, key, shape, SHAPES_MAX)


def course_shapes(courses) -> dict[int, CourseShape]:
    """The shapes (published modules only) of several courses by id: the cached ones, and the
    others read together in one query."""
    shapes: dict[int, CourseShape] = {}
    missing = {}
    for course in courses:
        shape = _SHAPES.get((course.id, course.updated_at, True))
        if shape is None:
            missing[course.id] = course
        else:
            shapes[course.id] = shape
    if len(missing) == 1:
        course = next(iter(missing.values()))
        shapes[course.id] = course_shape(course)
    elif missing:
        rows: dict[int, list[Row]] = {course_id: [] for course_id in missing}
        for row in _read(_OUTLINE_MANY_STMT, {"course_ids": list(missing)}):
            rows[row.course_id].append(row)
        for course_id, course in missing.items():
            shapes[course_id] = _store_shape((course.id, course.updated_at, True), rows[course_id])
    return shapes


def clear_course_caches() -> None:
    """Forget every cached course shape and lesson count (tests measure the cold path)."""
    _SHAPES.clear()
    _LESSON_COUNTS.clear()


def course_outline(course: Course, user: User, include_unpublished: bool = False) -> Outline:
    """The learner's outline of ``course``: a fixed number of queries whatever its size.

    ``include_unpublished`` shows unpublished modules too (an admin's preview). The course's
    modules and lessons come from :func:`course_shape` (small read-only tuples, read once per
    process and course version: a 100-lesson course is listed on every visit of its page and of
    each of its lessons); this adds the learner's ticks, progress, gating and completion.
    """
    shape = course_shape(course, include_unpublished)
    progress = _progress(user.id, course.id, not include_unpublished)
    if getattr(course, "viewer_id", None) == user.id:  # read with the course's row
        completion = (
            CompletionRef(course.viewer_completion_id, course.viewer_completed_at)
            if course.viewer_completion_id is not None
            else None
        )
    else:
        completion = _read(_COMPLETION_STMT, {"user_id": user.id, "course_id": course.id}).first()
    done_ids = progress.done
    resume = shape.lessons.get(progress.resume_id) if progress.resume_id is not None else None
    outline_modules: list[OutlineModule] = []
    done = total = 0
    for (module, lessons), required in zip(shape.modules, shape.required, strict=True):
        om = OutlineModule(module, lessons, progress)
        if module.published or include_unpublished:
            om.total = len(required)
            om.done = len(required & done_ids) if done_ids else 0
        outline_modules.append(om)
        if module.published:
            done, total = done + om.done, total + om.total
    _gate(outline_modules, course.sequential)
    extra_done, extra_total = requirements_progress(user.id, course)
    next_lesson = next(
        (le for om in outline_modules if om.open for le in om._refs if le.id not in done_ids),
        None,
    )
    return Outline(
        course=course,
        modules=outline_modules,
        done=done + extra_done,
        total=total + extra_total,
        completion=completion,
        resume=resume,
        next_lesson=next_lesson,
        by_lesson=_ByLesson(outline_modules, shape.index),
        order=shape.order,
    )


_LESSON_PAGE_STMT = (
    select(Lesson)
    .where(Lesson.id == bindparam("lesson_id"))
    .options(
        # The lesson's pages show the course's title, never its description or program.
        joinedload(Lesson.module)
        .joinedload(Module.course)
        .options(defer(Course.description_md), defer(Course.description_html)),
        joinedload(Lesson.attachments),
    )
)


def lesson_for_page(lesson_id: int) -> Lesson | None:
    """A lesson with its module, course and attachments (one query: a lesson has few
    attachments, so joining them costs less than a second round trip)."""
    return db.session.scalars(_LESSON_PAGE_STMT, {"lesson_id": lesson_id}).unique().one_or_none()


class PageCourse(NamedTuple):
    """What the lesson page reads of the lesson's course."""

    id: int
    program_id: int | None
    slug: str
    title: str
    status: CourseStatus
    sequential: bool
    jp: int
    updated_at: datetime
    viewer_id: int | None
    viewer_enrolled: bool
    viewer_completion_id: int | None
    viewer_completed_at: datetime | None


class PageModule(NamedTuple):
    """What the lesson page reads of the lesson's module (with its course)."""

    id: int
    title: str
    published: bool
    course: PageCourse


class PageAttachment(NamedTuple):
    id: int
    name: str
    size: int


class PageLesson(NamedTuple):
    """A lesson as its page shows it: read-only, with its module, course and attachments. The
    permission rules read it as they read a ``Lesson`` (``lesson.module.course``)."""

    id: int
    title: str
    kind: LessonKind
    body_html: str
    video_url: str | None
    link_url: str | None
    file_key: str | None
    file_name: str | None
    file_size: int | None
    required: bool
    duration_minutes: int | None
    module: PageModule
    attachments: tuple[PageAttachment, ...]


_PAGE_LESSON_STMT = (
    select(
        Lesson.id,
        Lesson.title,
        Lesson.kind,
        Lesson.body_html,
        Lesson.video_url,
        Lesson.link_url,
        Lesson.file_key,
        Lesson.file_name,
        Lesson.file_size,
        Lesson.required,
        Lesson.duration_minutes,
        Module.id,
        Module.title,
        Module.published,
        Course.id,
        Course.program_id,
        Course.slug,
        Course.title,
        Course.status,
        Course.sequential,
        Course.jp,
        Course.updated_at,
        *_viewer_columns(Course.id, Course.program_id),
        LessonAttachment.id,
        LessonAttachment.name,
        LessonAttachment.size,
    )
    .join(Module, Module.id == Lesson.module_id)
    .join(Course, Course.id == Module.course_id)
    .outerjoin(CourseCompletion, _viewer_completion_join())
    .outerjoin(LessonAttachment, LessonAttachment.lesson_id == Lesson.id)
    .where(Lesson.id == bindparam("lesson_id"))
    .order_by(LessonAttachment.position, LessonAttachment.id)
)


def page_lesson(lesson_id: int, viewer: User) -> PageLesson | None:
    """A lesson with its module, course and attachments as plain read-only tuples, in one
    query (the lesson page is the most visited page; loading ORM objects for it costs more than
    the query). Writes go through the ``Lesson`` itself (``db.session.get``)."""
    rows = _read(_PAGE_LESSON_STMT, {"lesson_id": lesson_id, "user_id": viewer.id}).all()
    if not rows:
        return None
    row = tuple(rows[0])
    course = PageCourse(*row[14:22], row[22], bool(row[23]), row[24], row[25])
    attachments = tuple(PageAttachment(*r[26:29]) for r in rows if r[26] is not None)
    return PageLesson(*row[:11], PageModule(*row[11:14], course), attachments)


def module_lessons(module: Module) -> list[Lesson]:
    """A module's lessons with their bodies and attachments, for the offline download (two
    queries, not one more per lesson for its attachments)."""
    return list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.module_id == module.id)
            .order_by(Lesson.position, Lesson.id)
            .options(selectinload(Lesson.attachments))
        )
    )


def _progress_row(user: User, lesson: Lesson, at: datetime, complete: bool) -> tuple[LessonProgress, bool]:
    """Get or create the progress row: (row, created). Two tabs opening a lesson at once do not
    collide: the loser of the insert race reads the winner's row."""
    row = db.session.scalar(
        select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                first_viewed_at=at,
                last_viewed_at=at,
                completed_at=at if complete else None,
            )
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(
            select(LessonProgress).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
            )
        )
        return row, False
    return row, True


def _touch(user: User, lesson: Lesson, at: datetime, complete: bool) -> LessonProgress:
    """Record a visit (and completion when asked); check the course when a lesson got done."""
    row, created = _progress_row(user, lesson, at, complete)
    newly_done = created and complete
    if not created:
        row.last_viewed_at = at
        if complete and row.completed_at is None:
            row.completed_at = at
            newly_done = True
    db.session.flush()
    if newly_done:
        check_completion(user, lesson.module.course, at=at)
    return row


# A lesson opened again within this time of its last recorded view is not written again.
VIEW_REFRESH = timedelta(minutes=5)


def view_needs_recording(outline: Outline, lesson: Lesson, at: datetime | None = None) -> bool:
    """Whether opening ``lesson`` now must write (call :func:`record_view`), judged from the
    learner's ``outline`` (read moments ago): on the first visit; while a text lesson is not yet
    done (reading completes it, once); when another lesson was opened since (so that "continue
    where you left off" points here); and when the last recorded view is older than
    :data:`VIEW_REFRESH`. Otherwise (reloads, a lesson read again a minute later) the visit is
    already on record and the page is read-only, so it needs no write lock at all.
    """
    _module_state, state = outline.by_lesson[lesson.id]
    if not state.viewed:
        return True
    if lesson.kind == LessonKind.TEXT and not state.done:
        return True
    if outline.resume is None or outline.resume.id != lesson.id:
        return True
    return (at or utcnow()) - state.viewed_at >= VIEW_REFRESH


def record_view(user: User, lesson: Lesson, at: datetime | None = None) -> LessonProgress:
    """A learner opened a lesson: remember it (for "resume") and, for a text lesson, mark it
    done, since reading is what completes it. Returns the progress row."""
    return _touch(user, lesson, at or utcnow(), complete=lesson.kind == LessonKind.TEXT)


def mark_lesson_done(user: User, lesson: Lesson, at: datetime | None = None) -> LessonProgress:
    """A learner says they watched the video, read the file or visited the link."""
    return _touch(user, lesson, at or utcnow(), complete=True)


def lesson_state(outline: Outline, lesson: Lesson) -> tuple[OutlineModule, OutlineLesson]:
    """The lesson's module and tick inside an outline."""
    return outline.by_lesson[lesson.id]


# --- completion and JP -----------------------------------------------------------------------

CompletionRequirement = Callable[[int, Course], tuple[int, int]]
_completion_requirements: list[CompletionRequirement] = []


def register_completion_requirement(fn: CompletionRequirement) -> CompletionRequirement:
    """Add a requirement to course completion (quizzes registers "required quizzes").

    ``fn(user_id, course) -> (done, total)`` must run a bounded number of queries. Registering
    the same function twice (several apps in one process) keeps it once.
    """
    if fn not in _completion_requirements:
        _completion_requirements.append(fn)
    return fn


def unregister_completion_requirement(fn: CompletionRequirement) -> None:
    """Remove a requirement (tests)."""
    if fn in _completion_requirements:
        _completion_requirements.remove(fn)


def requirements_progress(user_id: int, course: Course) -> tuple[int, int]:
    """Sum of (done, total) over the registered requirements."""
    done = total = 0
    for fn in _completion_requirements:
        d, t = fn(user_id, course)
        done, total = done + min(d, t), total + t
    return done, total


def required_lessons_progress(user_id: int, course: Course) -> tuple[int, int]:
    """(done, total) of required lessons in published modules: one query."""
    row = db.session.execute(
        select(func.count(Lesson.id), func.count(LessonProgress.completed_at))
        .select_from(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id),
        )
        .where(Module.course_id == course.id, Module.published.is_(True), Lesson.required.is_(True))
    ).one()
    return int(row[1] or 0), int(row[0] or 0)


def is_course_complete(user: User, course: Course) -> bool:
    """Every required lesson done and every registered requirement met (and something to do)."""
    done, total = required_lessons_progress(user.id, course)
    if done < total:
        return False
    extra_done, extra_total = requirements_progress(user.id, course)
    return extra_done >= extra_total and total + extra_total > 0


def credit_jp(
    user: User, source: JpSource, source_id: int, title: str, jp: int, at: datetime | None = None
) -> bool:
    """Write one line of the JP ledger, once. Returns False when it was already there.

    The unique constraint (user, source, source_id) decides under concurrency; the insert runs in
    a savepoint so a lost race leaves the caller's transaction usable.
    """
    at = at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(
                JpRecord(
                    user_id=user.id,
                    source=source,
                    source_id=source_id,
                    title=title[:255],
                    jp=jp,
                    year=local_year(at, user.timezone),
                    earned_at=at,
                )
            )
    except IntegrityError:
        return False
    return True


def check_completion(user: User, course: Course, at: datetime | None = None) -> bool:
    """Is ``user`` done with ``course``? When complete and not yet recorded, record the completion
    (once) and credit the course's JP (once) for the calendar year in the learner's time zone.

    Safe to call after every lesson, quiz or import: never records twice, also when two requests
    race (the unique constraints decide; savepoints keep the transaction usable).
    """
    existing = db.session.scalar(
        select(CourseCompletion.id).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )
    if existing is not None:
        return True
    if course.status == CourseStatus.DRAFT or not is_course_complete(user, course):
        return False
    at = at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(CourseCompletion(user_id=user.id, course_id=course.id, completed_at=at))
    except IntegrityError:
        return True  # another request recorded it first (and credits the JP)
    if course.jp > 0:
        credit_jp(user, JpSource.COURSE, course.id, course.title, course.jp, at)
    _complete_course_enrolments(user, course, at)
    db.session.flush()
    return True


def _complete_course_enrolments(user: User, course: Course, at: datetime) -> None:
    """An angkatan that runs just this course is finished when the course is."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(
            Enrolment.user_id == user.id,
            Angkatan.course_id == course.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    for enrolment in enrolments:
        change_enrolment_status(enrolment, EnrolmentStatus.COMPLETED, at=at)


_JP_TOTAL_STMT = select(func.coalesce(func.sum(JpRecord.jp), 0)).where(
    JpRecord.user_id == bindparam("user_id"), JpRecord.year == bindparam("year")
)


def jp_total(user: User, year: int) -> int:
    """JP a person earned in a calendar year (all sources)."""
    return int(_read(_JP_TOTAL_STMT, {"user_id": user.id, "year": year}).scalar() or 0)


def completion_of(user: User, course: Course) -> CourseCompletion | None:
    """The recorded completion, if any."""
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )


# --- "Pembelajaran Saya" ---------------------------------------------------------------------


class MyAngkatan(NamedTuple):
    """What a card shows of the angkatan that gives the learner the course."""

    name: str
    end_date: date | None


@dataclass
class MyCourse:
    """One card on the learner's home (``course``: a row with the course's id, program_id,
    title, slug, jp and updated_at)."""

    course: Row
    angkatan: MyAngkatan
    done: int
    total: int
    completed_at: datetime | None
    jp_year: int | None
    next_lesson: LessonRef | None
    resume: LessonRef | None

    @property
    def percent(self) -> float:
        if self.completed_at is not None:
            return 100.0
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def deadline(self) -> date | None:
        return self.angkatan.end_date


def _people(*relationships):
    """Load the users of an enrolment in the same query, without their roles (a list of
    enrolments has no use for them, and would pay one more query per kind of person)."""
    return [joinedload(rel).lazyload(User.role_rows) for rel in relationships]


def enrolments_of(user: User, statuses: Iterable[EnrolmentStatus] = permissions.ACCESS_STATUSES) -> list:
    """The user's enrolments (active and completed by default), with angkatan, program, course,
    mentor and coach loaded; newest first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.status.in_(list(statuses)))
            .options(
                joinedload(Enrolment.angkatan).joinedload(Angkatan.program),
                joinedload(Enrolment.angkatan).joinedload(Angkatan.course),
                *_people(Enrolment.mentor, Enrolment.coach),
            )
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        )
    )


def learner_courses(user: User) -> list[Course]:
    """Published courses ``user`` may open as a learner (see :func:`permissions.learner_courses`)."""
    return list(db.session.scalars(permissions.learner_courses(user)))


def _my_progress(column):
    """A scalar subquery on the learner's progress rows in the enclosing query's course (its
    published modules): see _MY_COURSES_STMT."""
    return (
        select(column)
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(
            LessonProgress.user_id == bindparam("user_id"),
            Module.course_id == Course.id,
            Module.published.is_(True),
        )
    )


# Built once, with bound parameters (see _PROGRESS_STMTS). The learner's courses, each with the
# angkatan of every enrolment that covers it (directly or through the course's program; the
# oldest enrolment first, it names the card's angkatan), the learner's completion, and their
# progress as in _progress_stmt (the ids of the lessons done; the lesson opened last).
_MY_COURSES_STMT = (
    select(
        Course.id,
        Course.program_id,
        Course.title,
        Course.slug,
        Course.jp,
        Course.updated_at,
        CourseCompletion.completed_at,
        Angkatan.name.label("angkatan_name"),
        Angkatan.end_date.label("angkatan_end_date"),
        # The page's JP of the year, read along (the same on every row).
        select(func.coalesce(func.sum(JpRecord.jp), 0))
        .where(JpRecord.user_id == bindparam("user_id"), JpRecord.year == bindparam("year"))
        .scalar_subquery()
        .label("jp_year_total"),
        _my_progress(
            func.aggregate_strings(
                case((LessonProgress.completed_at.is_not(None), LessonProgress.lesson_id.cast(String))), ","
            )
        )
        .scalar_subquery()
        .label("done_ids"),
        _my_progress(LessonProgress.lesson_id)
        .order_by(LessonProgress.last_viewed_at.desc(), LessonProgress.id.desc())
        .limit(1)
        .scalar_subquery()
        .label("resume_id"),
    )
    .select_from(Enrolment)
    .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
    .join(
        Course,
        or_(
            Course.id == Angkatan.course_id,
            and_(Course.program_id.is_not(None), Course.program_id == Angkatan.program_id),
        ),
    )
    .outerjoin(
        CourseCompletion,
        and_(CourseCompletion.course_id == Course.id, CourseCompletion.user_id == bindparam("user_id")),
    )
    .where(
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.status.in_(permissions.ACCESS_STATUSES),
        Course.status == CourseStatus.PUBLISHED,
    )
    .order_by(Course.title, Course.id, Enrolment.id)
)


def my_learning(user: User) -> list[MyCourse]:
    """The learner's courses with progress, next lesson, resume point and deadline."""
    return my_learning_page(user, local_today(user.timezone).year)[0]


def my_learning_page(user: User, year: int) -> tuple[list[MyCourse], int]:
    """The learner's courses with progress, next lesson, resume point and deadline, and the JP
    they earned in ``year`` (see :func:`jp_total`).

    One query for the lot (the courses with their angkatan, the learner's completion and
    progress, and the year's JP), the courses' modules and lessons from :func:`course_shapes`
    (cached per process), plus the registered requirements per course. A learner without
    courses: one query for the JP instead.
    """
    courses: list[Row] = []
    for row in _read(_MY_COURSES_STMT, {"user_id": user.id, "year": year}):
        if not courses or courses[-1].id != row.id:  # the oldest enrolment names the angkatan
            courses.append(row)
    if not courses:
        return [], jp_total(user, year)
    shapes = course_shapes(courses)
    result = []
    for course in courses:
        shape = shapes[course.id]
        done_ids = _ids(course.done_ids)
        required = [le for le in shape.order if le.required]
        done = sum(1 for le in required if le.id in done_ids)
        extra_done, extra_total = requirements_progress(user.id, course)
        # The first lesson not done is always in an open module, also in a sequential course:
        # every lesson before it, hence every module before its own, is done.
        next_lesson = next((le for le in shape.order if le.id not in done_ids), None)
        resume = shape.lessons.get(course.resume_id) if course.resume_id is not None else None
        completed_at = course.completed_at
        result.append(
            MyCourse(
                course=course,
                angkatan=MyAngkatan(course.angkatan_name, course.angkatan_end_date),
                done=done + extra_done,
                total=len(required) + extra_total,
                completed_at=completed_at,
                jp_year=local_year(completed_at, user.timezone) if completed_at else None,
                next_lesson=next_lesson,
                resume=resume,
            )
        )
    return result, int(courses[0].jp_year_total or 0)


# --- angkatan --------------------------------------------------------------------------------


@dataclass
class AngkatanData:
    """What an admin gives for an angkatan. Exactly one of program_id and course_id."""

    name: str
    program_id: int | None = None
    course_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    enrolment_open: bool = False
    capacity: int | None = None


def _validate_angkatan(data: AngkatanData) -> None:
    if not (data.name or "").strip():
        raise CourseError(_("Nama angkatan wajib diisi."))
    if bool(data.program_id) == bool(data.course_id):
        raise CourseError(_("Pilih satu program atau satu kursus yang dijalankan angkatan ini."))
    if data.program_id and db.session.get(Program, data.program_id) is None:
        raise CourseError(_("Program tidak ditemukan."))
    if data.course_id and db.session.get(Course, data.course_id) is None:
        raise CourseError(_("Kursus tidak ditemukan."))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise CourseError(_("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    if data.capacity is not None and data.capacity <= 0:
        raise CourseError(_("Kapasitas harus lebih dari nol (kosongkan bila tanpa batas)."))


def _apply_angkatan(angkatan: Angkatan, data: AngkatanData) -> None:
    angkatan.name = data.name.strip()[:200]
    angkatan.program_id = data.program_id or None
    angkatan.course_id = data.course_id or None
    angkatan.start_date = data.start_date
    angkatan.end_date = data.end_date
    angkatan.enrolment_open = bool(data.enrolment_open)
    angkatan.capacity = data.capacity


def create_angkatan(data: AngkatanData) -> Angkatan:
    """Create an angkatan that runs a program or a single course."""
    _validate_angkatan(data)
    angkatan = Angkatan()
    _apply_angkatan(angkatan, data)
    db.session.add(angkatan)
    db.session.flush()
    return angkatan


def update_angkatan(angkatan: Angkatan, data: AngkatanData, expected_version: int | None) -> None:
    """Change an angkatan; a stale form is refused."""
    _check_version(angkatan, expected_version)
    _validate_angkatan(data)
    if (
        data.capacity is not None
        and angkatan.capacity != data.capacity
        and _seat_count(angkatan) > data.capacity
    ):
        raise CourseError(_("Kapasitas lebih kecil dari jumlah peserta yang sudah terdaftar."))
    _apply_angkatan(angkatan, data)
    db.session.flush()


def admin_angkatan_query(q: str | None = None) -> Select:
    """Angkatan for the admin list, newest first, with search (see :func:`participant_counts`)."""
    stmt = (
        select(Angkatan)
        .options(joinedload(Angkatan.program), joinedload(Angkatan.course))
        .order_by(Angkatan.start_date.desc().nulls_last(), Angkatan.id.desc())
    )
    if q and q.strip():
        stmt = stmt.where(func.lower(Angkatan.name).like(f"%{q.strip().lower()}%"))
    return stmt


def participant_counts(angkatan_ids: list[int]) -> dict[int, int]:
    """Active and completed participants per angkatan, for a page of angkatan (one query)."""
    if not angkatan_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.angkatan_id, func.count(Enrolment.id))
        .where(Enrolment.angkatan_id.in_(angkatan_ids), Enrolment.status.in_(permissions.ACCESS_STATUSES))
        .group_by(Enrolment.angkatan_id)
    )
    return dict(rows.all())


def courses_for_angkatan_choice() -> list[Course]:
    """Courses an angkatan can run (not archived), by title."""
    return list(
        db.session.scalars(
            select(Course).where(Course.status != CourseStatus.ARCHIVED).order_by(Course.title, Course.id)
        )
    )


def angkatan_courses(angkatan: Angkatan) -> list[Course]:
    """The courses an angkatan runs: its course, or its program's courses."""
    if angkatan.course_id:
        return [angkatan.course] if angkatan.course else []
    return list(
        db.session.scalars(
            select(Course).where(Course.program_id == angkatan.program_id).order_by(Course.title, Course.id)
        )
    )


def enrolments_query(angkatan: Angkatan, q: str | None = None) -> Select:
    """An angkatan's participants (with user, mentor and coach) by NDH, with search."""
    stmt = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.angkatan_id == angkatan.id)
        .options(
            contains_eager(Enrolment.user).lazyload(User.role_rows),
            *_people(Enrolment.mentor, Enrolment.coach),
        )
        .order_by(Enrolment.ndh.is_(None), Enrolment.ndh, User.full_name, Enrolment.id)
    )
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.full_name).like(like), User.nip.like(f"%{nip_rules.normalize(q)}%"))
        )
    return stmt


def completed_user_ids(course_ids: list[int], user_ids: list[int]) -> set[tuple[int, int]]:
    """(user_id, course_id) pairs with a recorded completion (for a page of participants)."""
    if not course_ids or not user_ids:
        return set()
    return set(
        db.session.execute(
            select(CourseCompletion.user_id, CourseCompletion.course_id).where(
                CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(user_ids)
            )
        ).tuples()
    )


# --- enrolments ------------------------------------------------------------------------------

# The enrolment life cycle: ONE table, ONE function that moves state.
ENROLMENT_TRANSITIONS: dict[EnrolmentStatus, set[EnrolmentStatus]] = {
    EnrolmentStatus.ACTIVE: {EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN},
    EnrolmentStatus.WITHDRAWN: {EnrolmentStatus.ACTIVE},
    EnrolmentStatus.COMPLETED: {EnrolmentStatus.ACTIVE},
}


def change_enrolment_status(
    enrolment: Enrolment, to: EnrolmentStatus | str, at: datetime | None = None
) -> None:
    """Complete, withdraw or reactivate an enrolment (completed implies completed_at)."""
    to = EnrolmentStatus(to)
    if to == enrolment.status:
        return
    if to not in ENROLMENT_TRANSITIONS[enrolment.status]:
        raise WorkflowError(_("Status pendaftaran tidak dapat diubah ke %(to)s.", to=to.value))
    enrolment.status = to
    enrolment.completed_at = (at or utcnow()) if to == EnrolmentStatus.COMPLETED else None
    db.session.flush()


def _seat_count(angkatan: Angkatan) -> int:
    return int(
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.angkatan_id == angkatan.id,
                Enrolment.status.in_(permissions.ACCESS_STATUSES),
            )
        )
        or 0
    )


def _lock_angkatan(angkatan: Angkatan) -> None:
    """Serialise enrolments into one angkatan (capacity, NDH). SQLite's IMMEDIATE transactions
    already serialise writers; PostgreSQL takes a row lock."""
    db.session.execute(select(Angkatan.id).where(Angkatan.id == angkatan.id).with_for_update())


def _next_ndh(angkatan: Angkatan) -> int:
    current = db.session.scalar(select(func.max(Enrolment.ndh)).where(Enrolment.angkatan_id == angkatan.id))
    return (current or 0) + 1


def _check_helpers(user: User, mentor: User | None, coach: User | None) -> None:
    if mentor is not None:
        if mentor.id == user.id:
            raise CourseError(_("Seseorang tidak dapat menjadi mentor bagi dirinya sendiri."))
        if not mentor.has_role(Role.MENTOR):
            raise CourseError(
                _("%(name)s belum memiliki peran mentor. Tambahkan perannya dulu.", name=mentor.full_name)
            )
    if coach is not None:
        if coach.id == user.id:
            raise CourseError(_("Seseorang tidak dapat menjadi coach bagi dirinya sendiri."))
        if not coach.has_role(Role.COACH):
            raise CourseError(
                _("%(name)s belum memiliki peran coach. Tambahkan perannya dulu.", name=coach.full_name)
            )


def _check_ndh(angkatan: Angkatan, ndh: int | None, exclude_enrolment_id: int | None = None) -> None:
    if ndh is None:
        return
    if ndh <= 0:
        raise CourseError(_("NDH harus bilangan bulat positif."))
    stmt = select(User.full_name).join(Enrolment, Enrolment.user_id == User.id)
    stmt = stmt.where(Enrolment.angkatan_id == angkatan.id, Enrolment.ndh == ndh)
    if exclude_enrolment_id is not None:
        stmt = stmt.where(Enrolment.id != exclude_enrolment_id)
    holder = db.session.scalar(stmt)
    if holder is not None:
        raise CourseError(_("NDH %(ndh)s sudah dipakai %(name)s.", ndh=ndh, name=holder))


def find_person(login: str | None) -> User | None:
    """A user by NIP (with or without spaces), username or email."""
    login = (login or "").strip()
    if not login:
        return None
    return account_services.find_by_login(nip_rules.normalize(login)) or account_services.find_by_login(login)


def enrol(
    angkatan: Angkatan,
    user: User,
    ndh: int | None = None,
    mentor: User | None = None,
    coach: User | None = None,
    via: EnrolmentVia = EnrolmentVia.ADMIN,
    surat_tugas: Upload | None = None,
) -> Enrolment:
    """Enrol a participant (an admin's action). A withdrawn participant is reactivated.

    Checks capacity, NDH, and that nobody is their own mentor or coach. NDH defaults to the next
    free number.
    """
    _lock_angkatan(angkatan)
    _check_helpers(user, mentor, coach)
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.angkatan_id == angkatan.id, Enrolment.user_id == user.id)
    )
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise CourseError(_("%(name)s sudah terdaftar di angkatan ini.", name=user.full_name))
    if angkatan.capacity is not None and _seat_count(angkatan) >= angkatan.capacity:
        raise CourseError(_("Angkatan sudah penuh (kapasitas %(n)s peserta).", n=angkatan.capacity))
    _check_ndh(angkatan, ndh, existing.id if existing else None)
    stored = _store(surat_tugas, storage.DOCUMENT_KINDS) if surat_tugas is not None else None
    if existing is not None:
        enrolment = existing
        change_enrolment_status(enrolment, EnrolmentStatus.ACTIVE)
        enrolment.ndh = ndh or enrolment.ndh or _next_ndh(angkatan)
    else:
        enrolment = Enrolment(angkatan=angkatan, user=user, ndh=ndh or _next_ndh(angkatan), via=via)
        db.session.add(enrolment)
    enrolment.mentor, enrolment.coach = mentor, coach
    if stored is not None:
        enrolment.surat_tugas_key, enrolment.surat_tugas_name = (
            stored.key,
            clean_filename(surat_tugas.filename),
        )
    db.session.flush()
    return enrolment


def self_enrol(
    angkatan: Angkatan, user: User, surat_tugas: Upload | None = None, today: date | None = None
) -> Enrolment:
    """A participant enrols themself where the angkatan allows it (open, not ended, seats left,
    and its content published)."""
    today = today or local_today(user.timezone)
    if not angkatan.enrolment_open:
        raise CourseError(_("Pendaftaran mandiri untuk angkatan ini ditutup."))
    if angkatan.end_date is not None and angkatan.end_date < today:
        raise CourseError(_("Angkatan ini sudah berakhir."))
    if angkatan.course_id is not None and (
        angkatan.course is None or angkatan.course.status != CourseStatus.PUBLISHED
    ):
        raise CourseError(_("Kursus ini belum dibuka."))
    return enrol(angkatan, user, via=EnrolmentVia.SELF, surat_tugas=surat_tugas)


def update_enrolment(enrolment: Enrolment, ndh: int | None, mentor: User | None, coach: User | None) -> None:
    """Change a participant's NDH, mentor and coach."""
    _check_helpers(enrolment.user, mentor, coach)
    _check_ndh(enrolment.angkatan, ndh, enrolment.id)
    enrolment.ndh = ndh
    enrolment.mentor, enrolment.coach = mentor, coach
    db.session.flush()


def set_surat_tugas(enrolment: Enrolment, upload: Upload) -> list[str]:
    """Attach (or replace) the participant's surat tugas; returns the old file to discard."""
    stored = _store(upload, storage.DOCUMENT_KINDS)
    old = [enrolment.surat_tugas_key] if enrolment.surat_tugas_key else []
    enrolment.surat_tugas_key, enrolment.surat_tugas_name = stored.key, clean_filename(upload.filename)
    db.session.flush()
    return old


def _helpers_query(column, person: User) -> Select:
    return (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(column == person.id, Enrolment.status.in_(permissions.ACCESS_STATUSES))
        .options(
            contains_eager(Enrolment.user).lazyload(User.role_rows),
            joinedload(Enrolment.angkatan).joinedload(Angkatan.program),
            joinedload(Enrolment.angkatan).joinedload(Angkatan.course),
        )
        .order_by(Enrolment.angkatan_id.desc(), Enrolment.ndh, User.full_name)
    )


def mentees_query(mentor: User) -> Select:
    """Enrolments whose mentor is ``mentor`` (active and completed), for a paginated list."""
    return _helpers_query(Enrolment.mentor_id, mentor)


def coachees_query(coach: User) -> Select:
    """Enrolments whose coach is ``coach`` (active and completed), for a paginated list."""
    return _helpers_query(Enrolment.coach_id, coach)


def mentees_of(mentor: User) -> list[Enrolment]:
    """The participants ``mentor`` mentors, as enrolments with user and angkatan loaded."""
    return list(db.session.scalars(mentees_query(mentor)))


def coachees_of(coach: User) -> list[Enrolment]:
    """The participants ``coach`` coaches, as enrolments with user and angkatan loaded."""
    return list(db.session.scalars(coachees_query(coach)))


# --- enrolment CSV ---------------------------------------------------------------------------

ENROLMENT_CSV_COLUMNS = ["nip", "ndh", "mentor_nip", "coach_nip"]


@dataclass
class EnrolmentImportResult:
    """What an enrolment import did."""

    created: int = 0
    updated: int = 0


@dataclass
class _EnrolRow:
    line: int
    user: User
    ndh: int | None
    mentor: User | None
    coach: User | None


def _read_csv(text: str):
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def import_enrolments_csv(angkatan: Angkatan, text: str, filename: str = "CSV") -> EnrolmentImportResult:
    """Enrol participants from CSV (``nip,ndh`` and optional ``mentor_nip,coach_nip``).

    Every line is checked first; with any bad line (an unknown NIP, a repeated NDH, someone as
    their own mentor...) nothing is imported and :class:`ImportRejected` names each line.
    A participant already in the angkatan gets the NDH, mentor and coach from the file.
    """
    reader = _read_csv(text)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "nip" not in header:
        raise ImportRejected(
            [
                LineError(
                    1,
                    _(
                        "Kolom nip tidak ada. Kolom yang dikenal: %(cols)s.",
                        cols=", ".join(ENROLMENT_CSV_COLUMNS),
                    ),
                    filename,
                )
            ]
        )
    reader.fieldnames = header
    raw_rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        raw_rows.append(
            (reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)})
        )
    # One query for every person named in the file.
    nips = set()
    for _line, row in raw_rows:
        for col in ("nip", "mentor_nip", "coach_nip"):
            if row.get(col):
                nips.add(nip_rules.normalize(row[col]))
    people = {u.nip: u for u in db.session.scalars(select(User).where(User.nip.in_(nips)))} if nips else {}
    existing = {
        e.user_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.angkatan_id == angkatan.id))
    }
    errors: list[LineError] = []
    rows: list[_EnrolRow] = []
    seen_user: dict[int, int] = {}
    seen_ndh: dict[int, int] = {}

    def person(raw: str | None, line: int, what: str) -> tuple[bool, User | None]:
        if not raw:
            return True, None
        found = people.get(nip_rules.normalize(raw))
        if found is None:
            errors.append(
                LineError(
                    line, _("%(what)s dengan NIP %(nip)s tidak ditemukan.", what=what, nip=raw), filename
                )
            )
            return False, None
        return True, found

    for line, row in raw_rows:
        if not row.get("nip"):
            errors.append(LineError(line, _("NIP peserta kosong."), filename))
            continue
        ok_user, user = person(row.get("nip"), line, _("Peserta"))
        ok_mentor, mentor = person(row.get("mentor_nip"), line, _("Mentor"))
        ok_coach, coach = person(row.get("coach_nip"), line, _("Coach"))
        if not (ok_user and ok_mentor and ok_coach):
            continue
        if user.id in seen_user:
            errors.append(
                LineError(
                    line, _("NIP ini sudah muncul di baris %(other)s.", other=seen_user[user.id]), filename
                )
            )
            continue
        seen_user[user.id] = line
        ndh = None
        if row.get("ndh"):
            try:
                ndh = int(row["ndh"])
                if ndh <= 0:
                    raise ValueError
            except ValueError:
                errors.append(
                    LineError(line, _("NDH %(v)s bukan bilangan bulat positif.", v=row["ndh"]), filename)
                )
                continue
        try:
            _check_helpers(user, mentor, coach)
        except CourseError as exc:
            errors.append(LineError(line, exc.message, filename))
            continue
        if ndh is not None and ndh in seen_ndh:
            errors.append(
                LineError(
                    line,
                    _("NDH %(ndh)s sudah muncul di baris %(other)s.", ndh=ndh, other=seen_ndh[ndh]),
                    filename,
                )
            )
            continue
        if ndh is not None:
            seen_ndh[ndh] = line
        rows.append(_EnrolRow(line, user, ndh, mentor, coach))
    # NDH held by someone the file does not mention.
    in_file = {r.user.id for r in rows}
    held = {e.ndh: e for e in existing.values() if e.ndh is not None and e.user_id not in in_file}
    for r in rows:
        if r.ndh is not None and r.ndh in held:
            errors.append(
                LineError(
                    r.line, _("NDH %(ndh)s sudah dipakai peserta lain di angkatan ini.", ndh=r.ndh), filename
                )
            )
    if angkatan.capacity is not None:
        seats = sum(1 for e in existing.values() if e.status in permissions.ACCESS_STATUSES)
        for r in rows:
            current = existing.get(r.user.id)
            if current is None or current.status == EnrolmentStatus.WITHDRAWN:
                seats += 1
                if seats > angkatan.capacity:
                    errors.append(
                        LineError(
                            r.line,
                            _("Angkatan penuh (kapasitas %(n)s peserta).", n=angkatan.capacity),
                            filename,
                        )
                    )
                    break
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    if not rows:
        raise ImportRejected([LineError(1, _("Berkas tidak berisi baris data."), filename)])
    _lock_angkatan(angkatan)
    result = EnrolmentImportResult()
    # Free the NDH the file reassigns first, so swapping two numbers does not collide.
    for r in rows:
        current = existing.get(r.user.id)
        if current is not None and r.ndh is not None and current.ndh != r.ndh:
            current.ndh = None
    db.session.flush()
    next_ndh = max([e.ndh or 0 for e in existing.values()] + [r.ndh or 0 for r in rows]) + 1
    for r in rows:
        current = existing.get(r.user.id)
        if current is None:
            ndh = r.ndh
            if ndh is None:
                ndh, next_ndh = next_ndh, next_ndh + 1
            db.session.add(
                Enrolment(
                    angkatan=angkatan,
                    user=r.user,
                    ndh=ndh,
                    mentor=r.mentor,
                    coach=r.coach,
                    via=EnrolmentVia.CSV,
                )
            )
            result.created += 1
        else:
            if current.status == EnrolmentStatus.WITHDRAWN:
                change_enrolment_status(current, EnrolmentStatus.ACTIVE)
            if r.ndh is not None:
                current.ndh = r.ndh
            elif current.ndh is None:
                current.ndh, next_ndh = next_ndh, next_ndh + 1
            current.mentor, current.coach = r.mentor, r.coach
            result.updated += 1
    db.session.flush()
    return result
