"""What the two results blueprints ("results" and "results_admin") share in the web layer: the
verify links' base URL, reading an int argument, CSV downloads, the form pages' status and the
confirmation page, and the dashboard pages (cached panel sections, the stored figures, one
panel's full page and its CSV). Role gates, running a service and the confirmation form are the
shared ones of ``lms.web``."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
)
from flask_babel import get_locale

from lms import csvio
from lms.extensions import db
from lms.memo import FragmentCache
from lms.pagination import RowsPage
from lms.results import services
from lms.results.services import dashboards
from lms.web import ConfirmForm, send_bytes

PANEL_PREVIEW_ROWS = 15
PANEL_PAGE_ROWS = 50
# Rendered dashboard panels kept per process; a few KB each.
SECTION_CACHE = FragmentCache("results.dashboard_sections", 256)


def base_url() -> str:
    """Where verify links point: PUBLIC_BASE_URL when set, else this request's host."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def int_or_none(value) -> int | None:
    """``value`` as an int, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def page_arg() -> int:
    """The ``?page=`` of a paged list (1 when missing)."""
    return int_or_none(request.args.get("page")) or 1


def csv_download(columns, rows, filename: str) -> Response:
    """A table as a CSV download (``lms.csvio``: BOM, formula-safe cells)."""
    return send_bytes(csvio.to_csv(columns, rows), filename, "text/csv")


def form_status() -> int:
    """A form page answers 400 when it is shown again after a refused POST."""
    return 400 if request.method == "POST" else 200


def confirm_page(form, *, title: str, question: str, cancel_url: str, danger: bool = False) -> str:
    """The confirmation page of a destructive or confirmed action."""
    return render_template(
        "results/confirm.html",
        form=form,
        title=title,
        question=question,
        cancel_url=cancel_url,
        danger=danger,
    )


def confirmed_change(
    action: Callable[[], object],
    *,
    success: str,
    next_url: str,
    title: str,
    question: str,
    cancel_url: str,
    danger: bool = False,
):
    """A confirmation page; its button runs ``action()`` (one service call), commits, flashes
    ``success`` and goes on to ``next_url``."""
    form = ConfirmForm()
    if form.validate_on_submit():
        action()
        db.session.commit()
        flash(success, "success")
        return redirect(next_url)
    return confirm_page(form, title=title, question=question, cancel_url=cancel_url, danger=danger)


# --- dashboard pages -------------------------------------------------------------------------


def dashboard_sections(
    scope: str,
    subject,
    snap: services.snapshots.Snapshot,
    preview: int,
    url_args: tuple,
    urls: Callable[[str], tuple[str, str]],
) -> list:
    """Each panel of a dashboard rendered as HTML (``results/_macros.html``'s ``panel_section``).

    A stored panel's HTML depends only on the snapshot, the language and the page's arguments,
    so it is rendered once per process and then reused, keyed by the snapshot's scope and
    ``computed_at`` (read from the database: another process's newer snapshot is a new key),
    the language, year, time zone, preview size, the panel and ``url_args`` (what its links are
    built from). Permissions and the "Data per"/"Perbarui sekarang" part are not in it; panels
    without a stored payload are computed and rendered on every view. ``urls(key)`` gives a
    panel's CSV and "Lihat semua" links (only called when the panel is rendered)."""
    macro = None
    kind, scope_id = services.snapshots.scope_of(subject)
    page_key = (
        kind,
        scope_id,
        snap.computed_at,
        str(get_locale()),
        subject.year,
        subject.timezone,
        preview,
        request.script_root,
        url_args,
    )
    sections = []
    for panel in dashboards.panels(scope):
        key = (page_key, panel.key, panel.render) if panel.compute is not None else None
        html = SECTION_CACHE.get(key) if key is not None else None
        if html is None:
            if macro is None:
                macro = get_template_attribute("results/_macros.html", "panel_section")
            data = services.snapshots.render_panel(panel, subject, snap, preview)
            html = macro(panel, data, preview, *urls(panel.key))
            if key is not None:
                SECTION_CACHE.put(key, html)
        sections.append(html)
    return sections


def current_snapshot(scope: str, subject, refresh: bool = False) -> services.snapshots.Snapshot:
    """The dashboard's stored figures (recomputed when stale, or now with ``refresh``)."""
    return services.snapshots.current(
        scope,
        subject,
        PANEL_PREVIEW_ROWS,
        current_app.config["DASHBOARD_MAX_AGE_SECONDS"],
        refresh=refresh,
    )


def panel_page(scope: str, subject, key: str, *, back_url: str, csv_url: str, heading: str) -> str:
    """One dashboard panel with all its rows, paginated."""
    panel = dashboards.panel(scope, key) or abort(404)
    data, page_no = dashboards.build_page(panel, subject, page_arg(), PANEL_PAGE_ROWS)
    page = RowsPage(data.rows, page_no, PANEL_PAGE_ROWS, total_rows=data.total)
    return render_template(
        "results/panel.html",
        panel=panel,
        data=data,
        page=page,
        back_url=back_url,
        csv_url=csv_url,
        heading=heading,
    )


def panel_csv(scope: str, subject, key: str, filename: str) -> Response:
    """A dashboard panel's whole table as CSV."""
    panel = dashboards.panel(scope, key) or abort(404)
    data = panel.fn(subject)
    return csv_download(data.columns, data.rows, filename)
