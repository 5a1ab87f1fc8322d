"""Services of the projects feature: the submission state machine, decisions, versions, uploads,
audit, milestones, consultations, seminars, attitude, overview, catalogue, digest."""

from __future__ import annotations

import io
import os
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms import storage
from lms.audit import AuditEntry
from lms.errors import DomainError, ImportRejected, PermissionDenied, StaleEdit, WorkflowError
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications.models import Notification, OutboxEmail
from lms.projects import permissions, services
from lms.projects.models import (
    TRANSITIONS,
    Decision,
    Milestone,
    Review,
    SeminarOutcome,
    StageSubmission,
    SubmissionEvent,
    SubmissionFile,
    SubmissionState,
    SubmissionVersion,
)
from tests.factories import (
    HTML_AS_PDF,
    PNG_BYTES,
    make_project,
    make_project_angkatan,
    make_project_enrolment,
    make_project_program,
    make_seminar_session,
    make_user,
    pdf_upload,
    project_world,
    submit_stage_as_owner,
)


def _uploads_on_disk(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_default_template_is_program_data(app):
    program = make_project_program()
    stages = services.program_stages(program)
    assert [s.name for s in stages] == [
        "Rancangan",
        "Seminar Rancangan",
        "Implementasi",
        "Laporan Akhir",
        "Seminar Akhir",
    ]
    assert stages[0].approver_roles == ["coach", "mentor"]
    assert [s.is_seminar for s in stages] == [False, True, False, False, True]
    assert all(s.criteria for s in stages if s.scored)
    # Installing twice changes nothing.
    assert len(services.install_default_stages(program)) == 5


def test_transition_table_is_the_only_way(app):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    with pytest.raises(WorkflowError):
        services.move_submission(sub, SubmissionEvent.APPROVE_ALL)
    assert sub.state == SubmissionState.DRAFT
    # every state except approved has a way forward; approved has none.
    sources = {s for s, _e in TRANSITIONS}
    assert SubmissionState.APPROVED not in sources
    assert sources == set(SubmissionState) - {SubmissionState.APPROVED}


def test_submit_keeps_a_version_and_notifies_reviewers(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    assert sub.state == SubmissionState.SUBMITTED
    assert sub.waiting_since is not None
    [version] = sub.versions
    assert version.number == 1 and version.submitted_by_id == world.participant.id
    assert [f.original_name for f in version.files] == ["rancangan.pdf"]
    assert services.draft_files(sub) == []
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.mentor.id, world.coach.id}
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 2


def test_empty_submission_refused(app):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    with pytest.raises(DomainError):
        services.submit_stage(sub, world.participant)


def test_later_stage_opens_only_after_earlier_approved(app):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[2], create=True)
    services.save_draft(sub, "Laporan kemajuan", [], world.participant)
    with pytest.raises(WorkflowError):
        services.submit_stage(sub, world.participant)


def test_only_owner_submits(app):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    services.save_draft(sub, "Teks", [], world.participant)
    with pytest.raises(PermissionDenied):
        services.submit_stage(sub, world.mentor)


def test_full_cycle_revision_then_both_roles_approve(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    # Mentor requests revision: state, draft restored with the files, participant told.
    services.decide(sub, world.mentor, "revise", "Perjelas milestone jangka pendek.", None, sub.version)
    db.session.commit()
    assert sub.state == SubmissionState.REVISION_REQUESTED
    assert sub.waiting_since is None
    assert [f.original_name for f in services.draft_files(sub)] == ["rancangan.pdf"]
    assert sub.draft_md == "Uraian rancangan"
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.participant.id))
    assert "revisi" in note.subject.lower() or "revisi" in note.body.lower()
    # Resubmit: version 2, state resubmitted; version 1 is unchanged.
    services.save_draft(
        sub, "Uraian rancangan, diperbaiki", [], world.participant, expected_version=sub.version
    )
    services.submit_stage(sub, world.participant)
    db.session.commit()
    assert sub.state == SubmissionState.RESUBMITTED
    assert [v.number for v in sub.versions] == [1, 2]
    assert sub.versions[0].body_md == "Uraian rancangan"
    assert len(sub.versions[0].files) == 1 and len(sub.versions[1].files) == 1
    # Coach approves: not yet approved, mentor still owes a decision.
    services.decide(sub, world.coach, "approve", "", None, sub.version)
    db.session.commit()
    assert sub.state == SubmissionState.IN_REVIEW
    assert permissions.required_roles_left(sub, services.reviews_of(sub)) == ["mentor"]
    # The coach cannot decide twice on the same version.
    with pytest.raises(PermissionDenied):
        services.decide(sub, world.coach, "approve", "", None, sub.version)
    db.session.rollback()
    services.decide(sub, world.mentor, "approve", "Setuju.", None, sub.version)
    db.session.commit()
    assert sub.state == SubmissionState.APPROVED
    assert sub.approved_at is not None and sub.waiting_since is None
    assert services.project_stages(world.project)[1].open


def test_revision_request_needs_a_comment(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    with pytest.raises(DomainError):
        services.decide(sub, world.mentor, "revise", "  ", None, sub.version)


def test_unassigned_people_cannot_decide(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    for outsider in (
        world.other_mentor,
        world.penguji,
        world.other_participant,
        world.participant,
        world.admin,
    ):
        with pytest.raises(PermissionDenied):
            services.decide(sub, outsider, "approve", "", None, sub.version)
        db.session.rollback()


def test_stale_decision_is_refused_and_overwrites_nothing(app):
    """Must show: a decision made on a stale page is refused; the newer one stays."""
    world = project_world()
    sub = submit_stage_as_owner(world)
    seen_by_coach = sub.version  # the coach opened the page now
    services.decide(sub, world.mentor, "revise", "Perbaiki latar belakang.", None, sub.version)
    db.session.commit()
    with pytest.raises(StaleEdit) as err:
        services.decide(sub, world.coach, "approve", "", None, seen_by_coach)
    assert "sudah diubah" in err.value.message
    db.session.rollback()
    db.session.refresh(sub)
    assert sub.state == SubmissionState.REVISION_REQUESTED
    assert [r.decision for r in services.reviews_of(sub)] == [Decision.REVISE]


def test_concurrent_decisions_second_refused_by_version_column(make_app):
    """Two reviewers deciding at the same moment: the optimistic lock refuses the second."""
    app = make_app()
    with app.app_context():
        world = project_world()
        sub_id = submit_stage_as_owner(world).id
        mentor_id, coach_id = world.mentor.id, world.coach.id
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def decide(name, user_id, decision, comment):
        with app.app_context():
            sub = db.session.get(StageSubmission, sub_id)
            user = db.session.get(type(world.mentor), user_id)
            version = sub.version  # what each reviewer's page showed
            db.session.rollback()  # end the read (SQLite: release the write lock) before the race
            barrier.wait()
            try:
                services.decide(sub, user, decision, comment, None, version)
                db.session.commit()
                results[name] = "ok"
            except StaleEdit:
                db.session.rollback()
                results[name] = "stale"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=("mentor", mentor_id, "revise", "Perbaiki.")),
        threading.Thread(target=decide, args=("coach", coach_id, "revise", "Lengkapi data.")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["ok", "stale"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Review.id))) == 1


def test_every_decision_and_score_change_is_audited(app):
    """Must show: the decision is in the audit log (who, old, new); score changes too."""
    world = project_world()
    # Approve Rancangan so that Laporan Akhir path is not needed: use a scored stage directly.
    sub = submit_stage_as_owner(world)
    services.decide(sub, world.mentor, "revise", "Kurang data.", None, sub.version)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "decision"))
    assert entry.actor_id == world.mentor.id
    assert entry.project_id == world.project.id
    assert entry.old_value == "submitted"
    assert entry.new_value.startswith("revision_requested")
    assert "Kurang data." in entry.new_value
    assert entry.created_at is not None


def _approve(world, sub):
    for reviewer in (world.coach, world.mentor):
        if sub.is_waiting:
            services.decide(sub, reviewer, "approve", "", None, sub.version)
    db.session.commit()


def test_scored_stage_requires_rubric_and_audits_score_changes(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    _approve(world, sub)
    # Seminar Rancangan: scored, approvers coach and penguji (of a session of that stage).
    seminar_stage = world.stages[1]
    examiner = make_user(roles=("penguji",), commit=False)
    make_seminar_session(world.angkatan, seminar_stage, examiners=[examiner], enrolments=[world.enrolment])
    db.session.commit()
    sub2 = submit_stage_as_owner(world, stage_index=1)
    criteria = seminar_stage.criteria
    with pytest.raises(DomainError):
        services.decide(sub2, world.coach, "approve", "", {}, sub2.version)
    db.session.rollback()
    with pytest.raises(DomainError):  # out of range
        services.decide(sub2, world.coach, "approve", "", {c.id: 101 for c in criteria}, sub2.version)
    db.session.rollback()
    services.decide(sub2, world.coach, "revise", "Tambah data.", {criteria[0].id: 60}, sub2.version)
    db.session.commit()
    services.submit_stage(sub2, world.participant)
    db.session.commit()
    services.decide(sub2, world.coach, "approve", "", {c.id: 80 for c in criteria}, sub2.version)
    db.session.commit()
    changed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "score_changed"))
    assert (changed.old_value, changed.new_value) == ("60", "80")
    assert sub2.state == SubmissionState.IN_REVIEW  # penguji still owes a decision
    assert sub2.id in [s.id for s in db.session.scalars(permissions.review_queue(examiner))]
    services.decide(sub2, examiner, "approve", "", {c.id: 90 for c in criteria}, sub2.version)
    db.session.commit()
    assert sub2.state == SubmissionState.APPROVED


def test_html_named_pdf_is_refused_and_nothing_stored(app):
    """Must show: content decides the type; an HTML file called .pdf is not stored."""
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    db.session.commit()
    before = _uploads_on_disk(app)
    with pytest.raises(storage.UploadRejected):
        services.add_draft_files(
            sub, [services.Upload(io.BytesIO(HTML_AS_PDF), "rancangan.pdf")], world.participant
        )
    db.session.rollback()
    assert _uploads_on_disk(app) == before
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0


def test_images_and_pdf_accepted(app):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    rows = services.add_draft_files(
        sub, [pdf_upload(), services.Upload(io.BytesIO(PNG_BYTES), "foto.png")], world.participant
    )
    assert [r.kind for r in rows] == ["pdf", "png"]
    assert all(storage.exists(r.storage_key) for r in rows)


def test_upload_failing_halfway_leaves_no_file_and_no_row(app, monkeypatch):
    """Must show: the second file fails to store; the first file is removed, no row remains."""
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    db.session.commit()
    before = _uploads_on_disk(app)
    real_save = storage.save
    calls = {"n": 0}

    def failing_save(stream, allowed, max_bytes=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise storage.UploadRejected("disk penuh")
        return real_save(stream, allowed, max_bytes)

    monkeypatch.setattr(storage, "save", failing_save)
    with pytest.raises(storage.UploadRejected):
        services.add_draft_files(sub, [pdf_upload("a.pdf"), pdf_upload("b.pdf")], world.participant)
    assert calls["n"] == 2
    # Even before the caller rolls back, the savepoint took the rows away.
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0
    db.session.rollback()
    assert _uploads_on_disk(app) == before


def test_upload_whose_flush_fails_leaves_no_file(app, monkeypatch):
    world = project_world()
    sub = services.submission_for(world.project, world.stages[0], create=True)
    db.session.commit()
    before = _uploads_on_disk(app)

    def broken_flush(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "flush", broken_flush)
    with pytest.raises(RuntimeError):
        services.add_draft_files(sub, [pdf_upload()], world.participant)
    monkeypatch.undo()
    db.session.rollback()
    assert _uploads_on_disk(app) == before
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0


def test_draft_file_removal_keeps_files_of_versions(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    services.decide(sub, world.mentor, "revise", "Ganti lampiran.", None, sub.version)
    db.session.commit()
    [draft] = services.draft_files(sub)
    key = draft.storage_key
    services.remove_draft_file(draft, world.participant)
    db.session.commit()
    assert storage.exists(key)  # version 1 still uses it
    assert len(sub.versions[0].files) == 1


def test_milestones_and_mentor_confirmation(app):
    world = project_world()
    m = services.add_milestone(
        world.project, "pendek", "SOP layanan daring", "", date.today(), world.participant
    )
    services.add_evidence(m, world.participant, note="SK Kepala Dinas", upload=pdf_upload("sk.pdf"))
    services.add_evidence(m, world.participant, note="Tautan aplikasi", url="https://contoh.go.id/layanan")
    with pytest.raises(DomainError):
        services.add_evidence(m, world.participant, url="javascript:alert(1)")
    with pytest.raises(PermissionDenied):
        services.confirm_milestone(m, world.coach)
    services.confirm_milestone(m, world.mentor)
    db.session.commit()
    assert m.confirmed_by_id == world.mentor.id
    assert len(m.evidence) == 2
    # A status change by the participant needs a fresh confirmation.
    services.update_milestone(m, "done", m.target_date, world.participant, m.version)
    db.session.commit()
    assert m.confirmed_at is None
    assert db.session.get(Milestone, m.id).status.value == "done"


def test_consultation_paraf(app):
    world = project_world()
    c = services.log_consultation(
        world.project, date.today(), "coach", "Pembahasan rancangan", "", world.participant
    )
    db.session.commit()
    assert c.confirmed_at is None
    with pytest.raises(PermissionDenied):
        services.confirm_consultation(c, world.mentor)  # it was with the coach
    services.confirm_consultation(c, world.coach)
    db.session.commit()
    assert c.confirmed_by_id == world.coach.id and c.confirmed_at is not None
    with pytest.raises(DomainError):
        services.log_consultation(
            world.project, date.today() + timedelta(days=5), "mentor", "x", "", world.participant
        )


def test_seminar_scores_and_outcome(app):
    world = project_world()
    stage = world.stages[4]
    examiner = make_user(roles=("penguji",), commit=False)
    session = services.create_session(
        world.angkatan, stage, "Seminar Akhir Kelompok 1", utcnow(), 45, "Aula", 10, world.admin
    )
    services.set_session_members(
        session, [examiner.id], [world.enrolment.id, world.other_enrolment.id], world.admin
    )
    db.session.commit()
    assert [s.position for s in session.slots] == [1, 2]
    assert session.slots[1].starts_at - session.slots[0].starts_at == timedelta(minutes=45)
    slot = session.slots[0]
    scores = {c.id: 85 for c in stage.criteria}
    services.score_seminar(slot, examiner, scores)
    services.score_seminar(slot, world.mentor, scores)
    services.score_seminar(slot, world.coach, scores)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.score_seminar(slot, world.penguji, scores)
    db.session.rollback()
    services.score_seminar(slot, examiner, {**scores, stage.criteria[0].id: 70})
    services.set_outcome(slot, "lulus_perbaikan", "Perbaiki bab 3.", examiner, slot.version)
    db.session.commit()
    assert slot.outcome == SeminarOutcome.LULUS_PERBAIKAN
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"seminar_score", "seminar_score_changed", "seminar_outcome"} <= actions
    with pytest.raises(StaleEdit):
        services.set_outcome(slot, "lulus", "", examiner, slot.version - 1)
    # capacity and penguji role are enforced
    with pytest.raises(DomainError):
        services.set_session_members(session, [world.mentor.id], [], world.admin)


def test_attitude_observation(app):
    world = project_world()
    criteria = services.attitude_criteria(world.program)
    obs = services.record_observation(
        world.enrolment, world.coach, date.today(), {c.id: 80 for c in criteria}, ""
    )
    db.session.commit()
    assert obs.role.value == "coach" and len(obs.scores) == len(criteria)
    with pytest.raises(DomainError):
        services.record_observation(world.enrolment, world.mentor, date.today(), {}, "")
    with pytest.raises(PermissionDenied):
        services.record_observation(world.enrolment, world.participant, date.today(), {}, "")


def test_rubric_text_is_validated_line_by_line(app):
    world = project_world()
    stage = world.stages[3]
    with pytest.raises(ImportRejected) as err:
        services.set_rubric(stage, "Baik | 50 | 0 | 100\nTanpa bobot\nX | 10 | 5 | 1", world.admin)
    assert [e.line for e in err.value.errors] == [2, 3]
    services.set_rubric(stage, "Isi | 60 | 0 | 100\nBahasa | 40 | 1 | 5", world.admin)
    db.session.commit()
    assert [(c.name, c.weight, c.max_score) for c in stage.criteria] == [("Isi", 60, 100), ("Bahasa", 40, 5)]


def test_overview_matrix_overdue_and_csv(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    sub.waiting_since = utcnow() - timedelta(days=9)
    db.session.commit()
    rows = services.overdue_by_reviewer(world.angkatan, overdue_days=5)
    by_user = {r["user"].id: r for r in rows}
    assert by_user[world.mentor.id]["overdue"] == 1 and by_user[world.coach.id]["waiting"] == 1
    text = services.overview_csv(world.angkatan)
    assert "Rancangan" in text.splitlines()[0]
    assert "diajukan" in text


def test_csv_neutralises_formulas(app):
    world = project_world()
    world.project.title = '=HYPERLINK("http://x")'
    db.session.commit()
    assert "'=HYPERLINK" in services.overview_csv(world.angkatan)


def test_catalogue_lists_past_projects_only(app):
    program = make_project_program()
    old = make_project_angkatan(program, start_date=date(2024, 2, 1), end_date=date(2024, 6, 1))
    current = make_project_angkatan(program)
    p_old = make_project(make_project_enrolment(old), "Inovasi Arsip Digital", keywords="arsip, digital")
    make_project(make_project_enrolment(current), "Proyek Berjalan")
    db.session.commit()
    found = db.session.scalars(services.catalogue()).unique().all()
    assert [p.id for p in found] == [p_old.id]
    assert db.session.scalars(services.catalogue("arsip")).unique().all() == [p_old]
    assert db.session.scalars(services.catalogue("tidakada")).unique().all() == []
    assert db.session.scalars(services.catalogue(year=2024)).unique().all() == [p_old]
    assert db.session.scalars(services.catalogue(year=2023)).unique().all() == []


def test_digest_tells_reviewers_about_overdue_items(app):
    world = project_world()
    sub = submit_stage_as_owner(world)
    db.session.execute(select(Notification))  # nothing to assert yet
    assert services.send_overdue_digest(overdue_days=5) == 0
    sub.waiting_since = utcnow() - timedelta(days=6)
    db.session.commit()
    assert services.send_overdue_digest(overdue_days=5) == 2
    notes = db.session.scalars(select(Notification).where(Notification.subject.like("Ringkasan%"))).all()
    assert {n.user_id for n in notes} == {world.mentor.id, world.coach.id}
    assert world.participant.full_name in notes[0].body


def test_versions_are_never_rewritten(app):
    world = project_world()
    sub = submit_stage_as_owner(world, body="Versi pertama")
    services.decide(sub, world.coach, "revise", "Ubah.", None, sub.version)
    services.save_draft(sub, "Versi kedua", [], world.participant)
    services.submit_stage(sub, world.participant)
    db.session.commit()
    bodies = db.session.scalars(select(SubmissionVersion.body_md).order_by(SubmissionVersion.number)).all()
    assert bodies == ["Versi pertama", "Versi kedua"]


def test_enrolment_without_project_program_cannot_start(app):
    program = make_project_program(label="", stages=False)
    angkatan = make_project_angkatan(program)
    user = make_user(commit=False)
    enrolment = make_project_enrolment(angkatan, user)
    with pytest.raises(PermissionDenied):
        services.start_project(enrolment, services.ProjectData(title="X"), user)
