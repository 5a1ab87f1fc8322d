"""Course admin: angkatan (list, create, edit, participants) and enrolments (one by one, by CSV,
edit, withdraw or reactivate)."""

from __future__ import annotations

from collections import Counter

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.courses import services
from lms.courses.admin import bp
from lms.courses.admin.helpers import _run_on_form, _status, _version
from lms.courses.forms import (
    AngkatanForm,
    EnrolCsvForm,
    EnrolForm,
    EnrolmentForm,
    SimpleSearchForm,
    options,
)
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.web import ConfirmForm, admin_required, run_service, upload_of, uploaded_text


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
    return render_template("courses/admin/angkatan_list.html", form=form, page=page, counts=counts)


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

        def save() -> Angkatan:
            if angkatan is None:
                return services.create_angkatan(_angkatan_data(form))
            services.update_angkatan(angkatan, _angkatan_data(form), _version(form))
            return angkatan

        done = _run_on_form(save, form, success=_("Angkatan disimpan."))
        if done:
            return redirect(url_for("courses_admin.angkatan_detail", angkatan_id=done.value.id))
        angkatan = db.session.get(Angkatan, angkatan_id) if angkatan_id else None
    return render_template("courses/admin/angkatan_form.html", form=form, angkatan=angkatan), _status(form)


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
        "courses/admin/angkatan_detail.html",
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
        if (
            ok_user
            and ok_mentor
            and ok_coach
            and _run_on_form(
                lambda: services.enrol(
                    angkatan,
                    user,
                    ndh=form.ndh.data,
                    mentor=mentor,
                    coach=coach,
                    surat_tugas=upload_of(form.surat_tugas),
                ),
                form,
                file_field=form.surat_tugas,
                success=_("%(name)s didaftarkan.", name=user.full_name),
            )
        ):
            return redirect(url_for("courses_admin.angkatan_detail", angkatan_id=angkatan_id))
    return render_template("courses/admin/enrol_form.html", form=form, angkatan=angkatan), _status(form)


@bp.route("/angkatan/<int:angkatan_id>/impor", methods=["GET", "POST"])
@admin_required
def enrol_csv(angkatan_id: int):
    """Enrol participants from CSV (nip,ndh[,mentor_nip,coach_nip]); one bad line imports nothing."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = EnrolCsvForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        text = uploaded_text(upload)
        # A refused file is flashed, with its lines listed on the page.
        done = run_service(
            lambda: services.import_enrolments_csv(
                angkatan, text, filename=services.clean_filename(upload.filename)
            )
        )
        if done:
            result = done.value
            flash(
                _("%(c)s peserta didaftarkan, %(u)s diperbarui.", c=result.created, u=result.updated),
                "success",
            )
            return redirect(url_for("courses_admin.angkatan_detail", angkatan_id=angkatan_id))
        errors = done.line_errors
    status = 400 if request.method == "POST" else 200
    return render_template(
        "courses/admin/enrol_csv.html", form=form, angkatan=angkatan, errors=errors
    ), status


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
            upload = upload_of(form.surat_tugas)

            def save() -> list[str]:
                services.update_enrolment(enrolment, form.ndh.data, mentor, coach)
                return services.set_surat_tugas(enrolment, upload) if upload is not None else []

            done = _run_on_form(save, form, file_field=form.surat_tugas, success=_("Data peserta disimpan."))
            if done:
                services.discard_files(done.value)
                return redirect(url_for("courses_admin.angkatan_detail", angkatan_id=enrolment.angkatan_id))
            enrolment = db.get_or_404(Enrolment, enrolment_id)
    return (
        render_template(
            "courses/admin/enrolment_form.html", form=form, enrolment=enrolment, confirm_form=ConfirmForm()
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
        run_service(
            lambda: services.change_enrolment_status(enrolment, target),
            success=_("Status peserta diperbarui."),
        )
        return redirect(url_for("courses_admin.angkatan_detail", angkatan_id=enrolment.angkatan_id))
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
        "courses/admin/confirm.html",
        form=form,
        title=_("Ubah status peserta"),
        question=question,
        back=url_for("courses_admin.enrolment_edit", enrolment_id=enrolment_id),
    )
