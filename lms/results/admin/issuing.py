"""Issuing certificates: every certificate due in an angkatan (in batches), or one participant's."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.courses.models import Angkatan, Enrolment
from lms.errors import DomainError
from lms.extensions import db
from lms.results import services
from lms.results.admin import bp
from lms.results.admin._common import require_confirmation
from lms.results.views._shared import base_url, confirm_page
from lms.web import ConfirmForm, admin_required, run_service

# Certificates rendered per request (about 0.1 s each): the rest on the next press.
ISSUE_BATCH = 150


@bp.route("/angkatan/<int:angkatan_id>/terbitkan", methods=["GET", "POST"])
@admin_required
def issue_all(angkatan_id: int):
    """Issue every certificate due in the angkatan (after a confirmation page)."""
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        issued = run_service(
            lambda: services.issue_for_angkatan(angkatan, current_user, base_url(), limit=ISSUE_BATCH)
        )
        if not issued:
            return redirect(url_for("results_admin.angkatan_results", angkatan_id=angkatan.id))
        return render_template("results/admin/issued.html", angkatan=angkatan, summary=issued.value)
    kind = _("STTP") if angkatan.program_id else _("sertifikat penyelesaian")
    return confirm_page(
        form,
        title=_("Terbitkan sertifikat angkatan"),
        question=_(
            "Terbitkan %(kind)s untuk semua peserta %(name)s yang memenuhi syarat? Peserta yang sudah "
            "memiliki sertifikat sah dilewati.",
            kind=kind,
            name=angkatan.name,
        ),
        cancel_url=url_for("results_admin.angkatan_results", angkatan_id=angkatan.id),
    )


def _issue_for(enrolment: Enrolment):
    """The certificate due to one participant: a course angkatan's certificate of completion,
    else the program's STTP."""
    if enrolment.angkatan.program_id is None:
        completion = services.completion_of_enrolment(enrolment)
        if completion is None:
            raise DomainError(_("Peserta belum menyelesaikan kursus."))
        return services.issue_completion_certificate(completion, current_user, base_url())
    return services.issue_sttp(enrolment, current_user, base_url())


@bp.post("/peserta/<int:enrolment_id>/terbitkan")
@admin_required
def issue_one(enrolment_id: int):
    """Issue the certificate of one participant."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    require_confirmation()
    issued = run_service(lambda: _issue_for(enrolment))
    if issued:
        flash(_("Sertifikat %(number)s diterbitkan.", number=issued.value.number), "success")
    return redirect(url_for("results_admin.angkatan_results", angkatan_id=enrolment.angkatan_id))
