"""Courses: create and change a course's description and cover, move it through its life cycle
(draft, published, archived), delete an unused one, and the admin's lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms import storage
from lms.courses.models import (
    COURSE_TRANSITIONS,
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Lesson,
    Module,
    Program,
)
from lms.courses.services._common import (
    COVER_MAX_BYTES,
    SLUG_RE,
    CourseError,
    _delete,
    _lesson_files,
    _store,
    render_body,
    slugify,
    unique_slug,
)
from lms.errors import WorkflowError, check_version
from lms.extensions import db
from lms.models_base import targets_from, utcnow
from lms.storage import Upload


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
    check_version(course.version, expected_version)
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


def change_course_status(course: Course, to: CourseStatus | str, at: datetime | None = None) -> None:
    """Publish, unpublish (back to draft) or archive a course.

    Publishing needs at least one published module with a lesson, so learners never open an
    empty course. Unpublishing keeps every learner's progress; it only hides the content.
    """
    to = CourseStatus(to)
    if to == course.status:
        return
    if to not in targets_from(COURSE_TRANSITIONS, course.status):
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
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    return _delete(course, [course.cover_key, *_lesson_files(lessons)])


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
