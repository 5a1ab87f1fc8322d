"""The review queue rule where it is subtle: a submission waiting for two reviewers, an approval
on an older version, the penguji branch, one person in two relations; and that the page rows,
the grouped summary (total, filter choices) and the navigation badge agree with the rule."""

from __future__ import annotations

from lms.extensions import db
from lms.projects import permissions, services
from lms.projects.models import Review, SubmissionState
from tests.factories import (
    make_project,
    make_project_enrolment,
    make_seminar_session,
    make_user,
    project_world,
    submit_stage_as_owner,
)


def queue_of(user) -> list[int]:
    """The ids in ``user``'s queue, checked against every other way the page counts them."""
    ids = [s.id for s in db.session.scalars(permissions.review_queue(user))]
    assert len(ids) == len(set(ids)), "a submission appears twice"
    summary = services.queue_summary(user)
    assert services.queue_count(user) == summary.total == len(ids)
    page = services.queue_page(user, per_page=100, summary=summary)
    assert sorted(item.id for item in page.items) == sorted(ids)
    # The page's single statement (summary and rows together) gives the same.
    both_summary, both_page = services.queue_overview(user, per_page=100)
    assert _groups(both_summary) == _groups(summary)
    assert both_page.items == page.items and both_page.total == page.total
    return ids


def _groups(summary) -> list:
    return sorted(summary.groups, key=lambda g: (g.angkatan_id, g.stage_name, str(g.state)))


def test_waiting_for_mentor_and_coach_is_in_both_queues_until_each_approves(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    assert queue_of(world.mentor) == [sub.id]
    assert queue_of(world.coach) == [sub.id]
    assert queue_of(world.other_mentor) == [] and queue_of(world.penguji) == []
    assert queue_of(world.participant) == []
    services.decide(sub, world.mentor, "approve", "", None, sub.version)
    db.session.commit()
    assert sub.state == SubmissionState.IN_REVIEW
    assert queue_of(world.mentor) == []
    assert queue_of(world.coach) == [sub.id]


def test_approval_of_an_older_version_does_not_count(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    services.decide(sub, world.mentor, "approve", "", None, sub.version)
    db.session.commit()
    services.decide(sub, world.coach, "revise", "Perbaiki analisis.", None, sub.version)
    db.session.commit()
    assert queue_of(world.mentor) == [] and queue_of(world.coach) == []  # back with the participant
    services.submit_stage(sub, world.participant)
    db.session.commit()
    assert sub.current_version_no == 2 and sub.state == SubmissionState.RESUBMITTED
    # The mentor approved version 1 only: version 2 waits for them again.
    assert queue_of(world.mentor) == [sub.id]
    assert queue_of(world.coach) == [sub.id]


def test_penguji_sees_only_submissions_of_the_stage_of_their_session(app):
    world = project_world()
    first = submit_stage_as_owner(world)
    for reviewer in (world.coach, world.mentor):
        services.decide(first, reviewer, "approve", "", None, first.version)
    db.session.commit()
    seminar_stage = world.stages[1]  # approvers: coach and penguji
    examiner = make_user(roles=("penguji",), commit=False)
    other_stage_examiner = make_user(roles=("penguji",), commit=False)
    other_participant_examiner = make_user(roles=("penguji",), commit=False)
    make_seminar_session(world.angkatan, seminar_stage, examiners=[examiner], enrolments=[world.enrolment])
    make_seminar_session(
        world.angkatan, world.stages[4], examiners=[other_stage_examiner], enrolments=[world.enrolment]
    )
    make_seminar_session(
        world.angkatan,
        seminar_stage,
        examiners=[other_participant_examiner],
        enrolments=[world.other_enrolment],
    )
    db.session.commit()
    sub = submit_stage_as_owner(world, stage_index=1)
    assert queue_of(examiner) == [sub.id]
    assert queue_of(other_stage_examiner) == []
    assert queue_of(other_participant_examiner) == []
    assert queue_of(world.penguji) == []
    assert queue_of(world.mentor) == []  # the mentor does not approve this stage
    assert queue_of(world.coach) == [sub.id]
    scores = {c.id: 85 for c in seminar_stage.criteria}
    services.decide(sub, examiner, "approve", "", scores, sub.version)
    db.session.commit()
    assert queue_of(examiner) == []
    assert queue_of(world.coach) == [sub.id]


def test_mentor_who_is_also_coach_sees_the_submission_once_until_both_roles_approve(app):
    world = project_world()
    both = make_user(roles=("mentor", "coach"), commit=False)
    participant = make_user(commit=False)
    enrolment = make_project_enrolment(world.angkatan, participant, mentor=both, coach=both, ndh=3)
    project = make_project(enrolment, "Proyek Dua Peran")
    db.session.commit()
    sub = services.submission_for(project, world.stages[0], create=True)
    services.save_draft(sub, "Uraian", [], participant)
    services.submit_stage(sub, participant)
    db.session.commit()
    assert queue_of(both) == [sub.id]
    version = sub.versions[-1]
    # An approval in one of the two roles (recorded directly: decide() approves in both at once).
    db.session.add(
        Review(
            submission_id=sub.id,
            version_id=version.id,
            reviewer_id=both.id,
            role="mentor",
            decision="approve",
        )
    )
    db.session.commit()
    assert sub.is_waiting
    assert queue_of(both) == [sub.id]  # still owed as coach
    db.session.add(
        Review(
            submission_id=sub.id, version_id=version.id, reviewer_id=both.id, role="coach", decision="approve"
        )
    )
    db.session.commit()
    assert queue_of(both) == []


def test_summary_gives_filter_choices_and_filtered_totals(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    other = services.submission_for(world.other_project, world.stages[0], create=True)
    services.save_draft(other, "Uraian lain", [], world.other_participant)
    services.submit_stage(other, world.other_participant)
    db.session.commit()
    summary = services.queue_summary(world.admin)
    assert summary.total == 2 == services.queue_count(world.admin)
    assert summary.angkatan_choices() == [(world.angkatan.id, world.angkatan.name)]
    assert summary.stage_choices() == [world.stages[0].name]
    assert summary.count(angkatan_id=world.angkatan.id) == 2
    assert summary.count(angkatan_id=world.angkatan.id + 999) == 0
    assert summary.count(stage_name=world.stages[1].name) == 0
    assert summary.count(state="submitted") == 2 and summary.count(state="resubmitted") == 0
    page = services.queue_page(world.admin, state="submitted", per_page=1, summary=summary)
    assert page.total == 2 and page.pages == 2 and page.has_next and not page.has_prev
    assert [i.id for i in page.items] == [sub.id]  # oldest first
    second = services.queue_page(world.admin, state="submitted", page=2, per_page=1, summary=summary)
    assert [i.id for i in second.items] == [other.id] and second.has_prev and not second.has_next
    item = second.items[0]
    assert item.participant_name == world.other_participant.full_name
    assert item.angkatan_name == world.angkatan.name and item.project_title == "Proyek Peserta Lain"
    empty = services.queue_page(world.admin, stage_name=world.stages[1].name, summary=summary)
    assert empty.total == 0 and empty.items == []


def test_overview_pages_and_filters_a_reviewers_queue_in_one_statement(app, count_queries):
    world = project_world()
    first = submit_stage_as_owner(world)
    other_enrolment = make_project_enrolment(
        world.angkatan, make_user(commit=False), mentor=world.mentor, ndh=3
    )
    other_project = make_project(other_enrolment, "Proyek Kedua")
    second = services.submission_for(other_project, world.stages[0], create=True)
    services.save_draft(second, "Uraian kedua", [], other_enrolment.user)
    services.submit_stage(second, other_enrolment.user)
    db.session.commit()
    services.queue_overview(world.mentor)  # loads the mentor and their roles
    with count_queries() as q:
        summary, page = services.queue_overview(world.mentor, state="submitted", per_page=1)
    assert q.count == 1
    assert summary.total == 2 and summary.stage_choices() == [world.stages[0].name]
    assert page.total == 2 and page.pages == 2 and [i.id for i in page.items] == [first.id]  # oldest first
    _summary, page2 = services.queue_overview(world.mentor, state="submitted", page=2, per_page=1)
    assert [i.id for i in page2.items] == [second.id] and page2.items[0].project_title == "Proyek Kedua"
    assert page2.items[0].angkatan_name == world.angkatan.name
    _summary, by_angkatan = services.queue_overview(world.mentor, angkatan_id=world.angkatan.id + 999)
    assert by_angkatan.items == [] and by_angkatan.total == 0
    _summary, by_stage = services.queue_overview(world.mentor, stage_name="Tidak ada")
    assert by_stage.items == [] and by_stage.total == 0
    _summary, past_end = services.queue_overview(world.mentor, page=5, per_page=1)
    assert past_end.items == [] and past_end.total == 2
