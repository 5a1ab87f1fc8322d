"""Blueprint "course_admin": authoring for admins (penyelenggara). Programs, courses, modules and
lessons with a Markdown preview that needs no JavaScript, reordering by buttons, attachments,
publishing, package import/export, angkatan and their participants (one by one or by CSV).

Every page answers 404 to anyone who is not an admin.
"""

from __future__ import annotations

import io
from collections import Counter
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses import packages, permissions, services
from lms.courses.forms import (
    COURSE_STATUS_LABELS,
    PROGRAM_KIND_LABELS,
    AdminCourseSearchForm,
    AngkatanForm,
    AttachmentForm,
    ConfirmForm,
    CourseForm,
    EnrolCsvForm,
    EnrolForm,
    EnrolmentForm,
    LessonForm,
    ModuleForm,
    MoveForm,
    PackageImportForm,
    ProgramForm,
    SimpleSearchForm,
    StatusForm,
    options,
)
from lms.courses.models import (
    Angkatan,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonAttachment,
    Module,
    Program,
)
from lms.errors import DomainError, ImportRejected, StaleEdit
from lms.extensions import db
from lms.markdown import MarkdownTooLong
from lms.storage import UploadRejected

bp = Blueprint("course_admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Role gate: only admins author; everyone else gets 404 (the page does not exist for them).

    The same gate as ``lms.accounts.admin_views.admin_required``; kept here because a feature may
    not import another feature's views (tests/test_architecture.py)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_author(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


# --- helpers -------------------------------------------------------------------------------------


def _upload(field) -> services.Upload | None:
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return services.Upload(data.stream, data.filename)


def _version(form) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except (TypeError, ValueError):
        return None


def _show_error(form, exc: DomainError, markdown_field=None, file_field=None) -> None:
    """Put a service's message next to the field it concerns, else at the top of the form."""
    db.session.rollback()
    if isinstance(exc, MarkdownTooLong) and markdown_field is not None:
        markdown_field.errors = [*markdown_field.errors, exc.message]
    elif isinstance(exc, UploadRejected) and file_field is not None:
        file_field.errors = [*file_field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    form._stale = getattr(form, "_stale", False) or isinstance(exc, StaleEdit)


def _status(form) -> int:
    if request.method != "POST":
        return 200
    return 409 if getattr(form, "_stale", False) else 400


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _program_choices(form) -> None:
    form.program_id.choices = options(
        [(None, _("Tanpa program (kursus mandiri)"))]
        + [(p.id, f"{p.code} · {p.name}") for p in services.all_programs()]
    )


def _course_data(form: CourseForm) -> services.CourseData:
    return services.CourseData(
        title=form.title.data or "",
        slug=form.slug.data,
        summary=form.summary.data or "",
        description_md=form.description_md.data or "",
        jp=form.jp.data or 0,
        program_id=form.program_id.data,
        sequential=bool(form.sequential.data),
    )


def _lesson_data(form: LessonForm) -> services.LessonData:
    return services.LessonData(
        title=form.title.data or "",
        kind=form.kind.data,
        body_md=form.body_md.data or "",
        video_url=form.video_url.data,
        link_url=form.link_url.data,
        required=bool(form.required.data),
        duration_minutes=form.duration_minutes.data,
    )


def _with_cap(field) -> None:
    """Tell courses.js the Markdown size limit, for its live character count."""
    field.render_kw = {**(field.render_kw or {}), "data-maxlength": current_app.config["MARKDOWN_MAX_CHARS"]}


def _preview(form, field):
    html, error = services.preview_markdown(field.data)
    if error:
        field.errors = [*field.errors, error]
    return html


def _course_of(course_id: int) -> Course:
    course = services.course_for_authoring(course_id)
    if course is None:
        abort(404)
    return course


# --- courses -------------------------------------------------------------------------------------


@bp.get("/kursus/")
@admin_required
def courses():
    """All courses, drafts included, with search and a status filter."""
    form = AdminCourseSearchForm(request.args)
    stmt = services.admin_courses_query(form.q.data, form.status.data or None)
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("course_admin/courses.html", form=form, page=page, labels=COURSE_STATUS_LABELS)


@bp.route("/kursus/baru", methods=["GET", "POST"])
@admin_required
def course_new():
    """Create a draft course."""
    form = CourseForm()
    _program_choices(form)
    _with_cap(form.description_md)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = _preview(form, form.description_md)
        else:
            try:
                course = services.create_course(_course_data(form), cover=_upload(form.cover))
            except DomainError as exc:
                _show_error(form, exc, form.description_md, form.cover)
            else:
                db.session.commit()
                flash(_("Kursus dibuat sebagai draf. Tambahkan modul dan pelajaran."), "success")
                return redirect(url_for("course_admin.course_edit", course_id=course.id))
    status = 200 if preview is not None and not form.errors else _status(form)
    return render_template("course_admin/course_form.html", form=form, course=None, preview=preview), status


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
        if form.preview.data:
            preview = _preview(form, form.description_md)
        else:
            try:
                old = services.update_course(
                    course, _course_data(form), _version(form), cover=_upload(form.cover)
                )
            except DomainError as exc:
                _show_error(form, exc, form.description_md, form.cover)
                course = _course_of(course_id)
            else:
                db.session.commit()
                services.discard_files(old)
                flash(_("Perubahan kursus disimpan."), "success")
                return redirect(url_for("course_admin.course_edit", course_id=course.id))
    status = 200 if preview is not None and not form.errors else _status(form)
    return (
        render_template(
            "course_admin/course_edit.html",
            course=course,
            form=form,
            preview=preview,
            move_form=MoveForm(),
            status_form=StatusForm(),
            confirm_form=ConfirmForm(),
            labels=COURSE_STATUS_LABELS,
            transitions=services.COURSE_TRANSITIONS[course.status],
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
    try:
        services.change_course_status(course, form.status.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        messages = {
            CourseStatus.PUBLISHED: _("Kursus diterbitkan. Peserta yang terdaftar kini dapat membukanya."),
            CourseStatus.DRAFT: _("Kursus dikembalikan ke draf. Kemajuan peserta tetap tersimpan."),
            CourseStatus.ARCHIVED: _("Kursus diarsipkan."),
        }
        flash(messages[course.status], "success")
    return redirect(url_for("course_admin.course_edit", course_id=course_id))


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
    return redirect(url_for("course_admin.course_edit", course_id=course_id))


@bp.route("/kursus/<int:course_id>/hapus", methods=["GET", "POST"])
@admin_required
def course_delete(course_id: int):
    """Delete an unused course, after a confirmation page."""
    course = db.get_or_404(Course, course_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            old = services.delete_course(course)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("course_admin.course_edit", course_id=course_id))
        db.session.commit()
        services.discard_files(old)
        flash(_("Kursus dihapus."), "success")
        return redirect(url_for("course_admin.courses"))
    return render_template(
        "course_admin/confirm.html",
        form=form,
        title=_("Hapus kursus"),
        question=_("Hapus kursus %(title)s beserta seluruh modul dan pelajarannya?", title=course.title),
        back=url_for("course_admin.course_edit", course_id=course_id),
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
        return redirect(url_for("course_admin.course_edit", course_id=course_id))
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
        try:
            course = packages.import_course(
                upload.stream,
                services.clean_filename(upload.filename),
                slug=form.slug.data,
                keep_status=bool(form.keep_status.data),
            )
        except ImportRejected as exc:
            db.session.rollback()
            errors = exc.errors
            flash(exc.message, "error")
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Kursus %(title)s diimpor.", title=course.title), "success")
            return redirect(url_for("course_admin.course_edit", course_id=course.id))
    status = 400 if request.method == "POST" else 200
    return render_template("course_admin/import.html", form=form, errors=errors), status


# --- modules -------------------------------------------------------------------------------------


@bp.route("/kursus/<int:course_id>/modul/baru", methods=["GET", "POST"])
@admin_required
def module_new(course_id: int):
    """Add a module at the end of a course."""
    course = db.get_or_404(Course, course_id)
    form = ModuleForm()
    if request.method == "GET":
        form.published.data = course.status == CourseStatus.DRAFT
    if form.validate_on_submit():
        try:
            services.add_module(course, form.title.data, form.summary.data, bool(form.published.data))
        except DomainError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Modul ditambahkan."), "success")
            return redirect(url_for("course_admin.course_edit", course_id=course.id))
    return render_template("course_admin/module_form.html", form=form, course=course, module=None), _status(
        form
    )


@bp.route("/modul/<int:module_id>", methods=["GET", "POST"])
@admin_required
def module_edit(module_id: int):
    """Rename a module, change its summary and its published flag."""
    module = db.get_or_404(Module, module_id)
    form = ModuleForm(obj=module if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(module.version)
    elif form.validate_on_submit():
        try:
            services.update_module(
                module, form.title.data, form.summary.data, bool(form.published.data), _version(form)
            )
        except DomainError as exc:
            _show_error(form, exc)
            module = db.get_or_404(Module, module_id)
        else:
            db.session.commit()
            flash(_("Modul disimpan."), "success")
            return redirect(url_for("course_admin.course_edit", course_id=module.course_id))
    return (
        render_template("course_admin/module_form.html", form=form, course=module.course, module=module),
        _status(form),
    )


@bp.post("/modul/<int:module_id>/pindah")
@admin_required
def module_move(module_id: int):
    """Move a module up or down (a plain form; courses.js does it in place)."""
    module = db.get_or_404(Module, module_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_module(module, -1 if form.direction.data == "up" else +1)
    db.session.commit()
    if _is_fetch():
        return "", 204
    return redirect(
        url_for("course_admin.course_edit", course_id=module.course_id, _anchor=f"modul-{module.id}")
    )


@bp.post("/modul/<int:module_id>/terbit")
@admin_required
def module_toggle(module_id: int):
    """Publish or unpublish a module (learners' progress on it is kept)."""
    module = db.get_or_404(Module, module_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_module_published(module, not module.published)
    db.session.commit()
    flash(_("Modul diterbitkan.") if module.published else _("Modul disembunyikan dari peserta."), "success")
    return redirect(
        url_for("course_admin.course_edit", course_id=module.course_id, _anchor=f"modul-{module.id}")
    )


@bp.route("/modul/<int:module_id>/hapus", methods=["GET", "POST"])
@admin_required
def module_delete(module_id: int):
    """Delete a module and its lessons, after a confirmation page."""
    module = db.get_or_404(Module, module_id)
    course_id = module.course_id
    form = ConfirmForm()
    if form.validate_on_submit():
        old = services.delete_module(module)
        db.session.commit()
        services.discard_files(old)
        flash(_("Modul dihapus."), "success")
        return redirect(url_for("course_admin.course_edit", course_id=course_id))
    return render_template(
        "course_admin/confirm.html",
        form=form,
        title=_("Hapus modul"),
        question=_(
            "Hapus modul %(title)s beserta %(n)s pelajaran dan kemajuan peserta di dalamnya?",
            title=module.title,
            n=len(module.lessons),
        ),
        back=url_for("course_admin.course_edit", course_id=course_id),
    )


# --- lessons -------------------------------------------------------------------------------------


@bp.route("/modul/<int:module_id>/pelajaran/baru", methods=["GET", "POST"])
@admin_required
def lesson_new(module_id: int):
    """Add a lesson; "Pratinjau" re-renders the form with the rendered Markdown."""
    module = db.get_or_404(Module, module_id)
    form = LessonForm()
    _with_cap(form.body_md)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = _preview(form, form.body_md)
        else:
            try:
                lesson = services.add_lesson(module, _lesson_data(form), file=_upload(form.file))
            except DomainError as exc:
                _show_error(form, exc, form.body_md, form.file)
            else:
                db.session.commit()
                flash(_("Pelajaran ditambahkan."), "success")
                return redirect(url_for("course_admin.lesson_edit", lesson_id=lesson.id))
    status = 200 if preview is not None and not form.errors else _status(form)
    return (
        render_template(
            "course_admin/lesson_form.html", form=form, module=module, lesson=None, preview=preview
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
        if form.preview.data:
            preview = _preview(form, form.body_md)
        else:
            try:
                old = services.update_lesson(
                    lesson, _lesson_data(form), _version(form), file=_upload(form.file)
                )
            except DomainError as exc:
                _show_error(form, exc, form.body_md, form.file)
                lesson = db.get_or_404(Lesson, lesson_id)
            else:
                db.session.commit()
                services.discard_files(old)
                flash(_("Pelajaran disimpan."), "success")
                return redirect(url_for("course_admin.lesson_edit", lesson_id=lesson.id))
    status = 200 if preview is not None and not form.errors else _status(form)
    return (
        render_template(
            "course_admin/lesson_form.html",
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
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_lesson(lesson, -1 if form.direction.data == "up" else +1)
    db.session.commit()
    if _is_fetch():
        return "", 204
    return redirect(
        url_for(
            "course_admin.course_edit", course_id=lesson.module.course_id, _anchor=f"pelajaran-{lesson.id}"
        )
    )


@bp.route("/pelajaran/<int:lesson_id>/hapus", methods=["GET", "POST"])
@admin_required
def lesson_delete(lesson_id: int):
    """Delete a lesson, after a confirmation page."""
    lesson = db.get_or_404(Lesson, lesson_id)
    course_id = lesson.module.course_id
    form = ConfirmForm()
    if form.validate_on_submit():
        old = services.delete_lesson(lesson)
        db.session.commit()
        services.discard_files(old)
        flash(_("Pelajaran dihapus."), "success")
        return redirect(url_for("course_admin.course_edit", course_id=course_id))
    return render_template(
        "course_admin/confirm.html",
        form=form,
        title=_("Hapus pelajaran"),
        question=_("Hapus pelajaran %(title)s dan kemajuan peserta padanya?", title=lesson.title),
        back=url_for("course_admin.lesson_edit", lesson_id=lesson.id),
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
        try:
            services.add_attachment(lesson, _upload(form.file))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Lampiran diunggah."), "success")
    return redirect(url_for("course_admin.lesson_edit", lesson_id=lesson_id, _anchor="lampiran"))


@bp.route("/lampiran/<int:attachment_id>/hapus", methods=["GET", "POST"])
@admin_required
def attachment_delete(attachment_id: int):
    """Remove an attachment, after a confirmation page."""
    item = db.get_or_404(LessonAttachment, attachment_id)
    lesson_id = item.lesson_id
    form = ConfirmForm()
    if form.validate_on_submit():
        old = services.delete_attachment(item)
        db.session.commit()
        services.discard_files(old)
        flash(_("Lampiran dihapus."), "success")
        return redirect(url_for("course_admin.lesson_edit", lesson_id=lesson_id, _anchor="lampiran"))
    return render_template(
        "course_admin/confirm.html",
        form=form,
        title=_("Hapus lampiran"),
        question=_("Hapus lampiran %(name)s?", name=item.name),
        back=url_for("course_admin.lesson_edit", lesson_id=lesson_id),
    )


# --- programs ------------------------------------------------------------------------------------


@bp.get("/program/")
@admin_required
def programs():
    """Programs (PKN Tingkat II, PKA, PKP, Latsar CPNS, ...)."""
    page = db.paginate(services.programs_query(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("course_admin/programs.html", page=page, kinds=PROGRAM_KIND_LABELS)


@bp.route("/program/baru", methods=["GET", "POST"])
@bp.route("/program/<int:program_id>", methods=["GET", "POST"])
@admin_required
def program_form(program_id: int | None = None):
    """Create or edit a program."""
    program = db.get_or_404(Program, program_id) if program_id else None
    form = ProgramForm(obj=program if request.method == "GET" else None)
    if request.method == "GET" and program is not None:
        form.kind.data = program.kind.value
        form.version.data = str(program.version)
    if form.validate_on_submit():
        data = services.ProgramData(
            code=form.code.data,
            name=form.name.data,
            kind=form.kind.data,
            jp=form.jp.data or 0,
            description=form.description.data or "",
            project_label=form.project_label.data or "",
        )
        try:
            if program is None:
                program = services.create_program(data)
            else:
                services.update_program(program, data, _version(form))
        except DomainError as exc:
            _show_error(form, exc)
            program = db.session.get(Program, program_id) if program_id else None
        else:
            db.session.commit()
            flash(_("Program disimpan."), "success")
            return redirect(url_for("course_admin.programs"))
    return render_template("course_admin/program_form.html", form=form, program=program), _status(form)


# --- angkatan ------------------------------------------------------------------------------------


def _target_choices(form: AngkatanForm) -> None:
    programs = [(f"program:{p.id}", _("Program: %(name)s", name=p.name)) for p in services.all_programs()]
    courses = [
        (f"course:{c.id}", _("Kursus: %(title)s", title=c.title))
        for c in services.courses_for_angkatan_choice()
    ]
    form.target.choices = options([("", _("Pilih program atau kursus"))] + programs + courses)


def _angkatan_data(form: AngkatanForm) -> services.AngkatanData:
    kind, _sep, raw_id = (form.target.data or "").partition(":")
    target_id = int(raw_id) if raw_id.isdigit() else None
    return services.AngkatanData(
        name=form.name.data or "",
        program_id=target_id if kind == "program" else None,
        course_id=target_id if kind == "course" else None,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        enrolment_open=bool(form.enrolment_open.data),
        capacity=form.capacity.data,
    )


@bp.get("/angkatan/")
@admin_required
def angkatan_list():
    """Angkatan with their number of participants, newest first."""
    form = SimpleSearchForm(request.args)
    page = db.paginate(
        services.admin_angkatan_query(form.q.data), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    counts = services.participant_counts([a.id for a in page.items])
    return render_template("course_admin/angkatan_list.html", form=form, page=page, counts=counts)


@bp.route("/angkatan/baru", methods=["GET", "POST"])
@bp.route("/angkatan/<int:angkatan_id>/ubah", methods=["GET", "POST"])
@admin_required
def angkatan_form(angkatan_id: int | None = None):
    """Create or edit an angkatan."""
    angkatan = db.get_or_404(Angkatan, angkatan_id) if angkatan_id else None
    form = AngkatanForm(obj=angkatan if request.method == "GET" else None)
    _target_choices(form)
    if request.method == "GET" and angkatan is not None:
        form.target.data = (
            f"program:{angkatan.program_id}" if angkatan.program_id else f"course:{angkatan.course_id}"
        )
        form.version.data = str(angkatan.version)
    if form.validate_on_submit():
        try:
            if angkatan is None:
                angkatan = services.create_angkatan(_angkatan_data(form))
            else:
                services.update_angkatan(angkatan, _angkatan_data(form), _version(form))
        except DomainError as exc:
            _show_error(form, exc)
            angkatan = db.session.get(Angkatan, angkatan_id) if angkatan_id else None
        else:
            db.session.commit()
            flash(_("Angkatan disimpan."), "success")
            return redirect(url_for("course_admin.angkatan_detail", angkatan_id=angkatan.id))
    return render_template("course_admin/angkatan_form.html", form=form, angkatan=angkatan), _status(form)


@bp.get("/angkatan/<int:angkatan_id>")
@admin_required
def angkatan_detail(angkatan_id: int):
    """An angkatan's participants (NDH, mentor, coach, completion), paginated, with search."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = SimpleSearchForm(request.args)
    page = db.paginate(
        services.enrolments_query(angkatan, form.q.data),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    courses = services.angkatan_courses(angkatan)
    done = services.completed_user_ids([c.id for c in courses], [e.user_id for e in page.items])
    done_counts = Counter(user_id for user_id, _course_id in done)
    return render_template(
        "course_admin/angkatan_detail.html",
        angkatan=angkatan,
        form=form,
        page=page,
        courses=courses,
        done_counts=done_counts,
        seats=services.participant_counts([angkatan.id]).get(angkatan.id, 0),
    )


def _person(field, required: bool = False):
    """Resolve a NIP/username field; an unknown value becomes a field error."""
    value = (field.data or "").strip()
    if not value:
        if required:
            field.errors = [*field.errors, _("Wajib diisi.")]
        return None, not required
    person = services.find_person(value)
    if person is None:
        field.errors = [*field.errors, _("Tidak ada pengguna dengan NIP atau nama pengguna %(v)s.", v=value)]
        return None, False
    return person, True


@bp.route("/angkatan/<int:angkatan_id>/peserta/baru", methods=["GET", "POST"])
@admin_required
def enrol(angkatan_id: int):
    """Enrol one participant, with NDH, mentor, coach and an optional surat tugas."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = EnrolForm()
    if form.validate_on_submit():
        user, ok_user = _person(form.person, required=True)
        mentor, ok_mentor = _person(form.mentor)
        coach, ok_coach = _person(form.coach)
        if ok_user and ok_mentor and ok_coach:
            try:
                services.enrol(
                    angkatan,
                    user,
                    ndh=form.ndh.data,
                    mentor=mentor,
                    coach=coach,
                    surat_tugas=_upload(form.surat_tugas),
                )
            except DomainError as exc:
                _show_error(form, exc, file_field=form.surat_tugas)
            else:
                db.session.commit()
                flash(_("%(name)s didaftarkan.", name=user.full_name), "success")
                return redirect(url_for("course_admin.angkatan_detail", angkatan_id=angkatan_id))
    return render_template("course_admin/enrol_form.html", form=form, angkatan=angkatan), _status(form)


@bp.route("/angkatan/<int:angkatan_id>/impor", methods=["GET", "POST"])
@admin_required
def enrol_csv(angkatan_id: int):
    """Enrol participants from CSV (nip,ndh[,mentor_nip,coach_nip]); one bad line imports nothing."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = EnrolCsvForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        try:
            result = services.import_enrolments_csv(
                angkatan, text, filename=services.clean_filename(upload.filename)
            )
        except ImportRejected as exc:
            db.session.rollback()
            errors = exc.errors
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _("%(c)s peserta didaftarkan, %(u)s diperbarui.", c=result.created, u=result.updated),
                "success",
            )
            return redirect(url_for("course_admin.angkatan_detail", angkatan_id=angkatan_id))
    status = 400 if request.method == "POST" else 200
    return render_template("course_admin/enrol_csv.html", form=form, angkatan=angkatan, errors=errors), status


@bp.route("/peserta/<int:enrolment_id>", methods=["GET", "POST"])
@admin_required
def enrolment_edit(enrolment_id: int):
    """Change a participant's NDH, mentor and coach, or their surat tugas."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = EnrolmentForm()
    if request.method == "GET":
        form.ndh.data = enrolment.ndh
        form.mentor.data = (enrolment.mentor.nip or enrolment.mentor.username) if enrolment.mentor else ""
        form.coach.data = (enrolment.coach.nip or enrolment.coach.username) if enrolment.coach else ""
    elif form.validate_on_submit():
        mentor, ok_mentor = _person(form.mentor)
        coach, ok_coach = _person(form.coach)
        if ok_mentor and ok_coach:
            try:
                services.update_enrolment(enrolment, form.ndh.data, mentor, coach)
                upload = _upload(form.surat_tugas)
                old = services.set_surat_tugas(enrolment, upload) if upload is not None else []
            except DomainError as exc:
                _show_error(form, exc, file_field=form.surat_tugas)
                enrolment = db.get_or_404(Enrolment, enrolment_id)
            else:
                db.session.commit()
                services.discard_files(old)
                flash(_("Data peserta disimpan."), "success")
                return redirect(url_for("course_admin.angkatan_detail", angkatan_id=enrolment.angkatan_id))
    return (
        render_template(
            "course_admin/enrolment_form.html", form=form, enrolment=enrolment, confirm_form=ConfirmForm()
        ),
        _status(form),
    )


@bp.route("/peserta/<int:enrolment_id>/status", methods=["GET", "POST"])
@admin_required
def enrolment_status(enrolment_id: int):
    """Withdraw a participant (they lose access; their progress is kept) or reactivate them."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    target = (
        EnrolmentStatus.ACTIVE if enrolment.status == EnrolmentStatus.WITHDRAWN else EnrolmentStatus.WITHDRAWN
    )
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.change_enrolment_status(enrolment, target)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Status peserta diperbarui."), "success")
        return redirect(url_for("course_admin.angkatan_detail", angkatan_id=enrolment.angkatan_id))
    question = (
        _(
            "Keluarkan %(name)s dari %(angkatan)s? Kemajuan belajarnya tetap tersimpan.",
            name=enrolment.user.full_name,
            angkatan=enrolment.angkatan.name,
        )
        if target == EnrolmentStatus.WITHDRAWN
        else _(
            "Aktifkan kembali %(name)s di %(angkatan)s?",
            name=enrolment.user.full_name,
            angkatan=enrolment.angkatan.name,
        )
    )
    return render_template(
        "course_admin/confirm.html",
        form=form,
        title=_("Ubah status peserta"),
        question=question,
        back=url_for("course_admin.enrolment_edit", enrolment_id=enrolment_id),
    )
