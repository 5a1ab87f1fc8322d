"""The built-in panels of an angkatan's dashboard (admins): participants by status, learning
progress, course completion, JP against targets, final predicates and outcomes. Each is a
``compute(subject) -> dict`` (bounded queries, JSON without translated text) and a
``render(payload, subject) -> PanelData`` (labels in the viewer's language)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from lms.accounts import nip as nip_rules
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
from lms.models_base import inline
from lms.results.models import Outcome, ParticipantResult
from lms.results.queries.jp_status import (
    JP_ORDER,
    jp_people,
    jp_status_counts,
    jp_status_labels,
    json_number,
    target_chart,
)
from lms.results.queries.panel_data import AngkatanSubject, Chart, PanelData, apply_window
from lms.results.queries.results_table import outcome_label
from lms.results.queries.schemes import scheme_for_angkatan

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


def jp_angkatan_compute(subject: AngkatanSubject) -> dict:
    """Participants' JP this year against their yearly target: the chart from one GROUP BY,
    the table (by name) only for the rows in ``subject.window``."""
    people = jp_people(_participant_ids_stmt(subject.angkatan.id), subject.year)
    counts = jp_status_counts(people, subject.cache)
    stmt = select(people.c.full_name, people.c.nip, people.c.jp, people.c.target, people.c.status).order_by(
        people.c.full_name, people.c.user_id
    )
    rows = [
        [name, nip, int(jp), json_number(target), int(status)]
        for name, nip, jp, target, status in db.session.execute(apply_window(stmt, subject.window))
    ]
    return {"year": subject.year, "counts": [counts.get(s, 0) for s in JP_ORDER], "rows": rows}


def jp_angkatan_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels = jp_status_labels()
    pretty = nip_rules.pretty
    year = payload["year"]
    table = [
        [name, pretty(nip), jp, target if target is not None else "", labels[status]]
        for name, nip, jp, target, status in payload["rows"]
    ]
    return PanelData(
        columns=[_("Nama"), _("NIP"), _("JP %(year)s", year=year), _("Target"), _("Status")],
        rows=table,
        chart=target_chart(payload["counts"], labels, year),
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
    scheme = scheme_for_angkatan(angkatan) if angkatan.program_id else None
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
        "values": [int(counts.get(o, 0)) for o in Outcome],
        "undecided": int(counts.get(None, 0)),
    }


def outcome_render(payload: dict, subject: AngkatanSubject) -> PanelData:
    labels = [outcome_label(o) for o in Outcome]
    values = payload["values"]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    rows.append([_("Belum diputuskan"), payload["undecided"]])
    return PanelData(
        columns=[_("Keputusan"), _("Peserta")],
        rows=rows,
        chart=Chart(_("Keputusan kelulusan"), labels, values, _("peserta")),
    )
