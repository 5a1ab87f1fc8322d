"""Course admin: the course list, create, edit (details, outline, status), cover, delete, and
package export and import."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from lms.courses import packages, services
from lms.courses.admin import bp
from lms.courses.admin.helpers import (
    _course_data,
    _course_of,
    _editor_status,
    _preview_or_run,
    _program_choices,
    _version,
    _with_cap,
)
from lms.courses.forms import (
    COURSE_STATUS_LABELS,
    AdminCourseSearchForm,
    CourseForm,
    MoveForm,
    PackageImportForm,
    StatusForm,
)
from lms.courses.models import Course, CourseStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.models_base import targets_from
from lms.web import ConfirmForm, admin_required, run_service, upload_of


@bp.get("/kursus/")
@admin_required
def courses():
    """All courses, drafts included, with search and a status filter."""
    form = AdminCourseSearchForm(request.args)
    stmt = services.admin_courses_query(form.q.data, form.status.data or None)
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("courses/admin/courses.html", form=form, page=page, labels=COURSE_STATUS_LABELS)


@bp.route("/kursus/baru", methods=["GET", "POST"])
@admin_required
def course_new():
    """Create a draft course."""
    form = CourseForm()
    _program_choices(form)
    _with_cap(form.description_md)
    preview = None
    if form.validate_on_submit():
        preview, done = _preview_or_run(
            lambda: services.create_course(_course_data(form), cover=upload_of(form.cover)),
            form,
            form.description_md,
            form.cover,
            success=_("Kursus dibuat sebagai draf. Tambahkan modul dan pelajaran."),
        )
        if done:
            return redirect(url_for("courses_admin.course_edit", course_id=done.value.id))
    status = _editor_status(form, preview)
    return render_template("courses/admin/course_form.html", form=form, course=None, preview=preview), status


@bp.route("/kursus/<int:course_id>", methods=["GET", "POST"])
@admin_required
def course_edit(course_id: int):
    """A course's authoring page: its details, its modules and lessons (reorder, publish), status."""
    course = _course_of(course_id)
    form = CourseForm(obj=course if request.method == "GET" else None)
    _program_choices(form)
    _with_cap(form.description_md)
    preview = None
    if request.method == "GET":
        form.version.data = str(course.version)
    elif form.validate_on_submit():
        preview, done = _preview_or_run(
            lambda: services.update_course(
                course, _course_data(form), _version(form), cover=upload_of(form.cover)
            ),
            form,
            form.description_md,
            form.cover,
            success=_("Perubahan kursus disimpan."),
        )
        if done:
            services.discard_files(done.value)
            return redirect(url_for("courses_admin.course_edit", course_id=course.id))
        if done is not None:  # refused: the session was rolled back
            course = _course_of(course_id)
    status = _editor_status(form, preview)
    return (
        render_template(
            "courses/admin/course_edit.html",
            course=course,
            form=form,
            preview=preview,
            move_form=MoveForm(),
            status_form=StatusForm(),
            confirm_form=ConfirmForm(),
            labels=COURSE_STATUS_LABELS,
            transitions=targets_from(services.COURSE_TRANSITIONS, course.status),
        ),
        status,
    )


@bp.post("/kursus/<int:course_id>/status")
@admin_required
def course_status(course_id: int):
    """Publish, unpublish (back to draft) or archive a course."""
    course = db.get_or_404(Course, course_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    if run_service(lambda: services.change_course_status(course, form.status.data)):
        messages = {
            CourseStatus.PUBLISHED: _("Kursus diterbitkan. Peserta yang terdaftar kini dapat membukanya."),
            CourseStatus.DRAFT: _("Kursus dikembalikan ke draf. Kemajuan peserta tetap tersimpan."),
            CourseStatus.ARCHIVED: _("Kursus diarsipkan."),
        }
        flash(messages[course.status], "success")
    return redirect(url_for("courses_admin.course_edit", course_id=course_id))


@bp.post("/kursus/<int:course_id>/sampul/hapus")
@admin_required
def cover_remove(course_id: int):
    """Remove the cover image."""
    course = db.get_or_404(Course, course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    old = services.remove_cover(course)
    db.session.commit()
    services.discard_files(old)
    flash(_("Gambar sampul dihapus."), "success")
    return redirect(url_for("courses_admin.course_edit", course_id=course_id))


@bp.route("/kursus/<int:course_id>/hapus", methods=["GET", "POST"])
@admin_required
def course_delete(course_id: int):
    """Delete an unused course, after a confirmation page."""
    course = db.get_or_404(Course, course_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = run_service(lambda: services.delete_course(course), success=_("Kursus dihapus."))
        if not done:
            return redirect(url_for("courses_admin.course_edit", course_id=course_id))
        services.discard_files(done.value)
        return redirect(url_for("courses_admin.courses"))
    return render_template(
        "courses/admin/confirm.html",
        form=form,
        title=_("Hapus kursus"),
        question=_("Hapus kursus %(title)s beserta seluruh modul dan pelajarannya?", title=course.title),
        back=url_for("courses_admin.course_edit", course_id=course_id),
    )


@bp.get("/kursus/<int:course_id>/ekspor")
@admin_required
def course_export(course_id: int):
    """Download the course as a package (course.yaml, Markdown lessons, attachments)."""
    course = db.get_or_404(Course, course_id)
    buffer = io.BytesIO()
    try:
        packages.export_course(course, buffer)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("courses_admin.course_edit", course_id=course_id))
    buffer.seek(0)
    return send_file(
        buffer, mimetype="application/zip", as_attachment=True, download_name=f"{course.slug}.zip"
    )


@bp.route("/kursus/impor", methods=["GET", "POST"])
@admin_required
def course_import():
    """Upload a course package; it is checked completely and imports nothing on any error."""
    form = PackageImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        # A refused package is flashed with its lines listed; any other refusal goes on the form.
        done = run_service(
            lambda: packages.import_course(
                upload.stream,
                services.clean_filename(upload.filename),
                slug=form.slug.data,
                keep_status=bool(form.keep_status.data),
            ),
            form=form,
        )
        if done:
            course = done.value
            flash(_("Kursus %(title)s diimpor.", title=course.title), "success")
            return redirect(url_for("courses_admin.course_edit", course_id=course.id))
        errors = done.line_errors
    status = 400 if request.method == "POST" else 200
    return render_template("courses/admin/import.html", form=form, errors=errors), status
