"""The built-in panels of a pimpinan's staff dashboard (an instansi, or one unit): JP targets
reached per unit, each staff member's JP, and the courses completed this year. Each is a
``compute(subject) -> dict`` and a ``render(payload, subject) -> PanelData``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from lms import timezones
from lms.accounts import nip as nip_rules
from lms.accounts.models import UnitKerja, User
from lms.courses.models import Course, CourseCompletion
from lms.extensions import db
from lms.results.queries.jp_status import (
    JP_BEHIND,
    JP_ORDER,
    jp_people,
    jp_status_labels,
    json_number,
    target_chart,
)
from lms.results.queries.panel_data import Chart, InstansiSubject, PanelData, apply_window


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
        people = jp_people(staff_ids_stmt(subject), subject.year)
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
            [unit_id, units.get(unit_id), [counts.get(s, 0) for s in JP_ORDER]]
            for unit_id, counts in per_unit.items()
        ],
    }


def jp_units_render(payload: dict, subject: InstansiSubject) -> PanelData:
    labels = jp_status_labels()
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
        chart=target_chart(totals, labels, payload["year"]),
        note="" if per_unit else _("Belum ada pegawai aktif pada cakupan ini."),
    )


def jp_staff_compute(subject: InstansiSubject) -> dict:
    """Every staff member's JP this year against their target (those behind first, then by
    name); only the rows in ``subject.window`` are fetched."""
    people = jp_people(staff_ids_stmt(subject), subject.year)
    total = sum(_jp_totals(_jp_unit_status_counts(subject)).values())
    units = _unit_names(subject.instansi.id, subject.cache)
    stmt = select(
        people.c.full_name, people.c.nip, people.c.unit_id, people.c.jp, people.c.target, people.c.status
    ).order_by(case((people.c.status == JP_BEHIND, 0), else_=1), people.c.full_name, people.c.user_id)
    rows = [
        [name, nip, units.get(unit_id, "-"), int(jp), json_number(target), int(status)]
        for name, nip, unit_id, jp, target, status in db.session.execute(apply_window(stmt, subject.window))
    ]
    return {"year": subject.year, "total": total, "rows": rows}


def jp_staff_render(payload: dict, subject: InstansiSubject) -> PanelData:
    labels = jp_status_labels()
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
    zone = timezones.zone(timezone)
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
