"""What the projects feature gives the results feature: the "proyek" and "sikap" component scores
and the stage-state panel of the angkatan dashboard. Registered by create_app.

Scores are put on a 0-100 scale per criterion, ``(score - min) / (max - min) * 100``, and averaged
with the criteria's weights. The "proyek" score is the mean of two parts where both exist: the
rubric scores of reviewed stages (mentor and coach) and the seminar rubric scores (penguji,
mentor and coach); with one part only, that part.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.courses.models import Enrolment
from lms.extensions import db
from lms.projects.models import (
    AttitudeCriterion,
    AttitudeObservation,
    AttitudeScore,
    Project,
    ReviewScore,
    RubricCriterion,
    SeminarScore,
    SeminarSlot,
    StageSubmission,
    StageTemplate,
    SubmissionState,
)
from lms.results import services as results_services

PROJECT_KEY = "proyek"
ATTITUDE_KEY = "sikap"


def _normalised(score, low, high):
    """A criterion score on the 0-100 scale, weighted by the criterion (SQL expression)."""
    return (score - low) * 100.0 / (high - low)


def _weighted_mean(rows) -> dict[int, float]:
    return {
        enrolment_id: round(float(total) / float(weight), 2) for enrolment_id, total, weight in rows if weight
    }


def attitude_scores(enrolment_ids: Iterable[int]) -> dict[int, float | None]:
    """Per enrolment: the weighted mean of every attitude observation's scores (one query)."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    c = AttitudeCriterion
    rows = db.session.execute(
        select(
            AttitudeObservation.enrolment_id,
            func.sum(c.weight * _normalised(AttitudeScore.score, c.min_score, c.max_score)),
            func.sum(c.weight),
        )
        .join(AttitudeScore, AttitudeScore.observation_id == AttitudeObservation.id)
        .join(c, c.id == AttitudeScore.criterion_id)
        .where(AttitudeObservation.enrolment_id.in_(ids))
        .group_by(AttitudeObservation.enrolment_id)
    ).all()
    return _weighted_mean(rows)


def project_scores(enrolment_ids: Iterable[int]) -> dict[int, float | None]:
    """Per enrolment: stage rubric scores and seminar rubric scores, each a weighted mean on the
    0-100 scale, then averaged (two queries)."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    c = RubricCriterion
    stage_rows = db.session.execute(
        select(
            Project.enrolment_id,
            func.sum(c.weight * _normalised(ReviewScore.score, c.min_score, c.max_score)),
            func.sum(c.weight),
        )
        .join(StageSubmission, StageSubmission.project_id == Project.id)
        .join(ReviewScore, ReviewScore.submission_id == StageSubmission.id)
        .join(c, c.id == ReviewScore.criterion_id)
        .where(Project.enrolment_id.in_(ids))
        .group_by(Project.enrolment_id)
    ).all()
    seminar_rows = db.session.execute(
        select(
            SeminarSlot.enrolment_id,
            func.sum(c.weight * _normalised(SeminarScore.score, c.min_score, c.max_score)),
            func.sum(c.weight),
        )
        .join(SeminarScore, SeminarScore.slot_id == SeminarSlot.id)
        .join(c, c.id == SeminarScore.criterion_id)
        .where(SeminarSlot.enrolment_id.in_(ids))
        .group_by(SeminarSlot.enrolment_id)
    ).all()
    stage, seminar = _weighted_mean(stage_rows), _weighted_mean(seminar_rows)
    scores: dict[int, float | None] = {}
    for enrolment_id in set(stage) | set(seminar):
        parts = [p[enrolment_id] for p in (stage, seminar) if enrolment_id in p]
        scores[enrolment_id] = round(sum(parts) / len(parts), 2)
    return scores


STATE_LABELS = {
    SubmissionState.DRAFT: _l("Draf"),
    SubmissionState.SUBMITTED: _l("Dikirim"),
    SubmissionState.IN_REVIEW: _l("Ditinjau"),
    SubmissionState.REVISION_REQUESTED: _l("Perlu revisi"),
    SubmissionState.RESUBMITTED: _l("Dikirim ulang"),
    SubmissionState.APPROVED: _l("Disetujui"),
}


def stage_compute(subject) -> dict:
    """Per stage of the angkatan's program: how many projects are in each state (one query)."""
    angkatan = subject.angkatan
    rows = db.session.execute(
        select(StageTemplate.name, StageSubmission.state, func.count(StageSubmission.id))
        .join(StageSubmission, StageSubmission.stage_id == StageTemplate.id)
        .join(Project, Project.id == StageSubmission.project_id)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .where(Enrolment.angkatan_id == angkatan.id)
        .group_by(StageTemplate.position, StageTemplate.name, StageSubmission.state)
        .order_by(StageTemplate.position)
    ).all()
    states = list(SubmissionState)
    by_stage: dict[str, dict[SubmissionState, int]] = {}
    for name, state, count in rows:
        by_stage.setdefault(name, {})[SubmissionState(state)] = count
    return {"rows": [[name] + [counts.get(s, 0) for s in states] for name, counts in by_stage.items()]}


def stage_render(payload: dict, subject) -> results_services.PanelData:
    """The stage table and chart in the viewer's language (no queries); the columns follow
    SubmissionState's order, as the payload's counts do."""
    states = list(SubmissionState)
    table = [list(row) for row in payload["rows"]]
    chart = None
    if table:
        approved_col = 1 + states.index(SubmissionState.APPROVED)
        chart = results_services.Chart(
            title=_("Proyek yang disetujui per tahap"),
            labels=[row[0] for row in table],
            values=[float(row[approved_col]) for row in table],
            unit=_("proyek"),
        )
    return results_services.PanelData(
        columns=[_("Tahap")] + [str(STATE_LABELS[s]) for s in states],
        rows=table,
        chart=chart,
        note="" if table else _("Belum ada kiriman proyek perubahan pada angkatan ini."),
    )


def register_with_results() -> None:
    """Register the project and attitude components and the stage panel (called by create_app)."""
    results_services.register_component_source(
        PROJECT_KEY, _l("Proyek perubahan (rubrik tahap dan seminar)"), project_scores
    )
    results_services.register_component_source(
        ATTITUDE_KEY, _l("Sikap dan etika kerja (lembar observasi)"), attitude_scores
    )
    results_services.register_dashboard_panel(
        "angkatan", "project-stages", _l("Tahap proyek perubahan"), compute=stage_compute, render=stage_render
    )


def stage_panel(subject) -> results_services.PanelData:
    """The stage panel computed now (the panel page and its CSV)."""
    return stage_render(stage_compute(subject), subject)
