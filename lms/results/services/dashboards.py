"""Dashboards: a registry of panels per scope ("angkatan" for admins, "instansi" for pimpinan)
and the built-in panels that results can compute from what exists (their queries are in
``lms.results.queries.angkatan_panels`` and ``instansi_panels``; subjects and ``PanelData`` in
``lms.results.queries.panel_data``).

A panel is ``fn(subject) -> PanelData``: a table (columns and rows, always exportable as CSV)
and an optional bar chart rendered as SVG on the server. ``subject`` is an
:class:`AngkatanSubject` or an :class:`InstansiSubject`. Every panel must run a bounded number of
queries whatever the number of participants or staff (aggregate in SQL; no query per row).
Other features add their panels with :func:`register_dashboard_panel`.

Per-person work stays in SQL too: charts and bucket counts come from GROUP BY queries, and a
panel with one row per person (the JP panels) fetches only the rows shown, ``subject.window``
(offset, limit), and says how many there are in ``PanelData.total``; the CSV export (window
None) still gets every row. A panel that ignores the window returns all its rows, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.results.queries.angkatan_panels import (
    completion_compute,
    completion_render,
    enrolment_compute,
    enrolment_render,
    jp_angkatan_compute,
    jp_angkatan_render,
    outcome_compute,
    outcome_render,
    predicate_compute,
    predicate_render,
    progress_compute,
    progress_render,
)
from lms.results.queries.instansi_panels import (
    courses_completed_compute,
    courses_completed_render,
    jp_staff_compute,
    jp_staff_render,
    jp_units_compute,
    jp_units_render,
    staff_ids_stmt,
)
from lms.results.queries.panel_data import AngkatanSubject, Chart, InstansiSubject, PanelData

__all__ = [
    "AngkatanSubject",
    "build",
    "build_page",
    "Chart",
    "completion_panel",
    "courses_completed_panel",
    "enrolment_panel",
    "InstansiSubject",
    "jp_angkatan_panel",
    "jp_staff_panel",
    "jp_units_panel",
    "outcome_panel",
    "Panel",
    "panel",
    "PanelData",
    "panels",
    "predicate_panel",
    "progress_panel",
    "register_dashboard_panel",
    "SCOPES",
    "staff_ids_stmt",
    "unregister_dashboard_panel",
]

SCOPES = ("angkatan", "instansi")


@dataclass(frozen=True)
class Panel:
    """A registered panel. ``fn(subject)`` computes and renders it live. A panel registered with
    ``compute(subject) -> dict`` (JSON: numbers, ids, keys, data; no translated text) and
    ``render(payload, subject) -> PanelData`` (labels in the viewer's language) can also be kept
    in a dashboard snapshot; a panel with only ``fn`` is computed on every view."""

    scope: str
    key: str
    title: str
    fn: Callable[..., PanelData]
    compute: Callable[..., dict] | None = None
    render: Callable[..., PanelData] | None = None


_PANELS: dict[str, dict[str, Panel]] = {scope: {} for scope in SCOPES}


def register_dashboard_panel(
    scope: str,
    key: str,
    title: str,
    fn: Callable[..., PanelData] | None = None,
    *,
    compute: Callable[..., dict] | None = None,
    render: Callable[..., PanelData] | None = None,
) -> None:
    """Add (or replace) a panel. ``scope`` is "angkatan" or "instansi"; ``fn(subject)`` returns
    :class:`PanelData` in a bounded number of queries. Or give ``compute(subject)`` (a JSON-able
    dict without translated text, bounded queries, honouring ``subject.window``) and
    ``render(payload, subject)`` (no queries): the dashboard then stores the payload in its
    snapshot. Panels show in registration order."""
    if scope not in SCOPES:
        raise ValueError(f"unknown dashboard scope {scope!r}")
    if fn is None:
        if compute is None or render is None:
            raise ValueError("a panel needs fn, or compute and render")
        fn = _composed(compute, render)
    _PANELS[scope][key] = Panel(scope=scope, key=key, title=title, fn=fn, compute=compute, render=render)


def _composed(compute, render):
    def fn(subject):
        return render(compute(subject), subject)

    return fn


def unregister_dashboard_panel(scope: str, key: str) -> None:
    """Remove a panel (tests use it to clean up)."""
    _PANELS.get(scope, {}).pop(key, None)


def panels(scope: str) -> list[Panel]:
    return list(_PANELS[scope].values())


def panel(scope: str, key: str) -> Panel | None:
    return _PANELS.get(scope, {}).get(key)


def build(scope: str, subject, preview: int) -> list[tuple[Panel, PanelData]]:
    """Every panel of ``scope`` computed for ``subject``, with at least the first ``preview``
    rows of each table (panels that window their rows fetch no more)."""
    subject.window = (0, preview)
    return [(p, p.fn(subject)) for p in panels(scope)]


def build_page(panel: Panel, subject, page: int, per_page: int) -> tuple[PanelData, int]:
    """One page of a panel's table: the panel's data with (at least) the rows of page ``page``,
    and the page number actually shown (clamped to the last page)."""
    page = max(1, page)
    subject.window = ((page - 1) * per_page, per_page)
    data = panel.fn(subject)
    if data.total is not None:
        last = max(1, -(-data.total // per_page))
        if page > last:  # past the end: show the last page, as in-memory paging does
            page = last
            subject.window = ((page - 1) * per_page, per_page)
            data = panel.fn(subject)
    return data, page


enrolment_panel = _composed(enrolment_compute, enrolment_render)
progress_panel = _composed(progress_compute, progress_render)
completion_panel = _composed(completion_compute, completion_render)
jp_angkatan_panel = _composed(jp_angkatan_compute, jp_angkatan_render)
predicate_panel = _composed(predicate_compute, predicate_render)
outcome_panel = _composed(outcome_compute, outcome_render)
jp_units_panel = _composed(jp_units_compute, jp_units_render)
jp_staff_panel = _composed(jp_staff_compute, jp_staff_render)
courses_completed_panel = _composed(courses_completed_compute, courses_completed_render)


def _register_builtin() -> None:
    for scope, key, title, compute, render in (
        ("angkatan", "peserta", _l("Peserta dan status pendaftaran"), enrolment_compute, enrolment_render),
        ("angkatan", "kemajuan", _l("Kemajuan belajar"), progress_compute, progress_render),
        ("angkatan", "kursus-selesai", _l("Penyelesaian kursus"), completion_compute, completion_render),
        ("angkatan", "jp", _l("JP peserta tahun ini dan targetnya"), jp_angkatan_compute, jp_angkatan_render),
        ("angkatan", "predikat", _l("Predikat akhir"), predicate_compute, predicate_render),
        ("angkatan", "keputusan", _l("Keputusan kelulusan"), outcome_compute, outcome_render),
        ("instansi", "jp-unit", _l("Capaian target JP per unit kerja"), jp_units_compute, jp_units_render),
        ("instansi", "jp-pegawai", _l("JP pegawai tahun ini"), jp_staff_compute, jp_staff_render),
        (
            "instansi",
            "kursus-selesai",
            _l("Kursus yang diselesaikan"),
            courses_completed_compute,
            courses_completed_render,
        ),
    ):
        register_dashboard_panel(scope, key, title, compute=compute, render=render)


_register_builtin()
