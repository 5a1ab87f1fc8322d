"""Blueprint "results": the public verify page, "JP Saya" and external training, "Sertifikat
Saya", the satisfaction survey, and the pimpinan's staff dashboard."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import storage
from lms.accounts.models import Instansi, UnitKerja
from lms.courses.models import Angkatan, Course, CourseCompletion
from lms.database import writes
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.jp import services as jp_services
from lms.jp.models import ExternalStatus, ExternalTraining
from lms.results import permissions, services
from lms.results.forms import (
    ConfirmForm,
    ExternalEditForm,
    ExternalTrainingForm,
    SurveyForm,
    VerifyForm,
)
from lms.results.models import Certificate, CertificateStatus
from lms.results.services import dashboards
from lms.results.view_helpers import (
    PANEL_PREVIEW_ROWS,
    base_url,
    confirm_page,
    csv_response,
    current_snapshot,
    dashboard_sections,
    form_status,
    int_or_none,
    panel_csv,
    panel_page,
    run_service,
)

bp = Blueprint("results", __name__)

VERIFY_LIMIT = "30 per minute"


# --- public verification ---------------------------------------------------------------------


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT)
def verify_form():
    """The form where anyone types a certificate's code (no login)."""
    form = VerifyForm(request.args)
    if request.args.get("kode") is not None:
        if form.validate():
            code = services.normalize_code(form.kode.data)
            if len(code) == 8:
                return redirect(url_for("results.verify", code=code))
        form.kode.errors = [_("Kode verifikasi terdiri dari 8 huruf dan angka, misalnya K7Q2-M9XD.")]
        return render_template("results/verify_form.html", form=form), 400
    return render_template("results/verify_form.html", form=form)


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    """Public: whether a certificate is valid, with only the name, masked NIP, program, angkatan,
    dates, JP and predicate. No login; nothing else about the person is shown."""
    cert = services.find_by_code(code)
    if cert is None:
        form = VerifyForm(data={"kode": code[:20]})
        return render_template("results/verify_form.html", form=form, not_found=True), 404
    return render_template("results/verify.html", cert=cert, statuses=CertificateStatus)


# --- JP Saya ---------------------------------------------------------------------------------


@bp.get("/jp")
@login_required
def my_jp():
    """ "JP Saya": this year's JP against the target, the records behind it, earlier years and
    the external training recorded."""
    year = int_or_none(request.args.get("tahun"))
    ledger = jp_services.ledger(current_user, year)
    return render_template("results/jp.html", ledger=ledger, services=jp_services, statuses=ExternalStatus)


@bp.get("/jp/cetak")
@login_required
def my_jp_print():
    """A printable JP statement of one year."""
    year = int_or_none(request.args.get("tahun"))
    ledger = jp_services.ledger(current_user, year)
    return render_template("results/jp_print.html", ledger=ledger, services=jp_services)


@bp.get("/jp/jp-saya.csv")
@login_required
def my_jp_csv():
    """Every JP record of the person as CSV."""
    columns, rows = jp_services.ledger_export(current_user)
    return csv_response(services.exports.to_csv(columns, rows), "jp-saya.csv")


def _external_data(form) -> jp_services.ExternalData:
    return jp_services.ExternalData(
        title=form.title.data or "",
        organizer=form.organizer.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        jp=form.jp.data or 0,
    )


@bp.route("/jp/eksternal/baru", methods=["GET", "POST"])
@login_required
def external_new():
    """Record an external training with its certificate for an admin to verify."""
    form = ExternalTrainingForm()
    if form.validate_on_submit():
        upload = form.certificate.data
        if run_service(
            lambda: jp_services.submit_external_training(
                current_user, _external_data(form), upload.stream, upload.filename
            ),
            form=form,
            success=_("Pelatihan dicatat dan menunggu verifikasi admin. JP dihitung setelah diverifikasi."),
        ):
            return redirect(url_for("results.my_jp"))
    return render_template("results/external_form.html", form=form, training=None), form_status()


def _own_external(training_id: int) -> ExternalTraining:
    training = db.get_or_404(ExternalTraining, training_id)
    if not permissions.can_view_external(current_user, training):
        abort(404)
    return training


@bp.route("/jp/eksternal/<int:training_id>", methods=["GET", "POST"])
@login_required
def external_edit(training_id: int):
    """See one's external training; correct it while pending or rejected."""
    training = _own_external(training_id)
    editable = (
        permissions.can_edit_external(current_user, training) and training.status != ExternalStatus.VERIFIED
    )
    form = ExternalEditForm(obj=training if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(training.version)
    if request.method == "POST":
        if not editable:
            abort(404)
        if form.validate_on_submit():
            upload = form.certificate.data
            has_file = bool(upload and getattr(upload, "filename", ""))
            if run_service(
                lambda: jp_services.update_external_training(
                    training,
                    _external_data(form),
                    upload.stream if has_file else None,
                    upload.filename if has_file else None,
                    expected_version=int_or_none(form.version.data),
                ),
                form=form,
                success=_("Perubahan disimpan dan dikirim untuk diverifikasi."),
            ):
                return redirect(url_for("results.my_jp"))
        return render_template(
            "results/external_form.html",
            form=form,
            training=training,
            editable=editable,
            services=jp_services,
        ), 400
    return render_template(
        "results/external_form.html", form=form, training=training, editable=editable, services=jp_services
    )


@bp.route("/jp/eksternal/<int:training_id>/hapus", methods=["GET", "POST"])
@login_required
def external_delete(training_id: int):
    """Withdraw an unverified external training (after a confirmation page)."""
    training = _own_external(training_id)
    if not permissions.can_edit_external(current_user, training):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        jp_services.delete_external_training(training, current_user)
        db.session.commit()
        flash(_("Catatan pelatihan dihapus."), "success")
        return redirect(url_for("results.my_jp"))
    return confirm_page(
        form,
        title=_("Hapus catatan pelatihan"),
        question=_("Hapus catatan pelatihan %(title)s beserta berkasnya?", title=training.title),
        cancel_url=url_for("results.external_edit", training_id=training.id),
        danger=True,
    )


@bp.get("/jp/eksternal/<int:training_id>/berkas")
@login_required
def external_file(training_id: int):
    """The uploaded certificate of an external training (owner and admins)."""
    training = _own_external(training_id)
    try:
        path = storage.path_of(training.file_key)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=training.file_mime, download_name=training.file_name, as_attachment=True)


# --- Sertifikat Saya --------------------------------------------------------------------------


@bp.get("/sertifikat-saya")
@login_required
def my_certificates():
    """The person's certificates and completed courses whose certificate can be made."""
    return render_template(
        "results/my_certificates.html",
        certificates=services.certificates_of(current_user),
        pending=services.completions_without_certificate(current_user),
        form=ConfirmForm(),
        statuses=CertificateStatus,
    )


@bp.post("/sertifikat-saya/kursus/<int:completion_id>")
@login_required
def request_completion_certificate(completion_id: int):
    """Make the certificate of completion of one's own completed self-paced course."""
    completion = db.get_or_404(CourseCompletion, completion_id)
    if completion.user_id != current_user.id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    cert = services.issue_completion_certificate(completion, current_user, base_url())
    db.session.commit()
    flash(_("Sertifikat penyelesaian diterbitkan: %(number)s.", number=cert.number), "success")
    return redirect(url_for("results.my_certificates"))


@bp.get("/sertifikat/<int:certificate_id>/unduh")
@login_required
def download_certificate(certificate_id: int):
    """The stored PDF of a certificate (its holder and admins)."""
    cert = db.get_or_404(Certificate, certificate_id)
    if not permissions.can_view_certificate(current_user, cert):
        abort(404)
    try:
        path = storage.path_of(cert.pdf_key)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    safe_number = "".join(ch if ch.isalnum() else "-" for ch in cert.number)
    return send_file(path, mimetype="application/pdf", download_name=f"sertifikat-{safe_number}.pdf")


# --- satisfaction survey ---------------------------------------------------------------------


@bp.get("/evaluasi")
@login_required
def surveys():
    """The surveys the person may still answer."""
    return render_template("results/surveys.html", surveys=services.open_surveys(current_user))


def _survey_page(angkatan: Angkatan | None, course: Course | None):
    allowed = (
        services.can_answer_angkatan(current_user, angkatan)
        if angkatan
        else services.can_answer_course(current_user, course)
    )
    if not allowed:
        abort(404)
    title = angkatan.name if angkatan else course.title
    form = SurveyForm()
    if services.has_answered(current_user, angkatan=angkatan, course=course):
        return render_template("results/survey.html", title=title, answered=True, form=form)
    # The default items are created on first use (hence @writes on the views).
    items = services.survey_items()
    db.session.commit()  # keeps default items created on first use
    answers: dict[int, int] = {}
    errors: list[str] = []
    if request.method == "POST":
        for item in items:
            value = int_or_none(request.form.get(f"item-{item.id}"))
            if value is not None:
                answers[item.id] = value
        if form.validate_on_submit():
            try:
                services.submit_survey(
                    current_user, answers, form.comment.data or "", angkatan=angkatan, course=course
                )
            except DomainError as exc:
                db.session.rollback()
                errors.append(exc.message)  # shown in the page's own error list, not on the form
            else:
                db.session.commit()
                flash(_("Terima kasih. Evaluasi Anda tersimpan tanpa nama."), "success")
                return redirect(url_for("results.surveys"))
        else:
            errors.append(_("Periksa kembali isian Anda."))
    status = 400 if errors else 200
    return render_template(
        "results/survey.html",
        title=title,
        answered=False,
        form=form,
        items=items,
        answers=answers,
        errors=errors,
        likert=services.LIKERT,
    ), status


@bp.route("/evaluasi/angkatan/<int:angkatan_id>", methods=["GET", "POST"])
@writes
@login_required
def survey_angkatan(angkatan_id: int):
    """Answer the satisfaction survey of an angkatan (once, anonymously)."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    return _survey_page(angkatan, None)


@bp.route("/evaluasi/kursus/<int:course_id>", methods=["GET", "POST"])
@writes
@login_required
def survey_course(course_id: int):
    """Answer the satisfaction survey of a completed self-paced course (once, anonymously)."""
    course = db.get_or_404(Course, course_id)
    return _survey_page(None, course)


# --- pimpinan dashboard ----------------------------------------------------------------------


def staff_dashboard_required(view):
    """Role gate: pimpinan and admins; everyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (permissions.is_admin(current_user) or current_user.has_role("pimpinan")):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/dasbor")
@staff_dashboard_required
def dashboard_home():
    """Send a pimpinan to the dashboard of their scope."""
    scope = permissions.pimpinan_scope(current_user)
    if scope is None:
        if permissions.is_admin(current_user) and current_user.instansi_id:
            return redirect(url_for("results.staff_dashboard", instansi_id=current_user.instansi_id))
        return render_template("results/dashboard_no_scope.html"), 404
    return redirect(url_for("results.staff_dashboard", instansi_id=scope.instansi_id, unit=scope.unit_id))


def _staff_subject(instansi_id: int) -> dashboards.InstansiSubject:
    instansi = db.get_or_404(Instansi, instansi_id)
    unit_id = int_or_none(request.args.get("unit"))
    unit = None
    if unit_id is not None:
        unit = db.session.get(UnitKerja, unit_id)
        if unit is None or unit.instansi_id != instansi.id:
            abort(404)
    if not permissions.can_view_staff_dashboard(current_user, instansi.id, unit_id):
        abort(404)
    return dashboards.InstansiSubject(
        instansi=instansi,
        unit=unit,
        year=jp_services.current_year(current_user),
        timezone=current_user.timezone,
    )


@bp.get("/dasbor/instansi/<int:instansi_id>")
@staff_dashboard_required
def staff_dashboard(instansi_id: int):
    """Pimpinan: the staff of the instansi (or unit) in scope: who reached this year's JP
    target and who did not, and the courses completed. The figures come from the stored
    snapshot while it is fresh; the scope check in _staff_subject runs on every request."""
    subject = _staff_subject(instansi_id)
    scope = permissions.pimpinan_scope(current_user)
    unit_locked = scope is not None and scope.unit_id is not None and not permissions.is_admin(current_user)
    snap = current_snapshot("instansi", subject)
    unit = subject.unit.id if subject.unit else None

    def urls(key: str) -> tuple[str, str]:
        return (
            url_for("results.staff_panel_csv", instansi_id=instansi_id, key=key, unit=unit),
            url_for("results.staff_panel", instansi_id=instansi_id, key=key, unit=unit),
        )

    return render_template(
        "results/staff_dashboard.html",
        subject=subject,
        sections=dashboard_sections("instansi", subject, snap, PANEL_PREVIEW_ROWS, (instansi_id, unit), urls),
        computed_at=snap.computed_at,
        units=subject.instansi.units,
        unit_locked=unit_locked,
    )


@bp.post("/dasbor/instansi/<int:instansi_id>/perbarui")
@staff_dashboard_required
def staff_dashboard_refresh(instansi_id: int):
    """Recompute the staff dashboard's figures now ("Perbarui sekarang")."""
    subject = _staff_subject(instansi_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current_snapshot("instansi", subject, refresh=True)
    flash(_("Angka dasbor diperbarui."), "success")
    unit = subject.unit.id if subject.unit else None
    return redirect(url_for("results.staff_dashboard", instansi_id=instansi_id, unit=unit))


@bp.get("/dasbor/instansi/<int:instansi_id>/panel/<key>")
@staff_dashboard_required
def staff_panel(instansi_id: int, key: str):
    """One panel of the staff dashboard with all its rows, paginated."""
    subject = _staff_subject(instansi_id)
    unit = request.args.get("unit")
    return panel_page(
        "instansi",
        subject,
        key,
        back_url=url_for("results.staff_dashboard", instansi_id=instansi_id, unit=unit),
        csv_url=url_for("results.staff_panel_csv", instansi_id=instansi_id, key=key, unit=unit),
        heading=subject.unit.name if subject.unit else subject.instansi.name,
    )


@bp.get("/dasbor/instansi/<int:instansi_id>/panel/<key>/unduh.csv")
@staff_dashboard_required
def staff_panel_csv(instansi_id: int, key: str):
    """A staff dashboard panel's table as CSV."""
    subject = _staff_subject(instansi_id)
    return panel_csv("instansi", subject, key, f"{key}-{subject.year}.csv")
