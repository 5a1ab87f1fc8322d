"""External JP: the queue of training recorded outside Pelita, and verifying or rejecting one."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import ExternalStatus, ExternalTraining
from lms.results.admin import bp
from lms.results.admin._common import paginate
from lms.results.forms import ExternalFilterForm, ExternalReviewForm
from lms.results.views._shared import form_status, int_or_none
from lms.web import admin_required, run_service


@bp.get("/jp-eksternal")
@admin_required
def external_queue():
    """External training waiting for verification (or filtered by status)."""
    form = ExternalFilterForm(request.args)
    status = request.args.get("status", ExternalStatus.PENDING.value)
    if status not in {s.value for s in ExternalStatus} | {""}:
        abort(404)
    form.status.data = status
    stmt = jp_services.external_queue(status or None).options(selectinload(ExternalTraining.user))
    return render_template(
        "results/admin/external_queue.html", form=form, page=paginate(stmt), services=jp_services
    )


@bp.route("/jp-eksternal/<int:training_id>", methods=["GET", "POST"])
@admin_required
def external_review(training_id: int):
    """Verify (JP counts) or reject (with a reason) one external training."""
    training = db.get_or_404(ExternalTraining, training_id)
    form = ExternalReviewForm()
    if request.method == "GET":
        form.version.data = str(training.version)
    if form.validate_on_submit():
        decide = (
            jp_services.verify_external_training
            if form.decision.data == "verify"
            else jp_services.reject_external_training
        )
        if run_service(
            lambda: decide(training, current_user, form.note.data or "", int_or_none(form.version.data)),
            form=form,
            success=_("Keputusan disimpan."),
        ):
            return redirect(url_for("results_admin.external_queue"))
    return render_template(
        "results/admin/external_review.html",
        training=training,
        form=form,
        services=jp_services,
        pending=training.status == ExternalStatus.PENDING,
    ), form_status()
