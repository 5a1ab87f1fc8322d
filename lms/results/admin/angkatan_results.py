"""The results of one angkatan: the table (or a course angkatan's completions), recomputing,
the CSV/XLSX export, manual scores of one component, and a participant's outcome."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.courses.models import Angkatan, Enrolment
from lms.extensions import db
from lms.pagination import RowsPage
from lms.results import services
from lms.results.admin import bp
from lms.results.admin._common import RESULTS_PER_PAGE, require_confirmation
from lms.results.forms import ManualScoresForm, OutcomeForm
from lms.results.services import audit
from lms.results.views._shared import csv_download, form_status, int_or_none, page_arg
from lms.web import ConfirmForm, admin_required, run_service, send_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back_to_results(angkatan_id: int):
    return redirect(url_for("results_admin.angkatan_results", angkatan_id=angkatan_id))


@bp.get("/angkatan/<int:angkatan_id>")
@admin_required
def angkatan_results(angkatan_id: int):
    """The results table (rank, components, final, predicate, outcome, certificate)."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    if angkatan.program_id is None:
        return _course_angkatan(angkatan)
    table = services.results_table(angkatan)
    return render_template(
        "results/admin/results.html",
        angkatan=angkatan,
        table=table,
        page=RowsPage(table.rows, page_arg(), RESULTS_PER_PAGE),
        manual=services.manual_components(table.scheme),
        audit_entries=audit.entries_for_angkatan(angkatan.id, limit=20),
        form=ConfirmForm(),
        services=services,
    )


def _course_angkatan(angkatan: Angkatan):
    """An angkatan of a self-paced course: completions and certificates of completion."""
    rows = services.course_angkatan_rows(angkatan)
    return render_template(
        "results/admin/course_angkatan.html",
        angkatan=angkatan,
        page=RowsPage(rows, page_arg(), RESULTS_PER_PAGE),
        audit_entries=audit.entries_for_angkatan(angkatan.id, limit=20),
        form=ConfirmForm(),
    )


@bp.post("/angkatan/<int:angkatan_id>/hitung")
@admin_required
def recompute(angkatan_id: int):
    """Recompute the angkatan's results from the component sources now."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    require_confirmation()
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
    return _back_to_results(angkatan.id)


@bp.get("/angkatan/<int:angkatan_id>/hasil.<fmt>")
@admin_required
def results_export(angkatan_id: int, fmt: str):
    """The results table as CSV or XLSX."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    if fmt not in ("csv", "xlsx") or angkatan.program_id is None:
        abort(404)
    columns, rows = services.results_export_rows(services.results_table(angkatan))
    filename = f"hasil-angkatan-{angkatan.id}.{fmt}"
    if fmt == "csv":
        return csv_download(columns, rows, filename)
    return send_bytes(services.exports.to_xlsx(angkatan.name, columns, rows), filename, XLSX_MIME)


def _typed_scores(sheet) -> tuple[dict[int, float | None], dict[int, str], dict[int, str]]:
    """The scores typed in the form for each row of ``sheet``: (scores, errors, typed), each
    keyed by enrolment id; a blank clears a score, anything but a number 0-100 is an error."""
    scores: dict[int, float | None] = {}
    errors: dict[int, str] = {}
    typed: dict[int, str] = {}
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
    return scores, errors, typed


@bp.route("/angkatan/<int:angkatan_id>/nilai/<key>", methods=["GET", "POST"])
@admin_required
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
        scores, errors, typed = _typed_scores(sheet)
        if not errors:
            changed = run_service(
                lambda: services.save_manual_scores(angkatan, key, scores, current_user), form=form
            )
            if changed:
                flash(_("%(n)s nilai diubah; nilai akhir dihitung ulang.", n=changed.value), "success")
                return _back_to_results(angkatan.id)
        else:
            form.form_errors.append(
                _("Ada %(n)s nilai yang tidak sah; tidak ada yang disimpan.", n=len(errors))
            )
    return render_template(
        "results/admin/manual_scores.html",
        angkatan=angkatan,
        component=component,
        sheet=sheet,
        form=form,
        errors=errors,
        typed=typed,
        services=services,
    ), form_status()


@bp.route("/peserta/<int:enrolment_id>/keputusan", methods=["GET", "POST"])
@admin_required
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

        def decide():
            services.set_outcome(
                enrolment,
                form.outcome.data or None,
                form.note.data or "",
                current_user,
                expected_version=int_or_none(form.version.data) if result else None,
            )

        saved = _("Keputusan untuk %(name)s disimpan.", name=enrolment.user.full_name)
        if run_service(decide, form=form, success=saved):
            return _back_to_results(enrolment.angkatan_id)
    return render_template(
        "results/admin/outcome.html",
        enrolment=enrolment,
        result=result,
        form=form,
        history=audit.entries_for("enrolment", enrolment.id),
        services=services,
    ), form_status()
