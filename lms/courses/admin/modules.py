"""Course admin: a course's modules (add, edit, reorder, publish or hide, delete)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.courses import services
from lms.courses.admin import bp
from lms.courses.admin.helpers import _confirmed_delete, _moved, _run_on_form, _status, _version
from lms.courses.forms import ModuleForm
from lms.courses.models import Course, CourseStatus, Module
from lms.extensions import db
from lms.web import ConfirmForm, admin_required


@bp.route("/kursus/<int:course_id>/modul/baru", methods=["GET", "POST"])
@admin_required
def module_new(course_id: int):
    """Add a module at the end of a course."""
    course = db.get_or_404(Course, course_id)
    form = ModuleForm()
    if request.method == "GET":
        form.published.data = course.status == CourseStatus.DRAFT
    if form.validate_on_submit() and _run_on_form(
        lambda: services.add_module(course, form.title.data, form.summary.data, bool(form.published.data)),
        form,
        success=_("Modul ditambahkan."),
    ):
        return redirect(url_for("courses_admin.course_edit", course_id=course.id))
    return render_template("courses/admin/module_form.html", form=form, course=course, module=None), _status(
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
        if _run_on_form(
            lambda: services.update_module(
                module, form.title.data, form.summary.data, bool(form.published.data), _version(form)
            ),
            form,
            success=_("Modul disimpan."),
        ):
            return redirect(url_for("courses_admin.course_edit", course_id=module.course_id))
        module = db.get_or_404(Module, module_id)
    return (
        render_template("courses/admin/module_form.html", form=form, course=module.course, module=module),
        _status(form),
    )


@bp.post("/modul/<int:module_id>/pindah")
@admin_required
def module_move(module_id: int):
    """Move a module up or down (a plain form; courses.js does it in place)."""
    module = db.get_or_404(Module, module_id)
    return _moved(
        lambda step: services.move_module(module, step),
        url_for("courses_admin.course_edit", course_id=module.course_id, _anchor=f"modul-{module.id}"),
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
        url_for("courses_admin.course_edit", course_id=module.course_id, _anchor=f"modul-{module.id}")
    )


@bp.route("/modul/<int:module_id>/hapus", methods=["GET", "POST"])
@admin_required
def module_delete(module_id: int):
    """Delete a module and its lessons, after a confirmation page."""
    module = db.get_or_404(Module, module_id)
    course_id = module.course_id
    return _confirmed_delete(
        lambda: services.delete_module(module),
        success=_("Modul dihapus."),
        next_url=url_for("courses_admin.course_edit", course_id=course_id),
        title=_("Hapus modul"),
        question=_(
            "Hapus modul %(title)s beserta %(n)s pelajaran dan kemajuan peserta di dalamnya?",
            title=module.title,
            n=len(module.lessons),
        ),
        back=url_for("courses_admin.course_edit", course_id=course_id),
    )
