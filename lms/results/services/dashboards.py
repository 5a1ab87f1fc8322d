"""Dashboards: a registry of panels per scope ("angkatan" for admins, "instansi" for pimpinan)
and the built-in panels that results can compute from what exists.

A panel is ``fn(subject) -> PanelData``: a table (columns and rows, always exportable as CSV)
and an optional bar chart rendered as SVG on the server. ``subject`` is an
:class:`AngkatanSubject` or an :class:`InstansiSubject`. Every panel must run a bounded number of
queries whatever the number of participants or staff (aggregate in SQL; no query per row).
Other features add their panels with :func:`register_dashboard_panel`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from lms.accounts import nip as nip_rules
from lms.accounts.models import Instansi, UnitKerja, User
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    JpRecord,
    Lesson,
    LessonProgress,
    Module,
)
from lms.extensions import db
from lms.results.models import ParticipantResult
from lms.results.services import assessment
from lms.results.services.jp import target_lookup

SCOPES = ("angkatan", "instansi")
ENROLMENT_LABELS = {
    EnrolmentStatus.ACTIVE: _l("Aktif"),
    EnrolmentStatus.COMPLETED: _l("Selesai"),
    EnrolmentStatus.WITHDRAWN: _l("Mengundurkan diri"),
}
PROGRESS_BUCKETS = [
    (0, 0, "0%"),
    (1, 25, "1-25%"),
    (26, 50, "26-50%"),
    (51, 75, "51-75%"),
    (76, 99, "76-99%"),
    (100, 100, "100%"),
]


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


@dataclass(frozen=True)
class Panel:
    scope: str
    key: str
    title: str
    fn: Callable[..., PanelData]


@dataclass
class AngkatanSubject:
    """An admin's dashboard of one angkatan; ``year`` is the viewer's current calendar year."""

    angkatan: Angkatan
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)


@dataclass
class InstansiSubject:
    """A pimpinan's dashboard: an instansi, optionally one unit, for one calendar year."""

    instansi: Instansi
    unit: UnitKerja | None
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)


_PANELS: dict[str, dict[str, Panel]] = {scope: {} for scope in SCOPES}


def register_dashboard_panel(scope: str, key: str, title: str, fn: Callable[..., PanelData]) -> None:
    """Add (or replace) a panel. ``scope`` is "angkatan" or "instansi"; ``fn(subject)`` returns
    :class:`PanelData` in a bounded number of queries. Panels show in registration order."""
    if scope not in SCOPES:
        raise ValueError(f"unknown dashboard scope {scope!r}")
    _PANELS[scope][key] = Panel(scope=scope, key=key, title=title, fn=fn)


def unregister_dashboard_panel(scope: str, key: str) -> None:
    """Remove a panel (tests use it to clean up)."""
    _PANELS.get(scope, {}).pop(key, None)


def panels(scope: str) -> list[Panel]:
    return list(_PANELS[scope].values())


def panel(scope: str, key: str) -> Panel | None:
    return _PANELS.get(scope, {}).get(key)


def build(scope: str, subject) -> list[tuple[Panel, PanelData]]:
    """Every panel of ``scope`` computed for ``subject``."""
    return [(p, p.fn(subject)) for p in panels(scope)]


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


def enrolment_panel(subject: AngkatanSubject) -> PanelData:
    """Participants by enrolment status."""
    counts = _enrolment_counts(subject)
    labels = [str(ENROLMENT_LABELS[s]) for s in EnrolmentStatus]
    values = [counts.get(s, 0) for s in EnrolmentStatus]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Jumlah"), sum(values)])
    return PanelData(
        columns=[_("Status"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Peserta menurut status"), labels, values, _("peserta")),
    )


def _angkatan_course_ids(angkatan: Angkatan) -> list[int]:
    if angkatan.course_id is not None:
        return [angkatan.course_id]
    return list(
        db.session.scalars(
            select(Course.id)
            .where(Course.program_id == angkatan.program_id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.id)
        )
    )


def _participant_ids_stmt(angkatan_id: int):
    return select(Enrolment.user_id).where(
        Enrolment.angkatan_id == angkatan_id, Enrolment.status != EnrolmentStatus.WITHDRAWN
    )


def progress_panel(subject: AngkatanSubject) -> PanelData:
    """How far participants are through the required lessons of the angkatan's courses."""
    angkatan = subject.angkatan
    course_ids = _angkatan_course_ids(angkatan)
    required = (
        select(Lesson.id)
        .join(Module, Module.id == Lesson.module_id)
        .where(Module.course_id.in_(course_ids), Module.published.is_(True), Lesson.required.is_(True))
    )
    total = int(db.session.scalar(select(func.count()).select_from(required.subquery())) or 0)
    done_by_user = dict(
        db.session.execute(
            select(LessonProgress.user_id, func.count(LessonProgress.id))
            .where(
                LessonProgress.user_id.in_(_participant_ids_stmt(angkatan.id)),
                LessonProgress.completed_at.is_not(None),
                LessonProgress.lesson_id.in_(required),
            )
            .group_by(LessonProgress.user_id)
        ).all()
    )
    participants = list(db.session.scalars(_participant_ids_stmt(angkatan.id)))
    buckets: Counter[str] = Counter()
    for user_id in participants:
        percent = round(100 * done_by_user.get(user_id, 0) / total) if total else 0
        for low, high, label in PROGRESS_BUCKETS:
            if low <= percent <= high:
                buckets[label] += 1
                break
    labels = [label for _low, _high, label in PROGRESS_BUCKETS]
    values = [buckets.get(label, 0) for label in labels]
    note = "" if total else _("Kursus angkatan ini belum memiliki pelajaran wajib yang terbit.")
    return PanelData(
        columns=[_("Pelajaran wajib selesai"), _("Peserta")],
        rows=[[label, value] for label, value in zip(labels, values, strict=True)],
        chart=Chart(_("Sebaran kemajuan belajar"), labels, values, _("peserta")),
        note=note,
    )


def completion_panel(subject: AngkatanSubject) -> PanelData:
    """Per course of the angkatan: how many participants completed it."""
    angkatan = subject.angkatan
    course_ids = _angkatan_course_ids(angkatan)
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
    counts = _enrolment_counts(subject)
    participants = sum(n for s, n in counts.items() if s != EnrolmentStatus.WITHDRAWN)
    rows = []
    for course_id in course_ids:
        n = int(done.get(course_id, 0))
        pct = round(100 * n / participants, 1) if participants else 0.0
        rows.append([titles.get(course_id, "-"), n, participants, pct])
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


def _jp_rows(user_stmt, year: int, cache: dict) -> list[tuple]:
    """(user id, name, nip, unit id, instansi id, class, JP this year) for the users selected by
    ``user_stmt`` (a select of user ids): one aggregate query."""
    if "jp_rows" in cache:
        return cache["jp_rows"]
    jp_sum = func.coalesce(func.sum(JpRecord.jp), 0)
    rows = db.session.execute(
        select(
            User.id,
            User.full_name,
            User.nip,
            User.unit_id,
            User.instansi_id,
            User.employee_class,
            jp_sum,
        )
        .outerjoin(JpRecord, and_(JpRecord.user_id == User.id, JpRecord.year == year))
        .where(User.id.in_(user_stmt))
        .group_by(User.id, User.full_name, User.nip, User.unit_id, User.instansi_id, User.employee_class)
        .order_by(User.full_name, User.id)
    ).all()
    cache["jp_rows"] = rows
    return rows


def _jp_status(jp: int, target: int | None) -> str:
    if target is None:
        return _("Tanpa target")
    return _("Tercapai") if jp >= target else _("Belum tercapai")


def _target_chart(statuses: list[str], year: int) -> Chart:
    labels = [_("Tercapai"), _("Belum tercapai"), _("Tanpa target")]
    counts = Counter(statuses)
    return Chart(
        _("Capaian target JP tahun %(year)s", year=year),
        labels,
        [counts.get(x, 0) for x in labels],
        _("orang"),
    )


def jp_angkatan_panel(subject: AngkatanSubject) -> PanelData:
    """Participants' JP this year against their yearly target."""
    rows = _jp_rows(_participant_ids_stmt(subject.angkatan.id), subject.year, subject.cache)
    lookup = target_lookup({r.instansi_id for r in rows})
    table, statuses = [], []
    for r in rows:
        target = lookup(r.instansi_id, r.employee_class)
        status = _jp_status(int(r[6]), target)
        statuses.append(status)
        table.append(
            [r.full_name, nip_rules.pretty(r.nip), int(r[6]), target if target is not None else "", status]
        )
    return PanelData(
        columns=[_("Nama"), _("NIP"), _("JP %(year)s", year=subject.year), _("Target"), _("Status")],
        rows=table,
        chart=_target_chart(statuses, subject.year),
    )


def predicate_panel(subject: AngkatanSubject) -> PanelData:
    """Final predicates of the angkatan (in the order of the scheme's bands)."""
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
    values = [int(counts.get(label, 0)) for label in labels]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    incomplete = int(counts.get(None, 0))
    rows.append([_("Belum lengkap"), incomplete])
    note = "" if scheme else _("Belum ada skema penilaian untuk angkatan ini.")
    return PanelData(
        columns=[_("Predikat"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Predikat akhir"), labels, values, _("peserta")) if labels else None,
        note=note,
    )


def outcome_panel(subject: AngkatanSubject) -> PanelData:
    """The admin's outcomes (lulus, lulus dengan perbaikan, ditunda, tidak lulus)."""
    counts = dict(
        db.session.execute(
            select(ParticipantResult.outcome, func.count(ParticipantResult.id))
            .where(ParticipantResult.angkatan_id == subject.angkatan.id)
            .group_by(ParticipantResult.outcome)
        ).all()
    )
    labels = [assessment.outcome_label(o) for o in assessment.Outcome]
    values = [int(counts.get(o, 0)) for o in assessment.Outcome]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Belum diputuskan"), int(counts.get(None, 0))])
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


def jp_units_panel(subject: InstansiSubject) -> PanelData:
    """Per unit: staff who reached this year's JP target and who did not."""
    rows = _jp_rows(staff_ids_stmt(subject), subject.year, subject.cache)
    lookup = target_lookup({subject.instansi.id})
    units = _unit_names(subject.instansi.id, subject.cache)
    per_unit: dict[str, Counter] = {}
    statuses = []
    for r in rows:
        status = _jp_status(int(r[6]), lookup(r.instansi_id, r.employee_class))
        statuses.append(status)
        unit = units.get(r.unit_id, _("Tanpa unit"))
        per_unit.setdefault(unit, Counter())[status] += 1
    reached, not_reached = _("Tercapai"), _("Belum tercapai")
    table = []
    for unit in sorted(per_unit):
        c = per_unit[unit]
        staff = sum(c.values())
        with_target = c[reached] + c[not_reached]
        pct = round(100 * c[reached] / with_target, 1) if with_target else 0.0
        table.append([unit, staff, c[reached], c[not_reached], pct])
    return PanelData(
        columns=[
            _("Unit kerja"),
            _("Pegawai"),
            _("Mencapai target"),
            _("Belum mencapai"),
            _("Persen tercapai"),
        ],
        rows=table,
        chart=_target_chart(statuses, subject.year),
        note="" if rows else _("Belum ada pegawai aktif pada cakupan ini."),
    )


def jp_staff_panel(subject: InstansiSubject) -> PanelData:
    """Every staff member's JP this year against their target (those behind first)."""
    rows = _jp_rows(staff_ids_stmt(subject), subject.year, subject.cache)
    lookup = target_lookup({subject.instansi.id})
    units = _unit_names(subject.instansi.id, subject.cache)
    table = []
    for r in rows:
        target = lookup(r.instansi_id, r.employee_class)
        jp = int(r[6])
        table.append(
            [
                r.full_name,
                nip_rules.pretty(r.nip),
                units.get(r.unit_id, "-"),
                jp,
                target if target is not None else "",
                _jp_status(jp, target),
            ]
        )
    behind = _("Belum tercapai")
    table.sort(key=lambda row: (row[5] != behind, row[0]))
    return PanelData(
        columns=[
            _("Nama"),
            _("NIP"),
            _("Unit kerja"),
            _("JP %(year)s", year=subject.year),
            _("Target"),
            _("Status"),
        ],
        rows=table,
    )


def _year_bounds_utc(year: int, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def courses_completed_panel(subject: InstansiSubject) -> PanelData:
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
    table = [[title, int(n)] for title, n in rows]
    top = table[:10]
    return PanelData(
        columns=[_("Kursus"), _("Pegawai yang menyelesaikan")],
        rows=table,
        chart=Chart(
            _("Kursus yang diselesaikan tahun %(year)s", year=subject.year),
            [r[0] for r in top],
            [r[1] for r in top],
            _("pegawai"),
        )
        if top
        else None,
        note="" if table else _("Belum ada kursus yang diselesaikan tahun ini."),
    )


def _register_builtin() -> None:
    register_dashboard_panel("angkatan", "peserta", _l("Peserta dan status pendaftaran"), enrolment_panel)
    register_dashboard_panel("angkatan", "kemajuan", _l("Kemajuan belajar"), progress_panel)
    register_dashboard_panel("angkatan", "kursus-selesai", _l("Penyelesaian kursus"), completion_panel)
    register_dashboard_panel("angkatan", "jp", _l("JP peserta tahun ini dan targetnya"), jp_angkatan_panel)
    register_dashboard_panel("angkatan", "predikat", _l("Predikat akhir"), predicate_panel)
    register_dashboard_panel("angkatan", "keputusan", _l("Keputusan kelulusan"), outcome_panel)
    register_dashboard_panel("instansi", "jp-unit", _l("Capaian target JP per unit kerja"), jp_units_panel)
    register_dashboard_panel("instansi", "jp-pegawai", _l("JP pegawai tahun ini"), jp_staff_panel)
    register_dashboard_panel(
        "instansi", "kursus-selesai", _l("Kursus yang diselesaikan"), courses_completed_panel
    )


_register_builtin()
