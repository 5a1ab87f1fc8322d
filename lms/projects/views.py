"""Blueprint "projects": the participant's side of the proyek perubahan (and what their mentor,
coach and penguji may open): the project, its stages and submissions, files, milestones, the
consultation log, attitude observations, and the catalogue of past projects.

Every view loads, authorises (404 for what the user may not see), calls one service, commits
once, and responds."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses.models import Enrolment
from lms.extensions import db
from lms.projects import permissions, services
from lms.projects.forms import (
    AttitudeForm,
    CatalogueForm,
    ConsultationForm,
    DraftForm,
    EvidenceForm,
    MilestoneForm,
    MilestoneUpdateForm,
    ProjectForm,
    scores_from,
    with_scores,
)
from lms.projects.models import (
    Consultation,
    Milestone,
    MilestoneEvidence,
    Project,
    StageTemplate,
    SubmissionFile,
    SubmissionVersion,
)
from lms.projects.queries import home
from lms.web import ConfirmForm, run_service, send_stored, upload_of, uploads_of, visible_or_404

bp = Blueprint("projects", __name__, url_prefix="/proyek")


@bp.record_once
def _template_globals(state):
    """Labels the templates (and macros imported without context) use."""
    env = state.app.jinja_env.globals
    env["state_label"] = services.state_label
    env["term_labels"] = services.TERM_LABELS
    env["milestone_status_labels"] = services.MILESTONE_STATUS_LABELS
    env["outcome_labels"] = services.OUTCOME_LABELS


def _max_bytes() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"]


def _project_or_404(project_id: int) -> Project:
    return visible_or_404(Project, project_id, permissions.can_view_project)


def _own_project_or_404(project_id: int) -> Project:
    return visible_or_404(Project, project_id, permissions.can_edit_project)


def _owner_posted(is_owner: bool, form, action, *, field, success: str) -> bool:
    """A form only the project's participant posts (404 for anyone else): true once ``action``
    (one service call) ran and committed; a refusal is shown on ``field``."""
    if not is_owner:
        abort(404)
    return bool(form.validate_on_submit() and run_service(action, field=field, success=success))


def _data_from(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        title=form.title.data or "",
        problem_statement=form.problem_statement.data or "",
        unit=form.unit.data or "",
        abstract=form.abstract.data or "",
        keywords=form.keywords.data or "",
    )


@bp.route("/admin/", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/admin/<path:rest>", methods=["GET", "POST"])
def moved_admin(rest: str):
    """The project admin area moved from /proyek/admin/ to /admin/proyek/ (every admin area lives
    under /admin/): old links and bookmarks are sent on, a form's POST included (308)."""
    target = url_for("projects_admin.index") + rest
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, 308)


@bp.get("/")
@login_required
def index():
    """My projects (one per enrolment in a program with a project) and the projects of the
    participants I guide or examine."""
    mine = home.my_enrolments(current_user)
    own_projects = home.projects_by_enrolment(mine)
    guided = None
    if not permissions.is_admin(current_user):
        guided = db.paginate(
            home.guided_projects(current_user), per_page=current_app.config["PER_PAGE"], error_out=False
        )
    return render_template(
        "projects/index.html",
        mine=mine,
        own_projects=own_projects,
        guided=guided,
    )


@bp.route("/mulai/<int:enrolment_id>", methods=["GET", "POST"])
@login_required
def start(enrolment_id: int):
    """Start the project of one of my enrolments."""
    enrolment = visible_or_404(Enrolment, enrolment_id, permissions.can_start_project)
    existing = services.project_of(enrolment)
    if existing is not None:
        return redirect(url_for("projects.detail", project_id=existing.id))
    form = ProjectForm()
    if form.validate_on_submit():
        started = run_service(
            lambda: services.start_project(enrolment, _data_from(form), by=current_user),
            field=form.title,
            success=_("Proyek dibuat. Mulailah dari tahap Rancangan."),
        )
        if started:
            return redirect(url_for("projects.detail", project_id=started.value.id))
    status = 400 if request.method == "POST" else 200
    return render_template("projects/form.html", form=form, enrolment=enrolment, project=None), status


@bp.get("/<int:project_id>")
@login_required
def detail(project_id: int):
    """The project: description, stages with states and due dates, milestones, consultations."""
    project = _project_or_404(project_id)
    return render_template(
        "projects/detail.html",
        project=project,
        stages=services.project_stages(project),
        milestones=services.milestones_of(project),
        is_owner=permissions.is_owner(current_user, project),
        can_observe=permissions.can_observe_attitude(current_user, project.enrolment),
    )


@bp.route("/<int:project_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """Edit the project's description."""
    project = _own_project_or_404(project_id)
    form = ProjectForm(obj=project)
    if request.method == "GET":
        form.version.data = project.version
    if form.validate_on_submit() and run_service(
        lambda: services.update_project(project, _data_from(form), current_user, form.version.data),
        field=form.title,
        success=_("Proyek disimpan."),
    ):
        return redirect(url_for("projects.detail", project_id=project.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "projects/form.html", form=form, enrolment=project.enrolment, project=project
    ), status


def _stage_context(project: Project, stage: StageTemplate):
    rows = services.project_stages(project)
    row = next((r for r in rows if r.stage.id == stage.id), None)
    if row is None:
        abort(404)
    submission = row.submission
    return row, submission


@bp.route("/<int:project_id>/tahap/<int:stage_id>", methods=["GET", "POST"])
@login_required
def stage(project_id: int, stage_id: int):
    """A stage: its state, the draft form (text and files), every submitted version and the
    reviewers' comments. Posting saves the draft or sends it for review."""
    project = _project_or_404(project_id)
    stage_obj = db.session.get(StageTemplate, stage_id)
    if stage_obj is None:
        abort(404)
    row, submission = _stage_context(project, stage_obj)
    is_owner = permissions.is_owner(current_user, project)
    form = DraftForm()
    if request.method == "POST":
        if not is_owner:
            abort(404)
        if form.validate_on_submit():

            def save_and_maybe_send():
                sub = services.submission_for(project, stage_obj, create=True)
                services.save_draft(
                    sub,
                    form.body.data or "",
                    uploads_of(form.files.data),
                    current_user,
                    expected_version=form.version.data,
                    max_bytes=_max_bytes(),
                )
                if form.send.data:
                    services.submit_stage(sub, current_user)

            success = (
                _("Terkirim. Reviewer Anda sudah diberi tahu.") if form.send.data else _("Draf disimpan.")
            )
            if run_service(save_and_maybe_send, field=form.files, success=success):
                return redirect(url_for("projects.stage", project_id=project.id, stage_id=stage_obj.id))
        row, submission = _stage_context(project, stage_obj)
        status = 400
    else:
        status = 200
        if submission is not None:
            form.body.data = submission.draft_md
    if request.method == "GET":
        form.version.data = submission.version if submission else None
    versions = list(reversed(submission.versions)) if submission else []
    return render_template(
        "projects/stage.html",
        project=project,
        row=row,
        stage=stage_obj,
        submission=submission,
        versions=versions,
        reviews=services.reviews_of(submission) if submission else [],
        drafts=services.draft_files(submission) if submission and is_owner else [],
        form=form,
        is_owner=is_owner,
    ), status


@bp.route("/berkas/<int:file_id>/hapus", methods=["GET", "POST"])
@login_required
def remove_file(file_id: int):
    """Confirm, then remove a file from the draft."""
    file = db.session.get(SubmissionFile, file_id)
    if (
        file is None
        or file.version_id is not None
        or not permissions.is_owner(current_user, file.submission.project)
    ):
        abort(404)
    form = ConfirmForm()
    back = url_for("projects.stage", project_id=file.submission.project_id, stage_id=file.submission.stage_id)
    if form.validate_on_submit():
        services.remove_draft_file(file, current_user)
        db.session.commit()
        flash(_("Berkas dihapus dari draf."), "success")
        return redirect(back)
    return render_template("projects/confirm_remove.html", file=file, form=form, back=back)


@bp.get("/berkas/<int:file_id>")
@login_required
def download(file_id: int):
    """Download a submission file as an attachment (permission-checked)."""
    file = visible_or_404(SubmissionFile, file_id, permissions.can_view_file)
    return send_stored(file.storage_key, file.original_name, file.mime, private=True)


@bp.get("/berkas/<int:file_id>/lihat")
@login_required
def view_inline(file_id: int):
    """Show a PDF or an image inline (for the viewer on the review page)."""
    file = db.session.get(SubmissionFile, file_id)
    if file is None or not permissions.can_view_file(current_user, file) or not file.viewable_inline:
        abort(404)
    # Shown inside our own review page only; nothing in the file may run (``private``).
    return send_stored(file.storage_key, file.original_name, file.mime, inline=True, private=True)


@bp.get("/versi/<int:version_id>")
@login_required
def version(version_id: int):
    """One submitted version: text, files, who submitted it and when, and decisions on it."""
    ver = db.session.get(SubmissionVersion, version_id)
    if ver is None or not permissions.can_view_project(current_user, ver.submission.project):
        abort(404)
    reviews = [r for r in services.reviews_of(ver.submission) if r.version_id == ver.id]
    return render_template("projects/version.html", ver=ver, submission=ver.submission, reviews=reviews)


# --- milestones ---------------------------------------------------------------------------------


@bp.route("/<int:project_id>/milestone", methods=["GET", "POST"])
@login_required
def milestones(project_id: int):
    """Milestones (jangka pendek, menengah, panjang) with evidence; the participant adds them."""
    project = _project_or_404(project_id)
    is_owner = permissions.is_owner(current_user, project)
    form = MilestoneForm()
    status = 200
    if request.method == "POST":
        if _owner_posted(
            is_owner,
            form,
            lambda: services.add_milestone(
                project,
                form.term.data,
                form.title.data,
                form.description.data,
                form.target_date.data,
                current_user,
            ),
            field=form.title,
            success=_("Milestone ditambahkan."),
        ):
            return redirect(url_for("projects.milestones", project_id=project.id))
        status = 400
    items = services.milestones_of(project)
    update_forms = {}
    for m in items:
        f = MilestoneUpdateForm(
            prefix=f"m{m.id}",
            data={"status": m.status.value, "target_date": m.target_date, "version": m.version},
        )
        update_forms[m.id] = f
    return render_template(
        "projects/milestones.html",
        project=project,
        items=items,
        form=form,
        update_forms=update_forms,
        evidence_form=EvidenceForm(),
        button=ConfirmForm(),
        is_owner=is_owner,
        is_mentor=project.enrolment.mentor_id == current_user.id,
    ), status


def _milestone_or_404(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or not permissions.can_view_project(current_user, milestone.project):
        abort(404)
    return milestone


@bp.post("/milestone/<int:milestone_id>/status")
@login_required
def milestone_status(milestone_id: int):
    """The participant updates a milestone's status and target date."""
    milestone = _milestone_or_404(milestone_id)
    if not permissions.can_edit_project(current_user, milestone.project):
        abort(404)
    form = MilestoneUpdateForm(prefix=f"m{milestone.id}")
    if not form.validate_on_submit():
        flash(_("Periksa isian status milestone."), "error")
        return redirect(url_for("projects.milestones", project_id=milestone.project_id)), 303
    services.update_milestone(
        milestone, form.status.data, form.target_date.data, current_user, form.version.data
    )
    db.session.commit()
    flash(_("Status milestone disimpan."), "success")
    return redirect(url_for("projects.milestones", project_id=milestone.project_id))


@bp.post("/milestone/<int:milestone_id>/bukti")
@login_required
def milestone_evidence(milestone_id: int):
    """The participant adds evidence (a file or a link) to a milestone."""
    milestone = _milestone_or_404(milestone_id)
    if not permissions.can_edit_project(current_user, milestone.project):
        abort(404)
    form = EvidenceForm()
    if form.validate_on_submit():
        run_service(
            lambda: services.add_evidence(
                milestone,
                current_user,
                note=form.note.data,
                upload=upload_of(form.file),
                url=form.url.data,
                max_bytes=_max_bytes(),
            ),
            success=_("Bukti ditambahkan."),
        )
    return redirect(url_for("projects.milestones", project_id=milestone.project_id))


@bp.post("/milestone/<int:milestone_id>/konfirmasi")
@login_required
def milestone_confirm(milestone_id: int):
    """The mentor confirms a milestone in one click."""
    milestone = _milestone_or_404(milestone_id)
    if not permissions.can_confirm_milestone(current_user, milestone):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.confirm_milestone(milestone, current_user)
    db.session.commit()
    flash(_("Milestone dikonfirmasi."), "success")
    return redirect(url_for("projects.milestones", project_id=milestone.project_id))


@bp.get("/bukti/<int:evidence_id>")
@login_required
def evidence_file(evidence_id: int):
    """Download a milestone evidence file (permission-checked)."""
    ev = db.session.get(MilestoneEvidence, evidence_id)
    if (
        ev is None
        or ev.storage_key is None
        or not permissions.can_view_project(current_user, ev.milestone.project)
    ):
        abort(404)
    return send_stored(ev.storage_key, ev.original_name or "bukti", ev.mime, private=True)


# --- consultations ------------------------------------------------------------------------------


@bp.route("/<int:project_id>/konsultasi", methods=["GET", "POST"])
@login_required
def consultations(project_id: int):
    """The lembar konsultasi: the participant records meetings; mentor or coach give the paraf."""
    project = _project_or_404(project_id)
    is_owner = permissions.is_owner(current_user, project)
    form = ConsultationForm()
    status = 200
    if request.method == "POST":
        if _owner_posted(
            is_owner,
            form,
            lambda: services.log_consultation(
                project,
                form.met_on.data,
                form.with_role.data,
                form.topic.data,
                form.result.data,
                current_user,
            ),
            field=form.topic,
            success=_("Konsultasi dicatat dan menunggu paraf."),
        ):
            return redirect(url_for("projects.consultations", project_id=project.id))
        status = 400
    page = db.paginate(
        services.consultations_of(project), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    enrolment = project.enrolment
    return render_template(
        "projects/consultations.html",
        project=project,
        page=page,
        form=form,
        button=ConfirmForm(),
        is_owner=is_owner,
        can_paraf={c.id: permissions.can_confirm_consultation(current_user, c) for c in page.items},
        enrolment=enrolment,
    ), status


@bp.post("/konsultasi/<int:consultation_id>/paraf")
@login_required
def paraf(consultation_id: int):
    """One-click digital paraf of a consultation by the mentor or coach it was with."""
    row = visible_or_404(Consultation, consultation_id, permissions.can_confirm_consultation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.confirm_consultation(row, current_user)
    db.session.commit()
    flash(_("Paraf diberikan."), "success")
    return redirect(
        request.form.get("next")
        if request.form.get("next", "").startswith("/proyek/")
        else url_for("projects.consultations", project_id=row.project_id)
    )


# --- attitude observations ----------------------------------------------------------------------


@bp.route("/<int:project_id>/sikap", methods=["GET", "POST"])
@login_required
def attitude(project_id: int):
    """Observation forms on sikap dan etika kerja (coach, mentor, admin; not the participant)."""
    project = db.session.get(Project, project_id)
    if project is None or not permissions.can_observe_attitude(current_user, project.enrolment):
        abort(404)
    enrolment = project.enrolment
    criteria = services.attitude_criteria(enrolment.angkatan.program)
    form_cls = with_scores(AttitudeForm, criteria)
    form = form_cls()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and run_service(
            lambda: services.record_observation(
                enrolment,
                current_user,
                form.observed_on.data,
                scores_from(form, criteria),
                form.note.data,
            ),
            field=form.note,
            success=_("Observasi sikap disimpan."),
        ):
            return redirect(url_for("projects.attitude", project_id=project.id))
        status = 400
    return render_template(
        "projects/attitude.html",
        project=project,
        form=form,
        criteria=criteria,
        score_fields=[getattr(form, f"score_{c.id}") for c in criteria],
        observations=services.observations_of(enrolment),
    ), status


# --- catalogue ----------------------------------------------------------------------------------


@bp.get("/katalog")
@login_required
def catalogue():
    """A searchable catalogue of past projects, for new participants to learn from."""
    form = CatalogueForm(request.args)
    programs = services.project_programs()
    form.program.choices = [("", _("Semua program"))] + [(str(p.id), p.name) for p in programs]
    form.validate()
    program_id = int(form.program.data) if (form.program.data or "").isdigit() else None
    year = form.year.data if not form.year.errors else None
    page = db.paginate(
        services.catalogue(form.q.data, program_id, year),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("projects/catalogue.html", form=form, page=page)


@bp.get("/katalog/<int:project_id>")
@login_required
def catalogue_entry(project_id: int):
    """One past project in the catalogue (description only; files stay private)."""
    project = db.session.get(Project, project_id)
    if project is None or not services.in_catalogue(project):
        abort(404)
    return render_template(
        "projects/catalogue_entry.html", project=project, program=project.enrolment.angkatan.program
    )
