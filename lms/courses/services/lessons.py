"""Lessons and their attachments: add, edit, reorder, delete, and the Markdown preview."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from lms import storage
from lms.courses.models import Lesson, LessonAttachment, LessonKind, Module
from lms.courses.services._common import (
    CourseError,
    _delete,
    _lesson_files,
    _store,
    clean_filename,
    render_body,
)
from lms.courses.services.modules import _move_among, _next_position
from lms.courses.services.urls import valid_link, video_embed
from lms.errors import DomainError, check_version
from lms.extensions import db
from lms.storage import Upload


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
    check_version(lesson.version, expected_version)
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
    return _move_among(lesson, direction, Lesson, Lesson.module_id)


def delete_lesson(lesson: Lesson) -> list[str]:
    """Delete a lesson (its progress rows go with it); returns files to discard."""
    return _delete(lesson, _lesson_files([lesson]))


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
    return _delete(attachment, [attachment.key])


def preview_markdown(source: str | None) -> tuple[str, str | None]:
    """(html, error): the rendered preview, or the reason it cannot be rendered."""
    try:
        return render_body(source), None
    except DomainError as exc:
        return "", exc.message
