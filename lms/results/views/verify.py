"""The public verify page: anyone types or scans a certificate's code (no login)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.extensions import limiter
from lms.results import services
from lms.results.forms import VerifyForm
from lms.results.models import CertificateStatus
from lms.results.views import bp

VERIFY_LIMIT = "30 per minute"


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
