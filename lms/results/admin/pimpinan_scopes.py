"""Which instansi or unit each pimpinan's dashboard covers (default: their own instansi)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Instansi, Role, UnitKerja, User, UserRole
from lms.errors import DomainError
from lms.extensions import db
from lms.results import services
from lms.results.admin import bp
from lms.results.admin._common import confirmed_delete, instansi_choices, paginate
from lms.results.forms import PimpinanScopeForm
from lms.results.models import PimpinanScope
from lms.results.views._shared import form_status
from lms.web import ConfirmForm, admin_required, run_service


def _scope_form() -> PimpinanScopeForm:
    """The form with its choices: every pimpinan, every instansi, every unit (by instansi)."""
    form = PimpinanScopeForm()
    pimpinan = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PIMPINAN)
        .order_by(User.full_name)
    ).all()
    form.user_id.choices = [(u.id, u.full_name) for u in pimpinan]
    form.instansi_id.choices = instansi_choices(None)
    units = db.session.execute(
        select(UnitKerja.id, UnitKerja.name, Instansi.name)
        .join(Instansi, Instansi.id == UnitKerja.instansi_id)
        .order_by(Instansi.name, UnitKerja.name)
    ).all()
    form.unit_id.choices = [(0, _("Seluruh instansi"))] + [
        (uid, f"{iname} - {uname}") for uid, uname, iname in units
    ]
    return form


@bp.route("/cakupan-pimpinan", methods=["GET", "POST"])
@admin_required
def pimpinan_scopes():
    """Which instansi or unit each pimpinan's dashboard covers (default: their own instansi)."""
    form = _scope_form()
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        instansi = db.session.get(Instansi, form.instansi_id.data)
        unit = db.session.get(UnitKerja, form.unit_id.data) if form.unit_id.data else None

        def save():
            if user is None or instansi is None:
                raise DomainError(_("Pilih pimpinan dan instansi."))
            services.set_pimpinan_scope(user, instansi, unit, current_user)

        if run_service(save, form=form, success=_("Cakupan dasbor pimpinan disimpan.")):
            return redirect(url_for("results_admin.pimpinan_scopes"))
    page = paginate(services.scope_rows())
    return render_template(
        "results/admin/pimpinan_scopes.html", form=form, page=page, confirm=ConfirmForm()
    ), form_status()


@bp.post("/cakupan-pimpinan/<int:scope_id>/hapus")
@admin_required
def pimpinan_scope_delete(scope_id: int):
    """Remove a scope row (the pimpinan sees their own instansi again)."""
    row = db.get_or_404(PimpinanScope, scope_id)
    return confirmed_delete(
        services.delete_pimpinan_scope, row, _("Cakupan dihapus."), "results_admin.pimpinan_scopes"
    )
