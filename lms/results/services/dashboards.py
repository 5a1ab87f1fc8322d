"""Dashboards: a registry of panels per scope ("angkatan" for admins, "instansi" for pimpinan)
and the built-in panels that results can compute from what exists.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from lms.accounts import nip as nip_rules
from lms.accounts.models import Instansi, UnitKerja, User
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    Module,
)
from lms.extensions import db
from lms.jp.models import JpRecord, JpTarget
from lms.jp.services import BUILTIN_TARGETS
from lms.models_base import inline
from lms.results.models import ParticipantResult
from lms.results.services import assessment

SCOPES = ("angkatan", "instansi")
ENROLMENT_LABELS = {
    EnrolmentStatus.ACTIVE: _l("Aktif"),
    EnrolmentStatus.COMPLETED: _l("Selesai"),
    EnrolmentStatus.WITHDRAWN: _l("Mengundurkan diri"),
}
# Progress buckets: "0%" nothing done, "100%" everything done, else the whole percent done
# (rounded down, at least 1, at most 99) within the bucket's bounds.
PROGRESS_BUCKETS = [
    (0, 0, "0%"),
    (1, 25, "1-25%"),
    (26, 50, "26-50%"),
    (51, 75, "51-75%"),
    (76, 99, "76-99%"),
    (100, 100, "100%"),
]
# A person's JP status against their target, as computed in SQL.
JP_REACHED, JP_BEHIND, JP_NO_TARGET = 0, 1, 2


@dataclass
class Chart:
    """One series of bars: a label and a value each."""

    title: str
    labels: list[str]
    values: list[float]
    unit: str = ""

    @property
    def description(self) -> str:
        """The chart in words, for screen readers (the table beside it has the same data)."""
        parts = [
            f"{label}: {_fmt(value)} {self.unit}".strip()
            for label, value in zip(self.labels, self.values, strict=True)
        ]
        return f"{self.title}. " + "; ".join(parts) + "."

    @property
    def maximum(self) -> float:
        return max(self.values, default=0) or 1


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class PanelData:
    """What a panel shows: a table and optionally a chart of it."""

    columns: list[str]
    rows: list[list]
    chart: Chart | None = None
    note: str = ""
    total: int | None = None  # set when ``rows`` is only the requested window of the table

    @property
    def row_count(self) -> int:
        """How many rows the whole table has (the CSV export's)."""
        return len(self.rows) if self.total is None else self.total


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


@dataclass
class AngkatanSubject:
    """An admin's dashboard of one angkatan; ``year`` is the viewer's current calendar year."""

    angkatan: Angkatan
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)
    window: tuple[int, int] | None = None  # (offset, limit) of per-person rows; None: all


@dataclass
class InstansiSubject:
    """A pimpinan's dashboard: an instansi, optionally one unit, for one calendar year."""

    instansi: Instansi
    unit: UnitKerja | None
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)
    window: tuple[int, int] | None = None  # (offset, limit) of per-person rows; None: all


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


def _apply_window(stmt, window: tuple[int, int] | None):
    if window is None:
        return stmt
    offset, limit = window
    return stmt.offset(offset).limit(limit)


# --- angkatan panels -------------------------------------------------------------------------


def _enrolment_counts(subject: AngkatanSubject) -> dict[EnrolmentStatus, int]:
    if "enrolment_counts" not in subject.cache:
        rows = db.session.execute(
            select(Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.angkatan_id == subject.angkatan.id)
            .group_by(Enrolment.status)
        )
        subject.cache["enrolment_counts"] = {EnrolmentStatus(s): int(n) for s, n in rows}
    return subject.cache["enrolment_counts"]


def enrolment_compute(subject: AngkatanSubject) -> dict:
    counts = _enrolment_counts(subject)
    return {"counts": [counts.get(s, 0) for s in EnrolmentStatus]}


def enrolment_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    """Participants by enrolment status."""
    labels = [str(ENROLMENT_LABELS[s]) for s in EnrolmentStatus]
    values = payload["counts"]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Jumlah"), sum(values)])
    return PanelData(
        columns=[_("Status"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Peserta menurut status"), labels, values, _("peserta")),
    )


def _participant_count(subject: AngkatanSubject) -> int:
    counts = _enrolment_counts(subject)
    return sum(n for s, n in counts.items() if s != EnrolmentStatus.WITHDRAWN)


def _angkatan_course_ids(angkatan: Angkatan, cache: dict | None = None) -> list[int]:
    if angkatan.course_id is not None:
        return [angkatan.course_id]
    if cache is not None and "course_ids" in cache:
        return cache["course_ids"]
    ids = list(
        db.session.scalars(
            select(Course.id)
            .where(Course.program_id == angkatan.program_id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.id)
        )
    )
    if cache is not None:
        cache["course_ids"] = ids
    return ids


# The values these statements filter on are written into their text (``inline``), not sent as
# parameters: psycopg prepares a statement after its fifth execution, and PostgreSQL may then
# switch to one generic plan for any parameters; for the progress aggregate that plan ran 15
# times slower (300 against 20 ms). With every value in the text each keeps its own plan.


def _not_withdrawn():
    return Enrolment.status != inline(EnrolmentStatus.WITHDRAWN, Enrolment.status.type)


def _participant_ids_stmt(angkatan_id: int):
    return select(Enrolment.user_id).where(Enrolment.angkatan_id == inline(angkatan_id), _not_withdrawn())


def progress_compute(subject: AngkatanSubject) -> dict:
    """How far participants are through the required lessons of the angkatan's courses.

    Two queries whatever the size of the angkatan: the number of required lessons, then the
    participants counted per bucket in SQL (lessons done per participant, bucketed with CASE)."""
    angkatan = subject.angkatan
    course_ids = _angkatan_course_ids(angkatan, subject.cache)
    required = (
        select(Lesson.id)
        .join(Module, Module.id == Lesson.module_id)
        .where(
            Module.course_id.in_(inline(course_ids, expanding=True)),
            Module.published.is_(True),
            Lesson.required.is_(True),
        )
    )
    total = int(db.session.scalar(select(func.count()).select_from(required.subquery())) or 0)
    labels = [label for _low, _high, label in PROGRESS_BUCKETS]
    counts: dict[str, int] = {}
    if total:
        # Driven from the angkatan's enrolments: each participant's progress rows through the
        # user index, each lesson checked against the (small) set of required lessons. The
        # "+ 0" keeps SQLite from probing (user, lesson) once per participant and required
        # lesson instead (147,000 probes for 490 x 300: 5x slower); PostgreSQL hashes either way.
        # Both then read the partial index ix_lesson_progress_done alone (no table rows).
        done = (
            select(LessonProgress.user_id, func.count().label("done"))
            .join(Enrolment, Enrolment.user_id == LessonProgress.user_id)
            .where(
                Enrolment.angkatan_id == inline(angkatan.id),
                _not_withdrawn(),
                LessonProgress.completed_at.is_not(None),
                (LessonProgress.lesson_id + inline(0)).in_(required),
            )
            .group_by(LessonProgress.user_id)
            .subquery()
        )
        n = func.coalesce(done.c.done, inline(0))
        pct = n * inline(100)
        bucket = case(
            (n == inline(0), inline(0)),
            (n >= inline(total), inline(5)),
            (pct < inline(total * 26), inline(1)),
            (pct < inline(total * 51), inline(2)),
            (pct < inline(total * 76), inline(3)),
            else_=inline(4),
        ).label("bucket")
        per_person = (
            select(bucket)
            .select_from(Enrolment)
            .outerjoin(done, done.c.user_id == Enrolment.user_id)
            .where(Enrolment.angkatan_id == inline(angkatan.id), _not_withdrawn())
            .subquery()
        )
        rows = db.session.execute(
            select(per_person.c.bucket, func.count()).group_by(per_person.c.bucket)
        ).all()
        counts = {labels[int(b)]: int(c) for b, c in rows}
    else:
        counts = {labels[0]: _participant_count(subject)}
    return {"required": total, "counts": [counts.get(label, 0) for label in labels]}


def progress_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels = [label for _low, _high, label in PROGRESS_BUCKETS]
    values = payload["counts"]
    note = "" if payload["required"] else _("Kursus angkatan ini belum memiliki pelajaran wajib yang terbit.")
    return PanelData(
        columns=[_("Pelajaran wajib selesai"), _("Peserta")],
        rows=[[label, value] for label, value in zip(labels, values, strict=True)],
        chart=Chart(_("Sebaran kemajuan belajar"), labels, values, _("peserta")),
        note=note,
    )


def completion_compute(subject: AngkatanSubject) -> dict:
    """Per course of the angkatan: how many participants completed it."""
    angkatan = subject.angkatan
    course_ids = _angkatan_course_ids(angkatan, subject.cache)
    titles = dict(db.session.execute(select(Course.id, Course.title).where(Course.id.in_(course_ids))).all())
    done = dict(
        db.session.execute(
            select(CourseCompletion.course_id, func.count(CourseCompletion.id))
            .where(
                CourseCompletion.course_id.in_(course_ids),
                CourseCompletion.user_id.in_(_participant_ids_stmt(angkatan.id)),
            )
            .group_by(CourseCompletion.course_id)
        ).all()
    )
    return {
        "participants": _participant_count(subject),
        "courses": [[cid, titles.get(cid, "-"), int(done.get(cid, 0))] for cid in course_ids],
    }


def completion_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    participants = payload["participants"]
    rows = []
    for _course_id, title, n in payload["courses"]:
        pct = round(100 * n / participants, 1) if participants else 0.0
        rows.append([title, n, participants, pct])
    return PanelData(
        columns=[_("Kursus"), _("Selesai"), _("Peserta"), _("Persen")],
        rows=rows,
        chart=Chart(
            _("Peserta yang menyelesaikan kursus"), [r[0] for r in rows], [r[1] for r in rows], _("peserta")
        )
        if rows
        else None,
        note="" if rows else _("Angkatan ini belum memiliki kursus."),
    )


def _jp_people(user_stmt, year: int):
    """A subquery of the users selected by ``user_stmt`` (a select of user ids) with their JP
    this year, their yearly target (their instansi's for their class, else the default of their
    class, else the built-in one; none for non-ASN) and their status (``JP_REACHED``,
    ``JP_BEHIND`` or ``JP_NO_TARGET``): the same rule as ``jp.target_lookup``, in SQL."""
    earned = (
        select(JpRecord.user_id, func.sum(JpRecord.jp).label("jp"))
        .where(JpRecord.year == inline(year), JpRecord.user_id.in_(user_stmt))
        .group_by(JpRecord.user_id)
        .subquery()
    )
    own, default = aliased(JpTarget), aliased(JpTarget)
    builtin = case(
        *[
            (User.employee_class == inline(cls, User.employee_class.type), inline(target))
            for cls, target in BUILTIN_TARGETS.items()
        ],
        else_=None,
    )
    target = func.coalesce(own.target_jp, default.target_jp, builtin)
    jp = func.coalesce(earned.c.jp, inline(0))
    status = case(
        (target.is_(None), inline(JP_NO_TARGET)),
        (jp >= target, inline(JP_REACHED)),
        else_=inline(JP_BEHIND),
    )
    return (
        select(
            User.id.label("user_id"),
            User.full_name.label("full_name"),
            User.nip.label("nip"),
            User.unit_id.label("unit_id"),
            jp.label("jp"),
            target.label("target"),
            status.label("status"),
        )
        .outerjoin(earned, earned.c.user_id == User.id)
        .outerjoin(own, and_(own.instansi_id == User.instansi_id, own.employee_class == User.employee_class))
        .outerjoin(
            default, and_(default.instansi_id.is_(None), default.employee_class == User.employee_class)
        )
        .where(User.id.in_(user_stmt))
        .subquery()
    )


def _jp_status_labels() -> dict[int, str]:
    return {JP_REACHED: _("Tercapai"), JP_BEHIND: _("Belum tercapai"), JP_NO_TARGET: _("Tanpa target")}


def _jp_status_counts(people, cache: dict) -> dict[int, int]:
    """People per JP status: one GROUP BY query (cached for the request's other panels)."""
    if "jp_status_counts" not in cache:
        rows = db.session.execute(select(people.c.status, func.count()).group_by(people.c.status))
        cache["jp_status_counts"] = {int(s): int(n) for s, n in rows}
    return cache["jp_status_counts"]


_JP_ORDER = (JP_REACHED, JP_BEHIND, JP_NO_TARGET)


def _target_chart(counts: list[int], labels: dict[int, str], year: int) -> Chart:
    """``counts``: people reached, behind and without a target, in that order."""
    return Chart(
        _("Capaian target JP tahun %(year)s", year=year),
        [labels[s] for s in _JP_ORDER],
        list(counts),
        _("orang"),
    )


def _number(value):
    """A target as JSON: an int (or a float if fractional), None stays None."""
    if value is None:
        return None
    value = float(value)
    return int(value) if value.is_integer() else value


def jp_angkatan_compute(subject: AngkatanSubject) -> dict:
    """Participants' JP this year against their yearly target: the chart from one GROUP BY,
    the table (by name) only for the rows in ``subject.window``."""
    people = _jp_people(_participant_ids_stmt(subject.angkatan.id), subject.year)
    counts = _jp_status_counts(people, subject.cache)
    stmt = select(people.c.full_name, people.c.nip, people.c.jp, people.c.target, people.c.status).order_by(
        people.c.full_name, people.c.user_id
    )
    rows = [
        [name, nip, int(jp), _number(target), int(status)]
        for name, nip, jp, target, status in db.session.execute(_apply_window(stmt, subject.window))
    ]
    return {"year": subject.year, "counts": [counts.get(s, 0) for s in _JP_ORDER], "rows": rows}


def jp_angkatan_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels = _jp_status_labels()
    pretty = nip_rules.pretty
    year = payload["year"]
    table = [
        [name, pretty(nip), jp, target if target is not None else "", labels[status]]
        for name, nip, jp, target, status in payload["rows"]
    ]
    return PanelData(
        columns=[_("Nama"), _("NIP"), _("JP %(year)s", year=year), _("Target"), _("Status")],
        rows=table,
        chart=_target_chart(payload["counts"], labels, year),
        total=sum(payload["counts"]),
    )


def predicate_compute(subject: AngkatanSubject) -> dict:
    """Final predicates of the angkatan (in the order of the scheme's bands; the bands' labels
    are the scheme's data, not translated)."""
    angkatan = subject.angkatan
    counts = dict(
        db.session.execute(
            select(ParticipantResult.predicate, func.count(ParticipantResult.id))
            .join(Enrolment, Enrolment.id == ParticipantResult.enrolment_id)
            .where(
                ParticipantResult.angkatan_id == angkatan.id, Enrolment.status != EnrolmentStatus.WITHDRAWN
            )
            .group_by(ParticipantResult.predicate)
        ).all()
    )
    scheme = assessment.scheme_for_angkatan(angkatan) if angkatan.program_id else None
    labels = [b.label for b in scheme.bands] if scheme else []
    labels += [p for p in counts if p and p not in labels]
    return {
        "has_scheme": scheme is not None,
        "labels": labels,
        "values": [int(counts.get(label, 0)) for label in labels],
        "incomplete": int(counts.get(None, 0)),
    }


def predicate_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels, values = payload["labels"], payload["values"]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Belum lengkap"), payload["incomplete"]])
    note = "" if payload["has_scheme"] else _("Belum ada skema penilaian untuk angkatan ini.")
    return PanelData(
        columns=[_("Predikat"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Predikat akhir"), labels, values, _("peserta")) if labels else None,
        note=note,
    )


def outcome_compute(subject: AngkatanSubject) -> dict:
    """The admin's outcomes (lulus, lulus dengan perbaikan, ditunda, tidak lulus)."""
    counts = dict(
        db.session.execute(
            select(ParticipantResult.outcome, func.count(ParticipantResult.id))
            .where(ParticipantResult.angkatan_id == subject.angkatan.id)
            .group_by(ParticipantResult.outcome)
        ).all()
    )
    return {
        "values": [int(counts.get(o, 0)) for o in assessment.Outcome],
        "undecided": int(counts.get(None, 0)),
    }


def outcome_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels = [assessment.outcome_label(o) for o in assessment.Outcome]
    values = payload["values"]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Belum diputuskan"), payload["undecided"]])
    return PanelData(
        columns=[_("Keputusan"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Keputusan kelulusan"), labels, values, _("peserta")),
    )


# --- instansi panels -------------------------------------------------------------------------


def staff_ids_stmt(subject: InstansiSubject):
    """Active staff of the subject's instansi (and unit)."""
    stmt = select(User.id).where(User.instansi_id == subject.instansi.id, User.active.is_(True))
    if subject.unit is not None:
        stmt = stmt.where(User.unit_id == subject.unit.id)
    return stmt


def _unit_names(instansi_id: int, cache: dict) -> dict[int, str]:
    if "unit_names" not in cache:
        cache["unit_names"] = dict(
            db.session.execute(
                select(UnitKerja.id, UnitKerja.name).where(UnitKerja.instansi_id == instansi_id)
            ).all()
        )
    return cache["unit_names"]


def _jp_unit_status_counts(subject: InstansiSubject) -> dict[int | None, dict[int, int]]:
    """Staff per unit and JP status: one GROUP BY query, shared by the request's JP panels."""
    if "jp_unit_status" not in subject.cache:
        people = _jp_people(staff_ids_stmt(subject), subject.year)
        per_unit: dict[int | None, dict[int, int]] = {}
        for unit_id, status, n in db.session.execute(
            select(people.c.unit_id, people.c.status, func.count()).group_by(
                people.c.unit_id, people.c.status
            )
        ):
            per_unit.setdefault(unit_id, {})[int(status)] = int(n)
        subject.cache["jp_unit_status"] = per_unit
    return subject.cache["jp_unit_status"]


def _jp_totals(per_unit: dict[int | None, dict[int, int]]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for counts in per_unit.values():
        for status, n in counts.items():
            totals[status] = totals.get(status, 0) + n
    return totals


def jp_units_compute(subject: InstansiSubject) -> dict:
    """Per unit: staff who reached this year's JP target and who did not. A unit's name is
    None for staff without a unit (or with one outside the instansi)."""
    per_unit = _jp_unit_status_counts(subject)
    units = _unit_names(subject.instansi.id, subject.cache)
    return {
        "year": subject.year,
        "units": [
            [unit_id, units.get(unit_id), [counts.get(s, 0) for s in _JP_ORDER]]
            for unit_id, counts in per_unit.items()
        ],
    }


def jp_units_render(payload: dict, subject: InstansiSubject) -> PanelData:
    labels = _jp_status_labels()
    merged: dict[str, list[int]] = {}
    no_unit = _("Tanpa unit")
    totals = [0, 0, 0]
    for _unit_id, name, counts in payload["units"]:
        target = merged.setdefault(name if name is not None else no_unit, [0, 0, 0])
        for i, n in enumerate(counts):
            target[i] += n
            totals[i] += n
    table = []
    for unit in sorted(merged):
        reached, behind, no_target = merged[unit]
        with_target = reached + behind
        pct = round(100 * reached / with_target, 1) if with_target else 0.0
        table.append([unit, reached + behind + no_target, reached, behind, pct])
    per_unit = payload["units"]
    return PanelData(
        columns=[
            _("Unit kerja"),
            _("Pegawai"),
            _("Mencapai target"),
            _("Belum mencapai"),
            _("Persen tercapai"),
        ],
        rows=table,
        chart=_target_chart(totals, labels, payload["year"]),
        note="" if per_unit else _("Belum ada pegawai aktif pada cakupan ini."),
    )


def jp_staff_compute(subject: InstansiSubject) -> dict:
    """Every staff member's JP this year against their target (those behind first, then by
    name); only the rows in ``subject.window`` are fetched."""
    people = _jp_people(staff_ids_stmt(subject), subject.year)
    total = sum(_jp_totals(_jp_unit_status_counts(subject)).values())
    units = _unit_names(subject.instansi.id, subject.cache)
    stmt = select(
        people.c.full_name, people.c.nip, people.c.unit_id, people.c.jp, people.c.target, people.c.status
    ).order_by(case((people.c.status == JP_BEHIND, 0), else_=1), people.c.full_name, people.c.user_id)
    rows = [
        [name, nip, units.get(unit_id, "-"), int(jp), _number(target), int(status)]
        for name, nip, unit_id, jp, target, status in db.session.execute(_apply_window(stmt, subject.window))
    ]
    return {"year": subject.year, "total": total, "rows": rows}


def jp_staff_render(payload: dict, subject: InstansiSubject) -> PanelData:
    labels = _jp_status_labels()
    pretty = nip_rules.pretty
    table = [
        [name, pretty(nip), unit, jp, target if target is not None else "", labels[status]]
        for name, nip, unit, jp, target, status in payload["rows"]
    ]
    total = payload["total"]
    return PanelData(
        columns=[
            _("Nama"),
            _("NIP"),
            _("Unit kerja"),
            _("JP %(year)s", year=payload["year"]),
            _("Target"),
            _("Status"),
        ],
        rows=table,
        total=total,
    )


def _year_bounds_utc(year: int, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def courses_completed_compute(subject: InstansiSubject) -> dict:
    """Courses the staff completed this year, most completed first."""
    start, end = _year_bounds_utc(subject.year, subject.timezone)
    rows = db.session.execute(
        select(Course.title, func.count(CourseCompletion.id).label("n"))
        .join(CourseCompletion, CourseCompletion.course_id == Course.id)
        .where(
            CourseCompletion.user_id.in_(staff_ids_stmt(subject)),
            CourseCompletion.completed_at >= start,
            CourseCompletion.completed_at < end,
        )
        .group_by(Course.id, Course.title)
        .order_by(func.count(CourseCompletion.id).desc(), Course.title)
    ).all()
    return {"year": subject.year, "rows": [[title, int(n)] for title, n in rows]}


def courses_completed_render(payload: dict, subject: InstansiSubject) -> PanelData:
    table = [list(row) for row in payload["rows"]]
    top = table[:10]
    return PanelData(
        columns=[_("Kursus"), _("Pegawai yang menyelesaikan")],
        rows=table,
        chart=Chart(
            _("Kursus yang diselesaikan tahun %(year)s", year=payload["year"]),
            [r[0] for r in top],
            [r[1] for r in top],
            _("pegawai"),
        )
        if top
        else None,
        note="" if table else _("Belum ada kursus yang diselesaikan tahun ini."),
    )


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
