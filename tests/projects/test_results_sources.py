"""The projects feature's results bridge: project and attitude scores, and the stage panel."""

from __future__ import annotations

from datetime import date

from lms.extensions import db
from lms.projects import results_sources
from lms.projects.models import (
    AttitudeCriterion,
    AttitudeObservation,
    AttitudeScore,
    ObserverRole,
    ReviewScore,
    RubricCriterion,
    SeminarScore,
    StageSubmission,
    SubmissionState,
)
from lms.results import services as results_services
from tests.factories import make_seminar_session, project_world


def test_attitude_score_is_weighted_and_normalised(app):
    world = project_world()
    polite = AttitudeCriterion(
        program_id=world.program.id, name="Sopan", weight=3, min_score=0, max_score=100
    )
    on_time = AttitudeCriterion(
        program_id=world.program.id, name="Disiplin", weight=1, min_score=1, max_score=5
    )
    db.session.add_all([polite, on_time])
    db.session.flush()
    obs = AttitudeObservation(
        enrolment_id=world.enrolment.id,
        observer_id=world.coach.id,
        role=ObserverRole.COACH,
        observed_on=date(2026, 3, 1),
    )
    obs.scores = [
        AttitudeScore(criterion_id=polite.id, score=80),
        AttitudeScore(criterion_id=on_time.id, score=5),
    ]
    db.session.add(obs)
    db.session.flush()
    scores = results_sources.attitude_scores([world.enrolment.id, world.other_enrolment.id])
    # (3 * 80 + 1 * 100) / 4 = 85; the other participant has no observation yet.
    assert scores == {world.enrolment.id: 85.0}


def test_project_score_averages_stage_and_seminar_rubrics(app):
    world = project_world()
    stage = world.stages[0]
    criterion = RubricCriterion(stage_id=stage.id, name="Kualitas", weight=1, min_score=0, max_score=4)
    db.session.add(criterion)
    db.session.flush()
    submission = StageSubmission(project_id=world.project.id, stage_id=stage.id, state=SubmissionState.DRAFT)
    db.session.add(submission)
    db.session.flush()
    db.session.add(
        ReviewScore(
            submission_id=submission.id, reviewer_id=world.mentor.id, criterion_id=criterion.id, score=3
        )
    )  # 75
    db.session.flush()
    assert results_sources.project_scores([world.enrolment.id]) == {world.enrolment.id: 75.0}
    session = make_seminar_session(world.angkatan, stage, enrolments=[world.enrolment])
    db.session.add(
        SeminarScore(
            slot_id=session.slots[0].id,
            scorer_id=world.coach.id,
            role="coach",
            criterion_id=criterion.id,
            score=4,
        )
    )  # 100
    db.session.flush()
    assert results_sources.project_scores([world.enrolment.id]) == {world.enrolment.id: 87.5}


def test_stage_panel_counts_states_per_stage(app):
    world = project_world()
    stage = world.stages[0]
    db.session.add_all(
        [
            StageSubmission(project_id=world.project.id, stage_id=stage.id, state=SubmissionState.DRAFT),
            StageSubmission(
                project_id=world.other_project.id, stage_id=stage.id, state=SubmissionState.DRAFT
            ),
        ]
    )
    db.session.flush()
    data = results_sources.stage_panel(results_services.AngkatanSubject(angkatan=world.angkatan, year=2026))
    assert data.rows[0][0] == stage.name and data.rows[0][1] == 2
    assert sum(data.rows[0][1:]) == 2


def test_registered_with_results(app):
    keys = {source.key for source in results_services.component_sources()}
    assert {"proyek", "sikap"} <= keys
