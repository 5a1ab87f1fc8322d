"""Course admin: lessons (add, edit with preview, reorder, delete) and their attachments."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.courses import services
from lms.courses.admin import bp
from lms.courses.admin.helpers import (
    _confirmed_delete,
    _editor_status,
    _lesson_data,
    _moved,
    _preview_or_run,
    _version,
    _with_cap,
)
from lms.courses.forms import AttachmentForm, LessonForm
from lms.courses.models import Lesson, LessonAttachment, Module
from lms.extensions import db
from lms.web import admin_required, run_service, upload_of


@bp.route("/modul/<int:module_id>/pelajaran/baru", methods=["GET", "POST"])
@admin_required
def lesson_new(module_id: int):
    """Add a lesson; "Pratinjau" re-renders the form with the rendered Markdown."""
    module = db.get_or_404(Module, module_id)
    form = LessonForm()
    _with_cap(form.body_md)
    preview = None
    if form.validate_on_submit():
        preview, done = _preview_or_run(
            lambda: services.add_lesson(module, _lesson_data(form), file=upload_of(form.file)),
            form,
            form.body_md,
            form.file,
            success=_("Pelajaran ditambahkan."),
        )
        if done:
            return redirect(url_for("courses_admin.lesson_edit", lesson_id=done.value.id))
    status = _editor_status(form, preview)
    return (
        render_template(
            "courses/admin/lesson_form.html", form=form, module=module, lesson=None, preview=preview
        ),
        status,
    )


@bp.route("/pelajaran/<int:lesson_id>", methods=["GET", "POST"])
@admin_required
def lesson_edit(lesson_id: int):
    """Edit a lesson (learners' progress is kept), with preview and attachments."""
    lesson = db.get_or_404(Lesson, lesson_id)
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    _with_cap(form.body_md)
    preview = None
    if request.method == "GET":
        form.kind.data = lesson.kind.value
        form.version.data = str(lesson.version)
    elif form.validate_on_submit():
        preview, done = _preview_or_run(
            lambda: services.update_lesson(
                lesson, _lesson_data(form), _version(form), file=upload_of(form.file)
            ),
            form,
            form.body_md,
            form.file,
            success=_("Pelajaran disimpan."),
        )
        if done:
            services.discard_files(done.value)
            return redirect(url_for("courses_admin.lesson_edit", lesson_id=lesson.id))
        if done is not None:  # refused: the session was rolled back
            lesson = db.get_or_404(Lesson, lesson_id)
    status = _editor_status(form, preview)
    return (
        render_template(
            "courses/admin/lesson_form.html",
            form=form,
            module=lesson.module,
            lesson=lesson,
            preview=preview,
            attachment_form=AttachmentForm(),
        ),
        status,
    )


@bp.post("/pelajaran/<int:lesson_id>/pindah")
@admin_required
def lesson_move(lesson_id: int):
    """Move a lesson up or down inside its module."""
    lesson = db.get_or_404(Lesson, lesson_id)
    return _moved(
        lambda step: services.move_lesson(lesson, step),
        url_for(
            "courses_admin.course_edit", course_id=lesson.module.course_id, _anchor=f"pelajaran-{lesson.id}"
        ),
    )


@bp.route("/pelajaran/<int:lesson_id>/hapus", methods=["GET", "POST"])
@admin_required
def lesson_delete(lesson_id: int):
    """Delete a lesson, after a confirmation page."""
    lesson = db.get_or_404(Lesson, lesson_id)
    course_id = lesson.module.course_id
    return _confirmed_delete(
        lambda: services.delete_lesson(lesson),
        success=_("Pelajaran dihapus."),
        next_url=url_for("courses_admin.course_edit", course_id=course_id),
        title=_("Hapus pelajaran"),
        question=_("Hapus pelajaran %(title)s dan kemajuan peserta padanya?", title=lesson.title),
        back=url_for("courses_admin.lesson_edit", lesson_id=lesson.id),
    )


@bp.post("/pelajaran/<int:lesson_id>/lampiran")
@admin_required
def attachment_add(lesson_id: int):
    """Upload a handout to a lesson."""
    lesson = db.get_or_404(Lesson, lesson_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(_("Pilih berkas lampiran dulu."), "error")
    else:
        run_service(
            lambda: services.add_attachment(lesson, upload_of(form.file)), success=_("Lampiran diunggah.")
        )
    return redirect(url_for("courses_admin.lesson_edit", lesson_id=lesson_id, _anchor="lampiran"))


@bp.route("/lampiran/<int:attachment_id>/hapus", methods=["GET", "POST"])
@admin_required
def attachment_delete(attachment_id: int):
    """Remove an attachment, after a confirmation page."""
    item = db.get_or_404(LessonAttachment, attachment_id)
    lesson_id = item.lesson_id
    return _confirmed_delete(
        lambda: services.delete_attachment(item),
        success=_("Lampiran dihapus."),
        next_url=url_for("courses_admin.lesson_edit", lesson_id=lesson_id, _anchor="lampiran"),
        title=_("Hapus lampiran"),
        question=_("Hapus lampiran %(name)s?", name=item.name),
        back=url_for("courses_admin.lesson_edit", lesson_id=lesson_id),
    )
