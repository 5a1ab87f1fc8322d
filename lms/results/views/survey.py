"""The satisfaction survey: the surveys a person may still answer, and answering one of an
angkatan or of a completed self-paced course (once, anonymously)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses.models import Angkatan, Course
from lms.database import writes
from lms.errors import DomainError
from lms.extensions import db
from lms.results import services
from lms.results.forms import SurveyForm
from lms.results.views import bp
from lms.results.views._shared import int_or_none


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
