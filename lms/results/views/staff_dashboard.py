"""The pimpinan's staff dashboard: the staff of the instansi (or unit) in their scope, panel by
panel, refreshing the stored figures, and one panel's full page and CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import Instansi, UnitKerja
from lms.extensions import db
from lms.jp import services as jp_services
from lms.results import permissions
from lms.results.services import dashboards
from lms.results.views import bp
from lms.results.views._shared import (
    PANEL_PREVIEW_ROWS,
    current_snapshot,
    dashboard_sections,
    int_or_none,
    panel_csv,
    panel_page,
)
from lms.web import ConfirmForm, role_required

staff_dashboard_required = role_required(permissions.can_use_staff_dashboard)
staff_dashboard_required.__doc__ = "Role gate: pimpinan and admins; everyone else gets 404."


@bp.get("/dasbor")
@staff_dashboard_required
def dashboard_home():
    """Send a pimpinan to the dashboard of their scope."""
    scope = permissions.pimpinan_scope(current_user)
    if scope is None:
        if permissions.is_admin(current_user) and current_user.instansi_id:
            return redirect(url_for("results.staff_dashboard", instansi_id=current_user.instansi_id))
        return render_template("results/dashboard_no_scope.html"), 404
    return redirect(url_for("results.staff_dashboard", instansi_id=scope.instansi_id, unit=scope.unit_id))


def _staff_subject(instansi_id: int) -> dashboards.InstansiSubject:
    instansi = db.get_or_404(Instansi, instansi_id)
    unit_id = int_or_none(request.args.get("unit"))
    unit = None
    if unit_id is not None:
        unit = db.session.get(UnitKerja, unit_id)
        if unit is None or unit.instansi_id != instansi.id:
            abort(404)
    if not permissions.can_view_staff_dashboard(current_user, instansi.id, unit_id):
        abort(404)
    return dashboards.InstansiSubject(
        instansi=instansi,
        unit=unit,
        year=jp_services.current_year(current_user),
        timezone=current_user.timezone,
    )


@bp.get("/dasbor/instansi/<int:instansi_id>")
@staff_dashboard_required
def staff_dashboard(instansi_id: int):
    """Pimpinan: the staff of the instansi (or unit) in scope: who reached this year's JP
    target and who did not, and the courses completed. The figures come from the stored
    snapshot while it is fresh; the scope check in _staff_subject runs on every request."""
    subject = _staff_subject(instansi_id)
    scope = permissions.pimpinan_scope(current_user)
    unit_locked = scope is not None and scope.unit_id is not None and not permissions.is_admin(current_user)
    snap = current_snapshot("instansi", subject)
    unit = subject.unit.id if subject.unit else None

    def urls(key: str) -> tuple[str, str]:
        return (
            url_for("results.staff_panel_csv", instansi_id=instansi_id, key=key, unit=unit),
            url_for("results.staff_panel", instansi_id=instansi_id, key=key, unit=unit),
        )

    return render_template(
        "results/staff_dashboard.html",
        subject=subject,
        sections=dashboard_sections("instansi", subject, snap, PANEL_PREVIEW_ROWS, (instansi_id, unit), urls),
        computed_at=snap.computed_at,
        units=subject.instansi.units,
        unit_locked=unit_locked,
    )


@bp.post("/dasbor/instansi/<int:instansi_id>/perbarui")
@staff_dashboard_required
def staff_dashboard_refresh(instansi_id: int):
    """Recompute the staff dashboard's figures now ("Perbarui sekarang")."""
    subject = _staff_subject(instansi_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current_snapshot("instansi", subject, refresh=True)
    flash(_("Angka dasbor diperbarui."), "success")
    unit = subject.unit.id if subject.unit else None
    return redirect(url_for("results.staff_dashboard", instansi_id=instansi_id, unit=unit))


@bp.get("/dasbor/instansi/<int:instansi_id>/panel/<key>")
@staff_dashboard_required
def staff_panel(instansi_id: int, key: str):
    """One panel of the staff dashboard with all its rows, paginated."""
    subject = _staff_subject(instansi_id)
    unit = request.args.get("unit")
    return panel_page(
        "instansi",
        subject,
        key,
        back_url=url_for("results.staff_dashboard", instansi_id=instansi_id, unit=unit),
        csv_url=url_for("results.staff_panel_csv", instansi_id=instansi_id, key=key, unit=unit),
        heading=subject.unit.name if subject.unit else subject.instansi.name,
    )


@bp.get("/dasbor/instansi/<int:instansi_id>/panel/<key>/unduh.csv")
@staff_dashboard_required
def staff_panel_csv(instansi_id: int, key: str):
    """A staff dashboard panel's table as CSV."""
    subject = _staff_subject(instansi_id)
    return panel_csv("instansi", subject, key, f"{key}-{subject.year}.csv")
