"""The admin's dashboard of one angkatan: its panels, refreshing the stored figures, and one
panel's full page and CSV."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.courses.models import Angkatan
from lms.extensions import db
from lms.jp import services as jp_services
from lms.memo import FragmentCache
from lms.results.admin import bp
from lms.results.admin._common import require_confirmation
from lms.results.services import dashboards
from lms.results.views._shared import (
    PANEL_PREVIEW_ROWS,
    current_snapshot,
    dashboard_sections,
    panel_csv,
    panel_page,
)
from lms.web import admin_required

# results/admin/_nav.html per language and URL root (a handful of entries).
ADMIN_NAV = FragmentCache("results.admin_nav", 32)


def _angkatan_subject(angkatan_id: int) -> dashboards.AngkatanSubject:
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    return dashboards.AngkatanSubject(
        angkatan=angkatan, year=jp_services.current_year(current_user), timezone=current_user.timezone
    )


def _admin_nav():
    """results/admin/_nav.html rendered once per process for each language (its links and
    labels depend on nothing else), for the pages that show it most often."""
    return ADMIN_NAV.render(
        (str(get_locale()), request.script_root),
        # an autoescaped template's output
        lambda: Markup(current_app.jinja_env.get_template("results/admin/_nav.html").render()),  # noqa: S704
    )


@bp.get("/angkatan/<int:angkatan_id>/dasbor")
@admin_required
def angkatan_dashboard(angkatan_id: int):
    """Admin: an angkatan at a glance, panel by panel, each with a chart and a CSV table. The
    figures come from the stored snapshot while it is fresh (the access check above is not)."""
    subject = _angkatan_subject(angkatan_id)
    snap = current_snapshot("angkatan", subject)

    def urls(key: str) -> tuple[str, str]:
        return (
            url_for("results_admin.angkatan_panel_csv", angkatan_id=angkatan_id, key=key),
            url_for("results_admin.angkatan_panel", angkatan_id=angkatan_id, key=key),
        )

    return render_template(
        "results/admin/dashboard.html",
        admin_nav=_admin_nav(),
        subject=subject,
        sections=dashboard_sections("angkatan", subject, snap, PANEL_PREVIEW_ROWS, (angkatan_id,), urls),
        computed_at=snap.computed_at,
    )


@bp.post("/angkatan/<int:angkatan_id>/dasbor/perbarui")
@admin_required
def angkatan_dashboard_refresh(angkatan_id: int):
    """Recompute the angkatan dashboard's figures now ("Perbarui sekarang")."""
    subject = _angkatan_subject(angkatan_id)
    require_confirmation()
    current_snapshot("angkatan", subject, refresh=True)
    flash(_("Angka dasbor diperbarui."), "success")
    return redirect(url_for("results_admin.angkatan_dashboard", angkatan_id=angkatan_id))


@bp.get("/angkatan/<int:angkatan_id>/dasbor/<key>")
@admin_required
def angkatan_panel(angkatan_id: int, key: str):
    """One angkatan dashboard panel with all its rows, paginated."""
    subject = _angkatan_subject(angkatan_id)
    return panel_page(
        "angkatan",
        subject,
        key,
        back_url=url_for("results_admin.angkatan_dashboard", angkatan_id=angkatan_id),
        csv_url=url_for("results_admin.angkatan_panel_csv", angkatan_id=angkatan_id, key=key),
        heading=subject.angkatan.name,
    )


@bp.get("/angkatan/<int:angkatan_id>/dasbor/<key>/unduh.csv")
@admin_required
def angkatan_panel_csv(angkatan_id: int, key: str):
    """An angkatan dashboard panel's table as CSV."""
    subject = _angkatan_subject(angkatan_id)
    return panel_csv("angkatan", subject, key, f"angkatan-{angkatan_id}-{key}.csv")
