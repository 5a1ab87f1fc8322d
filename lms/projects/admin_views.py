"""Blueprint "projects_admin": what the training institution manages about projects: the stage
template and rubrics of each program (data, not code), attitude criteria, due dates per angkatan,
seminar sessions, the overview matrix with CSV export, and the audit log. Admins only (404 for
everyone else)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import timezones
from lms.courses.models import Angkatan, Program
from lms.errors import ImportRejected
from lms.extensions import db
from lms.projects import services
from lms.projects.forms import CriteriaForm, MembersForm, SessionForm, StageForm, with_due_dates
from lms.projects.models import SeminarSession, StageTemplate
from lms.projects.queries import seminars as seminar_queries
from lms.web import ConfirmForm, admin_required, run_service, send_bytes

bp = Blueprint("projects_admin", __name__, url_prefix="/admin/proyek")


def _program_or_404(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None or not program.has_project:
        abort(404)
    return program


def _angkatan_or_404(angkatan_id: int) -> Angkatan:
    angkatan = db.session.get(Angkatan, angkatan_id)
    if angkatan is None or angkatan.program is None or not angkatan.program.has_project:
        abort(404)
    return angkatan


def _overdue_days() -> int:
    return int(current_app.config.get("REVIEW_OVERDUE_DAYS", services.DEFAULT_OVERDUE_DAYS))


@bp.get("/")
@admin_required
def index():
    """Programs with a project and their angkatan."""
    page = db.paginate(services.project_angkatan(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("projects/admin/index.html", programs=services.project_programs(), page=page)


@bp.get("/program/<int:program_id>")
@admin_required
def program(program_id: int):
    """A program's stage template, rubrics and attitude criteria."""
    prog = _program_or_404(program_id)
    return render_template(
        "projects/admin/program.html",
        program=prog,
        stages=services.program_stages(prog),
        attitude=services.attitude_criteria(prog),
        button=ConfirmForm(),
    )


@bp.post("/program/<int:program_id>/bawaan")
@admin_required
def install_defaults(program_id: int):
    """Give the program the default cycle (Rancangan -> ... -> Seminar Akhir)."""
    prog = _program_or_404(program_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.install_default_stages(prog)
    db.session.commit()
    flash(_("Templat tahap bawaan dipasang."), "success")
    return redirect(url_for("projects_admin.program", program_id=prog.id))


def _stage_data(form: StageForm) -> services.StageData:
    return services.StageData(
        code=form.code.data or "",
        name=form.name.data or "",
        position=form.position.data or 0,
        description=form.description.data or "",
        required_documents=form.required_documents.data or "",
        approvers=set(form.approvers.data or []),
        scored=bool(form.scored.data),
        is_seminar=bool(form.is_seminar.data),
    )


@bp.route("/program/<int:program_id>/tahap/baru", methods=["GET", "POST"])
@admin_required
def new_stage(program_id: int):
    """Add a stage to the program's template."""
    prog = _program_or_404(program_id)
    form = StageForm()
    if request.method == "GET":
        form.position.data = len(services.program_stages(prog)) + 1
    if form.validate_on_submit() and run_service(
        lambda: services.create_stage(prog, _stage_data(form), current_user),
        field=form.code,
        success=_("Tahap ditambahkan."),
    ):
        return redirect(url_for("projects_admin.program", program_id=prog.id))
    status = 400 if request.method == "POST" else 200
    return render_template("projects/admin/stage_form.html", form=form, program=prog, stage=None), status


@bp.route("/tahap/<int:stage_id>", methods=["GET", "POST"])
@admin_required
def edit_stage(stage_id: int):
    """Edit a stage: name, documents, approver roles, scored, seminar."""
    stage = db.get_or_404(StageTemplate, stage_id)
    form = StageForm(obj=stage)
    if request.method == "GET":
        form.approvers.data = stage.approver_roles
        form.required_documents.data = stage.required_documents
        form.version.data = stage.version
    if form.validate_on_submit() and run_service(
        lambda: services.update_stage(stage, _stage_data(form), current_user, form.version.data),
        field=form.code,
        success=_("Tahap disimpan."),
    ):
        return redirect(url_for("projects_admin.program", program_id=stage.program_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "projects/admin/stage_form.html", form=form, program=stage.program, stage=stage
    ), status


def _criteria_page(form, title, back, status=200, errors=None):
    return render_template(
        "projects/admin/criteria.html", form=form, title=title, back=back, errors=errors or []
    ), status


def _save_criteria(action, form, title, back, success):
    """Run ``action`` (a rubric or the attitude criteria from the form's text): back to the
    program on success, else the page again with every bad line (or the rule's message)."""
    saved = run_service(action, error_flash=False, success=success)
    if saved:
        return redirect(back)
    if isinstance(saved.error, ImportRejected):
        errors = [str(e) for e in saved.line_errors]
    else:
        errors = [saved.error.message]
    return _criteria_page(form, title, back, 400, errors)


@bp.route("/tahap/<int:stage_id>/rubrik", methods=["GET", "POST"])
@admin_required
def rubric(stage_id: int):
    """Edit a stage's rubric: criteria, weights and score range, one per line."""
    stage = db.get_or_404(StageTemplate, stage_id)
    form = CriteriaForm()
    title = _("Rubrik %(stage)s", stage=stage.name)
    back = url_for("projects_admin.program", program_id=stage.program_id)
    if request.method == "GET":
        form.text.data = services.criteria_text(stage.criteria)
        return _criteria_page(form, title, back)
    if form.validate_on_submit():
        return _save_criteria(
            lambda: services.set_rubric(stage, form.text.data or "", current_user),
            form,
            title,
            back,
            _("Rubrik disimpan."),
        )
    return _criteria_page(form, title, back, 400)


@bp.route("/program/<int:program_id>/sikap", methods=["GET", "POST"])
@admin_required
def attitude_criteria(program_id: int):
    """Edit the program's attitude (sikap dan etika kerja) criteria."""
    prog = _program_or_404(program_id)
    form = CriteriaForm()
    title = _("Kriteria sikap dan etika kerja %(program)s", program=prog.name)
    back = url_for("projects_admin.program", program_id=prog.id)
    if request.method == "GET":
        form.text.data = services.criteria_text(services.attitude_criteria(prog))
        return _criteria_page(form, title, back)
    if form.validate_on_submit():
        return _save_criteria(
            lambda: services.set_attitude_criteria(prog, form.text.data or "", current_user),
            form,
            title,
            back,
            _("Kriteria sikap disimpan."),
        )
    return _criteria_page(form, title, back, 400)


@bp.get("/angkatan/<int:angkatan_id>")
@admin_required
def overview(angkatan_id: int):
    """Participants by stages with states, and overdue counts per reviewer."""
    angkatan = _angkatan_or_404(angkatan_id)
    stages = services.program_stages(angkatan.program)
    page = db.paginate(services.angkatan_enrolments(angkatan), per_page=50, error_out=False)
    cells = services.matrix(angkatan, page.items)
    return render_template(
        "projects/admin/overview.html",
        angkatan=angkatan,
        stages=stages,
        page=page,
        cells=cells,
        dues=services.due_dates(angkatan),
        reviewers=services.overdue_by_reviewer(angkatan, _overdue_days()),
        overdue_days=_overdue_days(),
    )


@bp.get("/angkatan/<int:angkatan_id>/csv")
@admin_required
def overview_csv(angkatan_id: int):
    """The matrix as a CSV file."""
    angkatan = _angkatan_or_404(angkatan_id)
    return send_bytes(services.overview_csv(angkatan), f"proyek-angkatan-{angkatan.id}.csv", "text/csv")


@bp.route("/angkatan/<int:angkatan_id>/jadwal", methods=["GET", "POST"])
@admin_required
def schedule(angkatan_id: int):
    """Due dates of each stage in this angkatan."""
    angkatan = _angkatan_or_404(angkatan_id)
    stages = services.program_stages(angkatan.program)
    form = with_due_dates(stages)()
    if request.method == "GET":
        dues = services.due_dates(angkatan)
        for s in stages:
            getattr(form, f"due_{s.id}").data = dues.get(s.id)
    elif form.validate_on_submit():
        services.set_due_dates(
            angkatan, {s.id: getattr(form, f"due_{s.id}").data for s in stages}, current_user
        )
        db.session.commit()
        flash(_("Jadwal tahap disimpan."), "success")
        return redirect(url_for("projects_admin.overview", angkatan_id=angkatan.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "projects/admin/schedule.html",
        angkatan=angkatan,
        form=form,
        fields=[getattr(form, f"due_{s.id}") for s in stages],
    ), status


@bp.route("/angkatan/<int:angkatan_id>/seminar", methods=["GET", "POST"])
@admin_required
def seminars(angkatan_id: int):
    """Seminar sessions of an angkatan, and a form to schedule one."""
    angkatan = _angkatan_or_404(angkatan_id)
    seminar_stages = [s for s in services.program_stages(angkatan.program) if s.is_seminar]
    form = SessionForm()
    form.stage.choices = [(s.id, s.name) for s in seminar_stages]
    if form.validate_on_submit():
        stage = next(s for s in seminar_stages if s.id == form.stage.data)
        created = run_service(
            lambda: services.create_session(
                angkatan,
                stage,
                form.title.data,
                timezones.to_utc(form.starts_at.data, getattr(current_user, "timezone", None)),
                form.slot_minutes.data,
                form.location.data,
                form.capacity.data,
                current_user,
            ),
            field=form.title,
            success=_("Sesi seminar dijadwalkan. Tetapkan penguji dan peserta."),
        )
        if created:
            return redirect(url_for("projects_admin.session", session_id=created.value.id))
    sessions = seminar_queries.angkatan_sessions(angkatan)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "projects/admin/seminars.html", angkatan=angkatan, form=form, sessions=sessions
    ), status


@bp.route("/seminar/<int:session_id>", methods=["GET", "POST"])
@admin_required
def session(session_id: int):
    """Assign a session's penguji and participants (time slots follow the order)."""
    sess = db.get_or_404(SeminarSession, session_id)
    form = MembersForm()
    examiners = seminar_queries.examiner_choices()
    enrolments = db.session.scalars(services.angkatan_enrolments(sess.angkatan)).unique().all()
    form.examiners.choices = [(u.id, u.full_name) for u in examiners]
    form.participants.choices = [(e.id, f"{e.ndh or '-'}. {e.user.full_name}") for e in enrolments]
    if request.method == "GET":
        form.examiners.data = [e.user_id for e in sess.examiners]
        form.participants.data = [s.enrolment_id for s in sess.slots]
    elif form.validate_on_submit() and run_service(
        lambda: services.set_session_members(sess, form.examiners.data, form.participants.data, current_user),
        field=form.participants,
        success=_("Susunan sesi disimpan."),
    ):
        return redirect(url_for("projects_admin.session", session_id=sess.id))
    status = 400 if request.method == "POST" else 200
    return render_template("projects/admin/session.html", sess=sess, form=form), status


@bp.get("/audit")
@admin_required
def audit():
    """The audit log: every decision, score change and outcome (who, when, old, new)."""
    project_id = request.args.get("proyek", type=int)
    page = db.paginate(
        services.audit_log(project_id=project_id), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template("projects/admin/audit.html", page=page, project_id=project_id)
