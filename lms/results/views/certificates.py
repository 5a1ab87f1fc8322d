""" "Sertifikat Saya": a person's certificates, making the certificate of completion of a
completed self-paced course, and downloading a certificate's PDF."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses.models import CourseCompletion
from lms.extensions import db
from lms.results import permissions, services
from lms.results.models import Certificate, CertificateStatus
from lms.results.views import bp
from lms.results.views._shared import base_url
from lms.web import ConfirmForm, send_stored, visible_or_404


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
    """The stored PDF of a certificate (its holder and admins), shown in the browser."""
    cert = visible_or_404(Certificate, certificate_id, permissions.can_view_certificate)
    safe_number = "".join(ch if ch.isalnum() else "-" for ch in cert.number)
    return send_stored(cert.pdf_key, f"sertifikat-{safe_number}.pdf", "application/pdf", inline=True)
