"""Course admin: programs (list, create, edit)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.courses import services
from lms.courses.admin import bp
from lms.courses.admin.helpers import _run_on_form, _status, _version
from lms.courses.forms import PROGRAM_KIND_LABELS, ProgramForm
from lms.courses.models import Program
from lms.extensions import db
from lms.web import admin_required


@bp.get("/program/")
@admin_required
def programs():
    """Programs (PKN Tingkat II, PKA, PKP, Latsar CPNS, ...)."""
    page = db.paginate(services.programs_query(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("courses/admin/programs.html", page=page, kinds=PROGRAM_KIND_LABELS)


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
        if _run_on_form(
            lambda: (
                services.create_program(data)
                if program is None
                else services.update_program(program, data, _version(form))
            ),
            form,
            success=_("Program disimpan."),
        ):
            return redirect(url_for("courses_admin.programs"))
        program = db.session.get(Program, program_id) if program_id else None
    return render_template("courses/admin/program_form.html", form=form, program=program), _status(form)
