"""Certificates: the searchable list, one certificate with its history, revoking and reissuing
(each with a reason), and the settings printed on new certificates."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.extensions import db
from lms.results import services
from lms.results.admin import bp
from lms.results.admin._common import paginate
from lms.results.forms import CertificateSearchForm, CertificateSettingsForm, ReasonForm
from lms.results.models import Certificate, CertificateKind, CertificateStatus
from lms.results.services import audit
from lms.results.views._shared import base_url, form_status, int_or_none
from lms.web import admin_required, run_service


@bp.get("/sertifikat")
@admin_required
def certificates():
    """Every certificate, searchable by code, number or name."""
    form = CertificateSearchForm(request.args)
    stmt = services.search_certificates(form.q.data, form.status.data or None)
    return render_template(
        "results/admin/certificates.html", form=form, page=paginate(stmt), statuses=CertificateStatus
    )


@bp.get("/sertifikat/<int:certificate_id>")
@admin_required
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


def _reason_page(
    certificate_id: int,
    change: Callable[[Certificate, str, int | None], Certificate],
    done: Callable[[Certificate], str],
    *,
    title: str,
    intro: str,
    danger: bool,
):
    """A change of a certificate that needs a reason (revoke, reissue): ``change(cert, reason,
    expected_version)`` returns the certificate to show next, ``done(that certificate)`` the
    message to flash."""
    cert = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(cert.version)
    if form.validate_on_submit():
        changed = run_service(
            lambda: change(cert, form.reason.data, int_or_none(form.version.data)), form=form
        )
        if changed:
            flash(done(changed.value), "success")
            return redirect(url_for("results_admin.certificate", certificate_id=changed.value.id))
    return render_template(
        "results/admin/reason.html", form=form, cert=cert, title=title, intro=intro, danger=danger
    ), form_status()


@bp.route("/sertifikat/<int:certificate_id>/cabut", methods=["GET", "POST"])
@admin_required
def revoke(certificate_id: int):
    """Revoke a certificate with a reason (the verify page then shows it revoked)."""
    return _reason_page(
        certificate_id,
        lambda cert, reason, version: services.revoke_certificate(cert, current_user, reason, version),
        lambda cert: _("Sertifikat %(number)s dicabut.", number=cert.number),
        title=_("Cabut sertifikat"),
        intro=_("Sertifikat yang dicabut tetap dapat diperiksa, tetapi ditampilkan sebagai dicabut."),
        danger=True,
    )


@bp.route("/sertifikat/<int:certificate_id>/terbitkan-ulang", methods=["GET", "POST"])
@admin_required
def reissue(certificate_id: int):
    """Reissue a certificate from today's data with a reason; the old one is marked replaced."""
    return _reason_page(
        certificate_id,
        lambda cert, reason, version: services.reissue_certificate(
            cert, current_user, reason, base_url(), version
        ),
        lambda new: _("Sertifikat baru %(number)s diterbitkan.", number=new.number),
        title=_("Terbitkan ulang sertifikat"),
        intro=_(
            "Sertifikat baru dibuat dari data saat ini dengan nomor dan kode baru; sertifikat lama "
            "ditandai diganti dan tidak berlaku lagi."
        ),
        danger=False,
    )


@bp.route("/pengaturan-sertifikat", methods=["GET", "POST"])
@admin_required
def certificate_settings():
    """The institution, signatory, place and number formats printed on new certificates."""
    settings = services.certificate_settings()
    form = CertificateSettingsForm(obj=settings if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(settings.version or 0)
    if form.validate_on_submit():

        def save():
            services.save_certificate_settings(
                institution_name=form.institution_name.data,
                place=form.place.data or "",
                signatory_name=form.signatory_name.data or "",
                signatory_title=form.signatory_title.data or "",
                signatory_nip=form.signatory_nip.data or "",
                sttp_number_format=form.sttp_number_format.data,
                completion_number_format=form.completion_number_format.data,
                by=current_user,
                expected_version=int_or_none(form.version.data) or None,
            )

        if run_service(save, form=form, success=_("Pengaturan sertifikat disimpan.")):
            return redirect(url_for("results_admin.certificate_settings"))
    return render_template("results/admin/certificate_settings.html", form=form), form_status()
