"""Yearly JP targets per instansi and employee class (and the defaults)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import Instansi
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import JpTarget
from lms.results.admin import bp
from lms.results.admin._common import confirmed_delete, instansi_choices
from lms.results.forms import JpTargetForm
from lms.results.views._shared import form_status
from lms.web import ConfirmForm, admin_required, run_service


@bp.route("/target-jp", methods=["GET", "POST"])
@admin_required
def jp_targets():
    """Yearly JP targets per instansi and employee class (and the defaults)."""
    form = JpTargetForm()
    form.instansi_id.choices = instansi_choices(_("Semua instansi (bawaan)"))
    if form.validate_on_submit():
        instansi = db.session.get(Instansi, form.instansi_id.data) if form.instansi_id.data else None
        if run_service(
            lambda: jp_services.set_jp_target(
                instansi, form.employee_class.data, form.target_jp.data, current_user
            ),
            form=form,
            success=_("Target JP disimpan."),
        ):
            return redirect(url_for("results_admin.jp_targets"))
    return render_template(
        "results/admin/jp_targets.html",
        form=form,
        targets=jp_services.jp_targets(),
        builtin=jp_services.BUILTIN_TARGETS,
        confirm=ConfirmForm(),
    ), form_status()


@bp.post("/target-jp/<int:target_id>/hapus")
@admin_required
def jp_target_delete(target_id: int):
    """Remove a target row (the default applies again)."""
    target = db.get_or_404(JpTarget, target_id)
    return confirmed_delete(
        jp_services.delete_jp_target, target, _("Target JP dihapus."), "results_admin.jp_targets"
    )
