"""Blueprint "results_admin": what the penyelenggara does with results: assessment schemes,
per-angkatan results and outcomes, manual scores, certificates, external JP verification, JP
targets, pimpinan scopes, survey items and reports, and the angkatan dashboard."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Instansi, Role, UnitKerja, User, UserRole
from lms.courses.models import Angkatan, Course, Enrolment, EnrolmentStatus, Program
from lms.errors import DomainError
from lms.extensions import db
from lms.results import permissions, services
from lms.results.forms import (
    CertificateSearchForm,
    CertificateSettingsForm,
    ConfirmForm,
    ExternalFilterForm,
    ExternalReviewForm,
    JpTargetForm,
    ManualScoresForm,
    OutcomeForm,
    PimpinanScopeForm,
    ReasonForm,
    SchemeForm,
    SurveyItemForm,
)
from lms.results.models import (
    AssessmentScheme,
    Certificate,
    CertificateKind,
    CertificateStatus,
    ExternalStatus,
    ExternalTraining,
    JpTarget,
    PimpinanScope,
    SurveyItem,
    SurveyResponse,
)
from lms.results.paging import RowsPage
from lms.results.services import audit, dashboards
from lms.results.views import (
    PANEL_PAGE_ROWS,
    PANEL_PREVIEW_ROWS,
    base_url,
    csv_response,
    dashboard_sections,
)

bp = Blueprint("results_admin", __name__, url_prefix="/admin/hasil")
RESULTS_PER_PAGE = 100
# Certificates rendered per request (about 0.1 s each): the rest on the next press.
ISSUE_BATCH = 150
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results_admin_required(view):
    """Role gate: only admins; everyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_manage_results(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _per_page() -> int:
    return 25


# --- overview --------------------------------------------------------------------------------


@bp.get("/")
@results_admin_required
def index():
    """Angkatan with their program or course and participant count, newest first."""
    q = (request.args.get("q") or "").strip()
    stmt = select(Angkatan).options(selectinload(Angkatan.program), selectinload(Angkatan.course))
    if q:
        stmt = stmt.where(Angkatan.name.ilike(f"%{q}%"))
    stmt = stmt.order_by(Angkatan.start_date.desc().nulls_last(), Angkatan.id.desc())
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    ids = [a.id for a in page.items]
    counts = dict(
        db.session.execute(
            select(Enrolment.angkatan_id, func.count(Enrolment.id))
            .where(Enrolment.angkatan_id.in_(ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .group_by(Enrolment.angkatan_id)
        ).all()
    )
    return render_template(
        "results/admin/index.html",
        page=page,
        counts=counts,
        q=q,
        pending_external=services.pending_external_count(),
    )


# --- schemes ---------------------------------------------------------------------------------


def _program_choices() -> list[tuple[int, str]]:
    return [
        (p.id, f"{p.code} - {p.name}") for p in db.session.scalars(select(Program).order_by(Program.code))
    ]


@bp.get("/skema")
@results_admin_required
def schemes():
    """Assessment schemes per program, newest effective date first."""
    stmt = (
        select(AssessmentScheme)
        .join(Program, Program.id == AssessmentScheme.program_id)
        .options(
            selectinload(AssessmentScheme.program),
            selectinload(AssessmentScheme.components),
            selectinload(AssessmentScheme.bands),
        )
        .order_by(Program.code, AssessmentScheme.effective_from.desc())
    )
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    return render_template("results/admin/schemes.html", page=page, sources=services.component_sources())


def _fill_rows(form: SchemeForm, components, bands) -> None:
    for i, entry in enumerate(form.components.entries):
        if i < len(components):
            c = components[i]
            entry.form.key.data, entry.form.label.data = c.key, c.label
            entry.form.weight.data = Decimal(str(c.weight))
    for i, entry in enumerate(form.bands.entries):
        if i < len(bands):
            b = bands[i]
            entry.form.label.data = b.label
            entry.form.above.data = Decimal(str(b.above)) if b.above is not None else None


def _scheme_inputs(form: SchemeForm):
    components = [
        services.ComponentInput(
            key=(e.form.key.data or "").strip().lower(),
            label=(e.form.label.data or "").strip(),
            weight=float(e.form.weight.data or 0),
        )
        for e in form.components.entries
        if (e.form.key.data or "").strip() or (e.form.label.data or "").strip() or e.form.weight.data
    ]
    bands = [
        services.BandInput(
            label=(e.form.label.data or "").strip(),
            above=float(e.form.above.data) if e.form.above.data is not None else None,
        )
        for e in form.bands.entries
        if (e.form.label.data or "").strip() or e.form.above.data is not None
    ]
    return components, bands


@bp.route("/skema/baru", methods=["GET", "POST"])
@results_admin_required
def scheme_new():
    """A new scheme: blank with the default predicate bands, or a copy of another (``?dari=``)."""
    form = SchemeForm()
    form.program_id.choices = _program_choices()
    if request.method == "GET":
        source = db.session.get(AssessmentScheme, _int_or_none(request.args.get("dari")) or 0)
        if source is not None:
            form.program_id.data = source.program_id
            form.name.data = source.name
            _fill_rows(form, source.components, [services.BandInput(b.label, b.above) for b in source.bands])
        else:
            form.program_id.data = _int_or_none(request.args.get("program"))
            _fill_rows(form, [], services.default_bands())
    if form.validate_on_submit():
        program = db.session.get(Program, form.program_id.data)
        components, bands = _scheme_inputs(form)
        try:
            if program is None:
                raise DomainError(_("Pilih program."))
            services.create_scheme(
                program, form.name.data, form.effective_from.data, components, bands, current_user
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Skema penilaian disimpan."), "success")
            return redirect(url_for("results_admin.schemes"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/scheme_form.html",
        form=form,
        scheme=None,
        locked=False,
        sources=services.component_sources(),
    ), status


@bp.route("/skema/<int:scheme_id>", methods=["GET", "POST"])
@results_admin_required
def scheme_edit(scheme_id: int):
    """Edit a scheme no result uses yet; a used scheme is shown read-only (copy it instead)."""
    scheme = db.get_or_404(AssessmentScheme, scheme_id)
    locked = services.scheme_in_use(scheme)
    form = SchemeForm()
    form.program_id.choices = _program_choices()
    if request.method == "GET":
        form.program_id.data = scheme.program_id
        form.name.data = scheme.name
        form.effective_from.data = scheme.effective_from
        form.version.data = str(scheme.version)
        _fill_rows(form, scheme.components, [services.BandInput(b.label, b.above) for b in scheme.bands])
    elif form.validate_on_submit():
        components, bands = _scheme_inputs(form)
        try:
            services.update_scheme(
                scheme,
                form.name.data,
                form.effective_from.data,
                components,
                bands,
                current_user,
                expected_version=_int_or_none(form.version.data),
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Skema penilaian diperbarui."), "success")
            return redirect(url_for("results_admin.schemes"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/scheme_form.html",
        form=form,
        scheme=scheme,
        locked=locked,
        sources=services.component_sources(),
    ), status


@bp.route("/skema/<int:scheme_id>/hapus", methods=["GET", "POST"])
@results_admin_required
def scheme_delete(scheme_id: int):
    """Delete an unused scheme after a confirmation page."""
    scheme = db.get_or_404(AssessmentScheme, scheme_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_scheme(scheme, current_user)
        db.session.commit()
        flash(_("Skema dihapus."), "success")
        return redirect(url_for("results_admin.schemes"))
    return render_template(
        "results/confirm.html",
        form=form,
        title=_("Hapus skema penilaian"),
        question=_("Hapus skema %(name)s?", name=scheme.name),
        cancel_url=url_for("results_admin.scheme_edit", scheme_id=scheme.id),
        danger=True,
    )


# --- results of an angkatan ------------------------------------------------------------------


@bp.get("/angkatan/<int:angkatan_id>")
@results_admin_required
def angkatan_results(angkatan_id: int):
    """The results table (rank, components, final, predicate, outcome, certificate)."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    if angkatan.program_id is None:
        return _course_angkatan(angkatan)
    table = services.results_table(angkatan)
    page = RowsPage(table.rows, _int_or_none(request.args.get("page")) or 1, RESULTS_PER_PAGE)
    return render_template(
        "results/admin/results.html",
        angkatan=angkatan,
        table=table,
        page=page,
        manual=services.manual_components(table.scheme),
        audit_entries=audit.entries_for_angkatan(angkatan.id, limit=20),
        form=ConfirmForm(),
        services=services,
    )


def _course_angkatan(angkatan: Angkatan):
    """An angkatan of a self-paced course: completions and certificates of completion."""
    rows = services.certificates.course_angkatan_rows(angkatan)
    page = RowsPage(rows, _int_or_none(request.args.get("page")) or 1, RESULTS_PER_PAGE)
    return render_template(
        "results/admin/course_angkatan.html",
        angkatan=angkatan,
        page=page,
        audit_entries=audit.entries_for_angkatan(angkatan.id, limit=20),
        form=ConfirmForm(),
    )


@bp.post("/angkatan/<int:angkatan_id>/hitung")
@results_admin_required
def recompute(angkatan_id: int):
    """Recompute the angkatan's results from the component sources now."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    summary = services.recompute_results(angkatan)
    db.session.commit()
    flash(
        _(
            "Nilai dihitung ulang: %(changed)s berubah, %(complete)s dari %(total)s lengkap.",
            changed=summary.changed,
            complete=summary.complete,
            total=summary.total,
        ),
        "success",
    )
    return redirect(url_for("results_admin.angkatan_results", angkatan_id=angkatan.id))


@bp.get("/angkatan/<int:angkatan_id>/hasil.<fmt>")
@results_admin_required
def results_export(angkatan_id: int, fmt: str):
    """The results table as CSV or XLSX."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    if fmt not in ("csv", "xlsx") or angkatan.program_id is None:
        abort(404)
    columns, rows = services.results_export_rows(services.results_table(angkatan))
    filename = f"hasil-angkatan-{angkatan.id}.{fmt}"
    if fmt == "csv":
        return csv_response(services.exports.to_csv(columns, rows), filename)
    data = services.exports.to_xlsx(angkatan.name, columns, rows)
    return Response(
        data, mimetype=XLSX_MIME, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/angkatan/<int:angkatan_id>/nilai/<key>", methods=["GET", "POST"])
@results_admin_required
def manual_scores(angkatan_id: int, key: str):
    """Type in one manual component (for example kehadiran) for every participant."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    scheme = services.scheme_for_angkatan(angkatan)
    component = next((c for c in services.manual_components(scheme) if c.key == key), None)
    if component is None:
        abort(404)
    form = ManualScoresForm()
    sheet = services.manual_score_sheet(angkatan, key)
    errors: dict[int, str] = {}
    typed: dict[int, str] = {}
    if form.validate_on_submit():
        scores: dict[int, float | None] = {}
        for row in sheet:
            raw = (request.form.get(f"score-{row.enrolment.id}") or "").strip()
            typed[row.enrolment.id] = raw
            if raw == "":
                scores[row.enrolment.id] = None
                continue
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                errors[row.enrolment.id] = _("Isi angka 0 sampai 100.")
                continue
            if not 0 <= value <= 100:
                errors[row.enrolment.id] = _("Isi angka 0 sampai 100.")
                continue
            scores[row.enrolment.id] = value
        if not errors:
            try:
                changed = services.save_manual_scores(angkatan, key, scores, current_user)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("%(n)s nilai diubah; nilai akhir dihitung ulang.", n=changed), "success")
                return redirect(url_for("results_admin.angkatan_results", angkatan_id=angkatan.id))
        else:
            form.form_errors.append(
                _("Ada %(n)s nilai yang tidak sah; tidak ada yang disimpan.", n=len(errors))
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/manual_scores.html",
        angkatan=angkatan,
        component=component,
        sheet=sheet,
        form=form,
        errors=errors,
        typed=typed,
        services=services,
    ), status


@bp.route("/peserta/<int:enrolment_id>/keputusan", methods=["GET", "POST"])
@results_admin_required
def outcome(enrolment_id: int):
    """Set a participant's outcome, with a note; logged."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.angkatan.program_id is None:
        abort(404)
    result = services.result_of(enrolment)
    form = OutcomeForm()
    if request.method == "GET":
        form.outcome.data = result.outcome.value if result and result.outcome else ""
        form.note.data = result.outcome_note if result else ""
        form.version.data = str(result.outcome_version if result else 0)
    if form.validate_on_submit():
        try:
            services.set_outcome(
                enrolment,
                form.outcome.data or None,
                form.note.data or "",
                current_user,
                expected_version=_int_or_none(form.version.data) if result else None,
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Keputusan untuk %(name)s disimpan.", name=enrolment.user.full_name), "success")
            return redirect(url_for("results_admin.angkatan_results", angkatan_id=enrolment.angkatan_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/outcome.html",
        enrolment=enrolment,
        result=result,
        form=form,
        history=audit.entries_for("enrolment", enrolment.id),
        services=services,
    ), status


# --- issuing certificates --------------------------------------------------------------------


@bp.route("/angkatan/<int:angkatan_id>/terbitkan", methods=["GET", "POST"])
@results_admin_required
def issue_all(angkatan_id: int):
    """Issue every certificate due in the angkatan (after a confirmation page)."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            summary = services.issue_for_angkatan(angkatan, current_user, base_url(), limit=ISSUE_BATCH)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("results_admin.angkatan_results", angkatan_id=angkatan.id))
        db.session.commit()
        return render_template("results/admin/issued.html", angkatan=angkatan, summary=summary)
    kind = _("STTP") if angkatan.program_id else _("sertifikat penyelesaian")
    return render_template(
        "results/confirm.html",
        form=form,
        title=_("Terbitkan sertifikat angkatan"),
        question=_(
            "Terbitkan %(kind)s untuk semua peserta %(name)s yang memenuhi syarat? Peserta yang sudah "
            "memiliki sertifikat sah dilewati.",
            kind=kind,
            name=angkatan.name,
        ),
        cancel_url=url_for("results_admin.angkatan_results", angkatan_id=angkatan.id),
    )


@bp.post("/peserta/<int:enrolment_id>/terbitkan")
@results_admin_required
def issue_one(enrolment_id: int):
    """Issue the certificate of one participant."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if enrolment.angkatan.program_id is None:
            completion = services.certificates.completion_of_enrolment(enrolment)
            if completion is None:
                raise DomainError(_("Peserta belum menyelesaikan kursus."))
            cert = services.issue_completion_certificate(completion, current_user, base_url())
        else:
            cert = services.issue_sttp(enrolment, current_user, base_url())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Sertifikat %(number)s diterbitkan.", number=cert.number), "success")
    return redirect(url_for("results_admin.angkatan_results", angkatan_id=enrolment.angkatan_id))


# --- certificates ----------------------------------------------------------------------------


@bp.get("/sertifikat")
@results_admin_required
def certificates():
    """Every certificate, searchable by code, number or name."""
    form = CertificateSearchForm(request.args)
    stmt = services.search_certificates(form.q.data, form.status.data or None)
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    return render_template(
        "results/admin/certificates.html", form=form, page=page, statuses=CertificateStatus
    )


@bp.get("/sertifikat/<int:certificate_id>")
@results_admin_required
def certificate(certificate_id: int):
    """One certificate with its history and the revoke and reissue actions."""
    cert = db.get_or_404(Certificate, certificate_id)
    return render_template(
        "results/admin/certificate.html",
        cert=cert,
        replacement=services.replacement_of(cert),
        history=audit.entries_for("certificate", cert.id),
        statuses=CertificateStatus,
        kinds=CertificateKind,
    )


@bp.route("/sertifikat/<int:certificate_id>/cabut", methods=["GET", "POST"])
@results_admin_required
def revoke(certificate_id: int):
    """Revoke a certificate with a reason (the verify page then shows it revoked)."""
    cert = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(cert.version)
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, current_user, form.reason.data, _int_or_none(form.version.data))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Sertifikat %(number)s dicabut.", number=cert.number), "success")
            return redirect(url_for("results_admin.certificate", certificate_id=cert.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/reason.html",
        form=form,
        cert=cert,
        title=_("Cabut sertifikat"),
        intro=_("Sertifikat yang dicabut tetap dapat diperiksa, tetapi ditampilkan sebagai dicabut."),
        danger=True,
    ), status


@bp.route("/sertifikat/<int:certificate_id>/terbitkan-ulang", methods=["GET", "POST"])
@results_admin_required
def reissue(certificate_id: int):
    """Reissue a certificate from today's data with a reason; the old one is marked replaced."""
    cert = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(cert.version)
    if form.validate_on_submit():
        try:
            new = services.reissue_certificate(
                cert, current_user, form.reason.data, base_url(), _int_or_none(form.version.data)
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Sertifikat baru %(number)s diterbitkan.", number=new.number), "success")
            return redirect(url_for("results_admin.certificate", certificate_id=new.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/reason.html",
        form=form,
        cert=cert,
        title=_("Terbitkan ulang sertifikat"),
        intro=_(
            "Sertifikat baru dibuat dari data saat ini dengan nomor dan kode baru; sertifikat lama "
            "ditandai diganti dan tidak berlaku lagi."
        ),
        danger=False,
    ), status


@bp.route("/pengaturan-sertifikat", methods=["GET", "POST"])
@results_admin_required
def certificate_settings():
    """The institution, signatory, place and number formats printed on new certificates."""
    settings = services.certificate_settings()
    form = CertificateSettingsForm(obj=settings if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(settings.version or 0)
    if form.validate_on_submit():
        try:
            services.save_certificate_settings(
                institution_name=form.institution_name.data,
                place=form.place.data or "",
                signatory_name=form.signatory_name.data or "",
                signatory_title=form.signatory_title.data or "",
                signatory_nip=form.signatory_nip.data or "",
                sttp_number_format=form.sttp_number_format.data,
                completion_number_format=form.completion_number_format.data,
                by=current_user,
                expected_version=_int_or_none(form.version.data) or None,
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Pengaturan sertifikat disimpan."), "success")
            return redirect(url_for("results_admin.certificate_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("results/admin/certificate_settings.html", form=form), status


# --- external JP -----------------------------------------------------------------------------


@bp.get("/jp-eksternal")
@results_admin_required
def external_queue():
    """External training waiting for verification (or filtered by status)."""
    form = ExternalFilterForm(request.args)
    status = request.args.get("status", ExternalStatus.PENDING.value)
    if status not in {s.value for s in ExternalStatus} | {""}:
        abort(404)
    form.status.data = status
    stmt = services.external_queue(status or None).options(selectinload(ExternalTraining.user))
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    return render_template("results/admin/external_queue.html", form=form, page=page, services=services)


@bp.route("/jp-eksternal/<int:training_id>", methods=["GET", "POST"])
@results_admin_required
def external_review(training_id: int):
    """Verify (JP counts) or reject (with a reason) one external training."""
    training = db.get_or_404(ExternalTraining, training_id)
    form = ExternalReviewForm()
    if request.method == "GET":
        form.version.data = str(training.version)
    if form.validate_on_submit():
        try:
            if form.decision.data == "verify":
                services.verify_external_training(
                    training, current_user, form.note.data or "", _int_or_none(form.version.data)
                )
            else:
                services.reject_external_training(
                    training, current_user, form.note.data or "", _int_or_none(form.version.data)
                )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Keputusan disimpan."), "success")
            return redirect(url_for("results_admin.external_queue"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/external_review.html",
        training=training,
        form=form,
        services=services,
        pending=training.status == ExternalStatus.PENDING,
    ), status


# --- JP targets ------------------------------------------------------------------------------


def _instansi_choices(blank: str | None) -> list[tuple[int, str]]:
    choices = [(0, blank)] if blank else []
    return choices + [(i.id, i.name) for i in db.session.scalars(select(Instansi).order_by(Instansi.name))]


@bp.route("/target-jp", methods=["GET", "POST"])
@results_admin_required
def jp_targets():
    """Yearly JP targets per instansi and employee class (and the defaults)."""
    form = JpTargetForm()
    form.instansi_id.choices = _instansi_choices(_("Semua instansi (bawaan)"))
    if form.validate_on_submit():
        instansi = db.session.get(Instansi, form.instansi_id.data) if form.instansi_id.data else None
        try:
            services.set_jp_target(instansi, form.employee_class.data, form.target_jp.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Target JP disimpan."), "success")
            return redirect(url_for("results_admin.jp_targets"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/jp_targets.html",
        form=form,
        targets=services.jp_targets(),
        builtin=services.jp.BUILTIN_TARGETS,
        confirm=ConfirmForm(),
    ), status


@bp.post("/target-jp/<int:target_id>/hapus")
@results_admin_required
def jp_target_delete(target_id: int):
    """Remove a target row (the default applies again)."""
    target = db.get_or_404(JpTarget, target_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_jp_target(target, current_user)
    db.session.commit()
    flash(_("Target JP dihapus."), "success")
    return redirect(url_for("results_admin.jp_targets"))


# --- pimpinan scopes -------------------------------------------------------------------------


@bp.route("/cakupan-pimpinan", methods=["GET", "POST"])
@results_admin_required
def pimpinan_scopes():
    """Which instansi or unit each pimpinan's dashboard covers (default: their own instansi)."""
    form = PimpinanScopeForm()
    pimpinan = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PIMPINAN)
        .order_by(User.full_name)
    ).all()
    form.user_id.choices = [(u.id, u.full_name) for u in pimpinan]
    form.instansi_id.choices = _instansi_choices(None)
    units = db.session.execute(
        select(UnitKerja.id, UnitKerja.name, Instansi.name)
        .join(Instansi, Instansi.id == UnitKerja.instansi_id)
        .order_by(Instansi.name, UnitKerja.name)
    ).all()
    form.unit_id.choices = [(0, _("Seluruh instansi"))] + [
        (uid, f"{iname} - {uname}") for uid, uname, iname in units
    ]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        instansi = db.session.get(Instansi, form.instansi_id.data)
        unit = db.session.get(UnitKerja, form.unit_id.data) if form.unit_id.data else None
        try:
            if user is None or instansi is None:
                raise DomainError(_("Pilih pimpinan dan instansi."))
            services.set_pimpinan_scope(user, instansi, unit, current_user)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Cakupan dasbor pimpinan disimpan."), "success")
            return redirect(url_for("results_admin.pimpinan_scopes"))
    page = db.paginate(services.scope_rows(), per_page=_per_page(), error_out=False)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/pimpinan_scopes.html", form=form, page=page, confirm=ConfirmForm()
    ), status


@bp.post("/cakupan-pimpinan/<int:scope_id>/hapus")
@results_admin_required
def pimpinan_scope_delete(scope_id: int):
    """Remove a scope row (the pimpinan sees their own instansi again)."""
    row = db.get_or_404(PimpinanScope, scope_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_pimpinan_scope(row, current_user)
    db.session.commit()
    flash(_("Cakupan dihapus."), "success")
    return redirect(url_for("results_admin.pimpinan_scopes"))


# --- survey ----------------------------------------------------------------------------------


@bp.route("/evaluasi/pernyataan", methods=["GET", "POST"])
@results_admin_required
def survey_items():
    """The Likert statements of the satisfaction survey, and course survey reports."""
    form = SurveyItemForm()
    if form.validate_on_submit():
        try:
            services.save_survey_item(
                None, form.text.data, form.position.data or 0, form.active.data, current_user
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Pernyataan ditambahkan."), "success")
            return redirect(url_for("results_admin.survey_items"))
    courses = db.session.execute(
        select(Course.id, Course.title, func.count(SurveyResponse.id))
        .join(SurveyResponse, SurveyResponse.course_id == Course.id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "results/admin/survey_items.html", form=form, items=services.all_survey_items(), courses=courses
    ), status


@bp.route("/evaluasi/pernyataan/<int:item_id>", methods=["GET", "POST"])
@results_admin_required
def survey_item_edit(item_id: int):
    """Fix the wording of a statement or stop asking it."""
    item = db.get_or_404(SurveyItem, item_id)
    form = SurveyItemForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_survey_item(
                item, form.text.data, form.position.data or 0, form.active.data, current_user
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Pernyataan disimpan."), "success")
            return redirect(url_for("results_admin.survey_items"))
    status = 400 if request.method == "POST" else 200
    return render_template("results/admin/survey_item.html", form=form, item=item), status


def _survey_subject(kind: str, subject_id: int):
    if kind == "angkatan":
        return db.get_or_404(Angkatan, subject_id), None
    if kind == "kursus":
        return None, db.get_or_404(Course, subject_id)
    abort(404)


@bp.get("/hasil-evaluasi/<kind>/<int:subject_id>")
@results_admin_required
def survey_report(kind: str, subject_id: int):
    """The anonymous survey results of an angkatan or a course."""
    angkatan, course = _survey_subject(kind, subject_id)
    report = services.survey_report(angkatan=angkatan, course=course)
    return render_template(
        "results/admin/survey_report.html",
        report=report,
        title=angkatan.name if angkatan else course.title,
        kind=kind,
        subject_id=subject_id,
        likert=services.LIKERT,
        angkatan=angkatan,
    )


@bp.get("/hasil-evaluasi/<kind>/<int:subject_id>/unduh.csv")
@results_admin_required
def survey_report_csv(kind: str, subject_id: int):
    """The survey's item table as CSV (comments are not exported with it)."""
    angkatan, course = _survey_subject(kind, subject_id)
    columns, rows = services.survey_export(services.survey_report(angkatan=angkatan, course=course))
    return csv_response(services.exports.to_csv(columns, rows), f"evaluasi-{kind}-{subject_id}.csv")


# --- angkatan dashboard ----------------------------------------------------------------------


def _angkatan_subject(angkatan_id: int) -> dashboards.AngkatanSubject:
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    return dashboards.AngkatanSubject(
        angkatan=angkatan, year=services.current_year(current_user), timezone=current_user.timezone
    )


def _admin_nav():
    """results/admin/_nav.html rendered once per process for each language (its links and
    labels depend on nothing else), for the pages that show it most often."""
    cache = current_app.extensions.setdefault("results_admin_nav", {})
    key = (str(get_locale()), request.script_root)
    html = cache.get(key)
    if html is None:
        rendered = current_app.jinja_env.get_template("results/admin/_nav.html").render()
        html = cache[key] = Markup(rendered)  # noqa: S704 - an autoescaped template's output
    return html


@bp.get("/angkatan/<int:angkatan_id>/dasbor")
@results_admin_required
def angkatan_dashboard(angkatan_id: int):
    """Admin: an angkatan at a glance, panel by panel, each with a chart and a CSV table. The
    figures come from the stored snapshot while it is fresh (the access check above is not)."""
    subject = _angkatan_subject(angkatan_id)
    snap = services.snapshots.current(
        "angkatan", subject, PANEL_PREVIEW_ROWS, current_app.config["DASHBOARD_MAX_AGE_SECONDS"]
    )

    def urls(key: str) -> tuple[str, str]:
        return (
            url_for("results_admin.angkatan_panel_csv", angkatan_id=angkatan_id, key=key),
            url_for("results_admin.angkatan_panel", angkatan_id=angkatan_id, key=key),
        )

    return render_template(
        "results/admin/dashboard.html",
        admin_nav=_admin_nav(),
        subject=subject,
        sections=dashboard_sections("angkatan", subject, snap, PANEL_PREVIEW_ROWS, (angkatan_id,), urls),
        computed_at=snap.computed_at,
    )


@bp.post("/angkatan/<int:angkatan_id>/dasbor/perbarui")
@results_admin_required
def angkatan_dashboard_refresh(angkatan_id: int):
    """Recompute the angkatan dashboard's figures now ("Perbarui sekarang")."""
    subject = _angkatan_subject(angkatan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.snapshots.current(
        "angkatan", subject, PANEL_PREVIEW_ROWS, current_app.config["DASHBOARD_MAX_AGE_SECONDS"], refresh=True
    )
    flash(_("Angka dasbor diperbarui."), "success")
    return redirect(url_for("results_admin.angkatan_dashboard", angkatan_id=angkatan_id))


@bp.get("/angkatan/<int:angkatan_id>/dasbor/<key>")
@results_admin_required
def angkatan_panel(angkatan_id: int, key: str):
    """One angkatan dashboard panel with all its rows, paginated."""
    subject = _angkatan_subject(angkatan_id)
    panel = dashboards.panel("angkatan", key) or abort(404)
    data, page_no = dashboards.build_page(
        panel, subject, _int_or_none(request.args.get("page")) or 1, PANEL_PAGE_ROWS
    )
    page = RowsPage(data.rows, page_no, PANEL_PAGE_ROWS, total_rows=data.total)
    return render_template(
        "results/panel.html",
        panel=panel,
        data=data,
        page=page,
        back_url=url_for("results_admin.angkatan_dashboard", angkatan_id=angkatan_id),
        csv_url=url_for("results_admin.angkatan_panel_csv", angkatan_id=angkatan_id, key=key),
        heading=subject.angkatan.name,
    )


@bp.get("/angkatan/<int:angkatan_id>/dasbor/<key>/unduh.csv")
@results_admin_required
def angkatan_panel_csv(angkatan_id: int, key: str):
    """An angkatan dashboard panel's table as CSV."""
    subject = _angkatan_subject(angkatan_id)
    panel = dashboards.panel("angkatan", key) or abort(404)
    data = panel.fn(subject)
    return csv_response(services.exports.to_csv(data.columns, data.rows), f"angkatan-{angkatan_id}-{key}.csv")
