"""The satisfaction survey: its Likert statements, and the anonymous reports (page and CSV) of
an angkatan or a course."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.courses.models import Angkatan, Course
from lms.extensions import db
from lms.results import services
from lms.results.admin import bp
from lms.results.forms import SurveyItemForm
from lms.results.models import SurveyItem, SurveyResponse
from lms.results.views._shared import csv_download, form_status
from lms.web import admin_required, run_service


def _save_item(item: SurveyItem | None, form: SurveyItemForm, success: str) -> bool:
    """Save the statement typed in ``form`` (``item`` None: a new one)."""
    return bool(
        run_service(
            lambda: services.save_survey_item(
                item, form.text.data, form.position.data or 0, form.active.data, current_user
            ),
            form=form,
            success=success,
        )
    )


@bp.route("/evaluasi/pernyataan", methods=["GET", "POST"])
@admin_required
def survey_items():
    """The Likert statements of the satisfaction survey, and course survey reports."""
    form = SurveyItemForm()
    if form.validate_on_submit() and _save_item(None, form, _("Pernyataan ditambahkan.")):
        return redirect(url_for("results_admin.survey_items"))
    courses = db.session.execute(
        select(Course.id, Course.title, func.count(SurveyResponse.id))
        .join(SurveyResponse, SurveyResponse.course_id == Course.id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    return render_template(
        "results/admin/survey_items.html", form=form, items=services.all_survey_items(), courses=courses
    ), form_status()


@bp.route("/evaluasi/pernyataan/<int:item_id>", methods=["GET", "POST"])
@admin_required
def survey_item_edit(item_id: int):
    """Fix the wording of a statement or stop asking it."""
    item = db.get_or_404(SurveyItem, item_id)
    form = SurveyItemForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit() and _save_item(item, form, _("Pernyataan disimpan.")):
        return redirect(url_for("results_admin.survey_items"))
    return render_template("results/admin/survey_item.html", form=form, item=item), form_status()


def _survey_subject(kind: str, subject_id: int):
    if kind == "angkatan":
        return db.get_or_404(Angkatan, subject_id), None
    if kind == "kursus":
        return None, db.get_or_404(Course, subject_id)
    abort(404)


@bp.get("/hasil-evaluasi/<kind>/<int:subject_id>")
@admin_required
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
@admin_required
def survey_report_csv(kind: str, subject_id: int):
    """The survey's item table as CSV (comments are not exported with it)."""
    angkatan, course = _survey_subject(kind, subject_id)
    columns, rows = services.survey_export(services.survey_report(angkatan=angkatan, course=course))
    return csv_download(columns, rows, f"evaluasi-{kind}-{subject_id}.csv")
