"""Project and review pages through the test client: the participant's flow, uploads refused by
content, the queue (bounded queries, pagination, filters, next item), stale decisions, seminars
and the admin overview."""

from __future__ import annotations

import io
import os
from datetime import timedelta

from flask import g
from sqlalchemy import func, insert, select

from lms import storage
from lms.accounts.models import User
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.models_base import utcnow
from lms.projects import services
from lms.projects.models import (
    Project,
    StageSubmission,
    SubmissionFile,
    SubmissionState,
)
from tests.factories import (
    HTML_AS_PDF,
    PDF_BYTES,
    make_project,
    make_project_angkatan,
    make_project_enrolment,
    make_seminar_session,
    make_user,
    project_world,
    submit_stage_as_owner,
)


def _files_on_disk(app):
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_participant_submits_with_a_pdf(app, client, login_as):
    world = project_world()
    login_as(world.participant)
    stage = world.stages[0]
    url = f"/proyek/{world.project.id}/tahap/{stage.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Kirim untuk ditinjau" in page.get_data(as_text=True)
    resp = client.post(
        url,
        data={"body": "Rancangan saya", "files": (io.BytesIO(PDF_BYTES), "rancangan.pdf"), "send": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    sub = db.session.scalar(select(StageSubmission))
    assert sub.state == SubmissionState.SUBMITTED
    text = client.get(url).get_data(as_text=True)
    assert "Versi 1" in text and "rancangan.pdf" in text and "menunggu keputusan" in text


def test_html_named_pdf_refused_through_the_page_and_text_kept(app, client, login_as):
    """Must show: an HTML file called .pdf is refused with a message; nothing is stored; what
    the participant typed is still in the form."""
    world = project_world()
    login_as(world.participant)
    url = f"/proyek/{world.project.id}/tahap/{world.stages[0].id}"
    before = _files_on_disk(app)
    resp = client.post(
        url,
        data={
            "body": "Teks yang tidak boleh hilang",
            "files": (io.BytesIO(HTML_AS_PDF), "rancangan.pdf"),
            "save": "1",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "Jenis berkas tidak diizinkan" in text
    assert "Teks yang tidak boleh hilang" in text
    assert _files_on_disk(app) == before
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0


def test_upload_failing_halfway_through_the_page_leaves_nothing(app, client, login_as, monkeypatch):
    world = project_world()
    login_as(world.participant)
    real_save = storage.save
    calls = {"n": 0}

    def failing_save(stream, allowed, max_bytes=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")  # storage turns OSError into UploadRejected itself; simulate the worst
        return real_save(stream, allowed, max_bytes)

    monkeypatch.setattr(storage, "save", failing_save)
    before = _files_on_disk(app)
    resp = client.post(
        f"/proyek/{world.project.id}/tahap/{world.stages[0].id}",
        data={
            "body": "x",
            "files": [(io.BytesIO(PDF_BYTES), "a.pdf"), (io.BytesIO(PDF_BYTES), "b.pdf")],
            "save": "1",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 500
    assert calls["n"] == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0
    assert _files_on_disk(app) == before


def _bulk_waiting(world, count: int) -> None:
    """Insert ``count`` submissions waiting for world.mentor, in bulk (Core executemany)."""
    stages = [s for s in world.stages if s.approve_mentor]
    n_projects = -(-count // len(stages))
    start = db.session.scalar(select(func.count(User.id)))
    db.session.execute(
        insert(User),
        [
            {"username": f"bulk{start + i}", "full_name": f"Peserta Massal {i}", "password_hash": "x"}
            for i in range(n_projects)
        ],
    )
    user_ids = db.session.scalars(select(User.id).where(User.username.like("bulk%")).order_by(User.id)).all()[
        -n_projects:
    ]
    db.session.execute(
        insert(Enrolment),
        [
            {"angkatan_id": world.angkatan.id, "user_id": uid, "mentor_id": world.mentor.id}
            for uid in user_ids
        ],
    )
    enrolment_ids = db.session.scalars(
        select(Enrolment.id).where(Enrolment.user_id.in_(user_ids)).order_by(Enrolment.id)
    ).all()
    db.session.execute(
        insert(Project), [{"enrolment_id": eid, "title": f"Proyek {eid}"} for eid in enrolment_ids]
    )
    project_ids = db.session.scalars(
        select(Project.id).where(Project.enrolment_id.in_(enrolment_ids)).order_by(Project.id)
    ).all()
    now = utcnow()
    rows = [
        {
            "project_id": pid,
            "stage_id": stage.id,
            "state": SubmissionState.SUBMITTED,
            "current_version_no": 1,
            "waiting_since": now - timedelta(minutes=i),
        }
        for i, (pid, stage) in enumerate((p, s) for p in project_ids for s in stages)
    ][:count]
    db.session.execute(insert(StageSubmission), rows)
    db.session.commit()


def _fresh_request_state() -> None:
    """The test's app context is shared with the requests: start each measured request alike
    (no user cached in g, nothing cached in the session's identity map, no open transaction)."""
    g.pop("_login_user", None)
    db.session.rollback()
    db.session.expire_all()


def test_queue_runs_the_same_queries_with_5_and_5000_waiting(app, client, login_as, count_queries):
    """Must show: the queue page does not get slower with the queue's length, and paginates."""
    world = project_world()
    login_as(world.mentor)
    _bulk_waiting(world, 5)
    client.get("/reviews/")  # warm up (first request compiles templates)
    _fresh_request_state()
    with count_queries() as small:
        resp = client.get("/reviews/")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).count('class="card"') == 5
    _bulk_waiting(world, 4995)
    _fresh_request_state()
    with count_queries() as big:
        resp = client.get("/reviews/")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    if small.count != big.count:
        print("SMALL", *[x[:100].replace(chr(10), " ") for x in small.statements], sep="\n")
        print("BIG", *[x[:100].replace(chr(10), " ") for x in big.statements], sep="\n")
    assert small.count == big.count
    assert text.count('class="card"') == 25
    assert "5000 pengajuan" in text
    assert "Halaman 1 dari 200" in text
    page2 = client.get("/reviews/?page=2")
    assert "Halaman 2 dari 200" in page2.get_data(as_text=True)
    # The badge counts everything waiting.
    assert 'class="badge">5000' in text


def test_queue_is_oldest_first_with_days_and_overdue_mark(make_app, login_as):
    app = make_app(REVIEW_OVERDUE_DAYS=3)
    with app.app_context():
        client = app.test_client()
        world = project_world()
        sub = submit_stage_as_owner(world)
        sub.waiting_since = utcnow() - timedelta(days=4)
        db.session.commit()
        login_as(world.mentor, on=client)
        text = client.get("/reviews/").get_data(as_text=True)
        assert "Menunggu 4 hari" in text and "terlambat" in text
        # Filters: another angkatan hides it, the right stage shows it.
        assert "Tidak ada yang menunggu" in client.get("/reviews/?angkatan=999999").get_data(as_text=True)
        assert "Menunggu 4 hari" in client.get("/reviews/?stage=Rancangan").get_data(as_text=True)
        assert "Tidak ada yang menunggu" in client.get("/reviews/?state=in_review").get_data(as_text=True)


def test_queue_filters_keep_the_choice_and_mark_an_unknown_value(app, client, login_as):
    """The hand-written filter selects: the chosen values stay selected; a value that is not
    among the choices is ignored (stage, state) and marked invalid next to its select."""
    world = project_world()
    submit_stage_as_owner(world)
    login_as(world.mentor)
    text = client.get("/reviews/").get_data(as_text=True)
    assert '<label for="angkatan">Angkatan</label>' in text and "aria-invalid" not in text
    assert '<option value="Rancangan">Rancangan</option>' in text
    angkatan_id = world.enrolment.angkatan_id
    text = client.get(f"/reviews/?angkatan={angkatan_id}&stage=Rancangan&state=submitted").get_data(
        as_text=True
    )
    assert f'<option value="{angkatan_id}" selected>' in text
    assert '<option value="Rancangan" selected>' in text and '<option value="submitted" selected>' in text
    assert "Menunggu 0 hari" in text and "aria-invalid" not in text
    text = client.get("/reviews/?stage=Tidak-ada&state=rusak").get_data(as_text=True)
    assert 'aria-describedby="stage-error" aria-invalid="true" id="stage"' in text
    assert 'aria-describedby="state-error" aria-invalid="true" id="state"' in text
    assert 'id="angkatan-error"' not in text
    assert "Menunggu 0 hari" in text  # the unknown values do not filter


def test_queue_filter_form_follows_the_queue_it_was_rendered_for(app, client, login_as):
    """The filter form is cached by its choices: a new angkatan in the queue shows at once, and
    the same filters for another reviewer show that reviewer's choices."""
    world = project_world()
    submit_stage_as_owner(world)
    login_as(world.mentor)
    first = client.get("/reviews/").get_data(as_text=True)
    assert first.count("<option value=") == 2 + 2 + 4  # all + one angkatan, all + one stage, states
    later = make_project_angkatan(world.program, name="Angkatan Kemudian")
    enrolment = make_project_enrolment(later, make_user(commit=False), mentor=world.mentor, ndh=9)
    project = make_project(enrolment, "Proyek Angkatan Kemudian")
    sub = services.submission_for(project, world.stages[0], create=True)
    services.save_draft(sub, "Uraian", [], enrolment.user)
    services.submit_stage(sub, enrolment.user)
    db.session.commit()
    second = client.get("/reviews/").get_data(as_text=True)
    assert f'<option value="{later.id}">Angkatan Kemudian</option>' in second
    login_as(world.coach)
    coach = client.get("/reviews/").get_data(as_text=True)
    assert "Angkatan Kemudian" not in coach and f'<option value="{world.angkatan.id}">' in coach


def test_queue_shows_only_assigned_participants(app, client, login_as):
    world = project_world()
    submit_stage_as_owner(world)
    login_as(world.other_mentor)
    text = client.get("/reviews/").get_data(as_text=True)
    assert world.participant.full_name not in text
    assert "Tidak ada yang menunggu" in text


def test_review_page_shows_pdf_versions_and_decides_then_opens_next(app, client, login_as):
    world = project_world()
    sub = submit_stage_as_owner(world)
    # A second participant of the same mentor also waits (newer).
    other = make_user(commit=False)
    enrolment = Enrolment(
        angkatan_id=world.angkatan.id, user_id=other.id, mentor_id=world.mentor.id, coach_id=world.coach.id
    )
    db.session.add(enrolment)
    db.session.flush()
    project2 = Project(enrolment_id=enrolment.id, title="Proyek Kedua")
    db.session.add(project2)
    db.session.flush()
    sub2 = services.submission_for(project2, world.stages[0], create=True)
    services.save_draft(sub2, "Teks kedua", [], other)
    services.submit_stage(sub2, other)
    db.session.commit()
    login_as(world.mentor)
    page = client.get(f"/reviews/{sub.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    file_id = sub.versions[0].files[0].id
    assert "<iframe" not in text  # the viewer loads only on request (slow connections)
    assert f"lihat={file_id}" in text
    viewer = client.get(f"/reviews/{sub.id}?lihat={file_id}").get_data(as_text=True)
    assert "<iframe" in viewer and f"/proyek/berkas/{file_id}/lihat" in viewer
    assert "Uraian rancangan" in text
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]
    resp = client.post(
        f"/reviews/{sub.id}/keputusan",
        data={"decision": "revise", "comment": "Perjelas data.", "version": sub.version},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reviews/{sub2.id}")
    db.session.expire_all()
    assert db.session.get(StageSubmission, sub.id).state == SubmissionState.REVISION_REQUESTED


def test_revision_without_comment_rerenders_with_message(app, client, login_as):
    world = project_world()
    sub = submit_stage_as_owner(world)
    login_as(world.mentor)
    resp = client.post(
        f"/reviews/{sub.id}/keputusan", data={"decision": "revise", "comment": "", "version": sub.version}
    )
    assert resp.status_code == 400
    assert "Tuliskan apa yang perlu diperbaiki" in resp.get_data(as_text=True)


def test_stale_decision_through_the_page_is_refused_with_a_message(app, client, login_as):
    world = project_world()
    sub = submit_stage_as_owner(world)
    stale_version = sub.version
    services.decide(sub, world.coach, "revise", "Tambah data.", None, sub.version)
    db.session.commit()
    login_as(world.mentor)
    resp = client.post(
        f"/reviews/{sub.id}/keputusan",
        data={"decision": "approve", "version": stale_version},
        follow_redirects=True,
    )
    text = resp.get_data(as_text=True)
    assert "sudah diubah orang lain" in text
    db.session.expire_all()
    assert db.session.get(StageSubmission, sub.id).state == SubmissionState.REVISION_REQUESTED


def test_participant_sees_revision_comment_and_both_versions(app, client, login_as):
    world = project_world()
    sub = submit_stage_as_owner(world)
    services.decide(
        sub, world.mentor, "revise", "Tambahkan analisis pemangku kepentingan.", None, sub.version
    )
    db.session.commit()
    login_as(world.participant)
    url = f"/proyek/{world.project.id}/tahap/{world.stages[0].id}"
    text = client.get(url).get_data(as_text=True)
    assert "Tambahkan analisis pemangku kepentingan." in text and "perlu revisi" in text
    resp = client.post(url, data={"body": "Diperbaiki", "send": "1", "version": sub.version})
    assert resp.status_code == 302
    text = client.get(url).get_data(as_text=True)
    assert "Versi 2" in text and "Versi 1" in text


def test_seminar_pages(app, client, login_as):
    world = project_world()
    examiner = make_user(roles=("penguji",), commit=False)
    session = make_seminar_session(
        world.angkatan, world.stages[4], examiners=[examiner], enrolments=[world.enrolment]
    )
    db.session.commit()
    login_as(examiner)
    assert world.participant.full_name in client.get(f"/reviews/seminar/{session.id}").get_data(as_text=True)
    slot = session.slots[0]
    data = {f"s-score_{c.id}": "88" for c in world.stages[4].criteria}
    assert client.post(f"/reviews/seminar/slot/{slot.id}", data=data).status_code == 302
    resp = client.post(
        f"/reviews/seminar/slot/{slot.id}/hasil", data={"o-outcome": "ditunda", "o-version": slot.version}
    )
    assert resp.status_code == 302
    text = client.get(f"/reviews/seminar/{session.id}").get_data(as_text=True)
    assert "Ditunda" in text
    assert "88.0" in client.get(f"/reviews/seminar/slot/{slot.id}").get_data(as_text=True)


def test_admin_overview_matrix_and_csv(app, client, login_as):
    world = project_world()
    submit_stage_as_owner(world)
    login_as(world.admin)
    text = client.get(f"/admin/proyek/angkatan/{world.angkatan.id}").get_data(as_text=True)
    assert world.participant.full_name in text and "diajukan" in text
    assert world.mentor.full_name in text  # owes a decision
    csv = client.get(f"/admin/proyek/angkatan/{world.angkatan.id}/csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    assert world.participant.full_name in csv.get_data(as_text=True)
    audit = client.get("/admin/proyek/audit").get_data(as_text=True)
    assert "submitted" in audit


def test_admin_rubric_errors_name_lines_and_keep_text(app, client, login_as):
    world = project_world()
    login_as(world.admin)
    resp = client.post(
        f"/admin/proyek/tahap/{world.stages[3].id}/rubrik", data={"text": "Baik | x\nOke | 10"}
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "baris 1" in text and "Baik | x" in text


def test_demo_seed_puts_rancangan_in_mentor_and_coach_queues(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    users = {u.username: u for u in db.session.scalars(select(User))}
    for name in ("mentor", "coach"):
        queue = db.session.scalars(services.permissions.review_queue(users[name])).all()
        assert len(queue) == 1 and queue[0].project.enrolment.user.username == "peserta1"
        assert queue[0].stage.name == "Rancangan" and queue[0].state == SubmissionState.SUBMITTED
    assert db.session.scalar(select(func.count(StageSubmission.id))) == 1


def test_mentor_project_list_is_bounded(app, client, login_as, count_queries):
    world = project_world()
    login_as(world.mentor)

    def add(n):
        for _ in range(n):
            enrolment = Enrolment(
                angkatan_id=world.angkatan.id, user_id=make_user(commit=False).id, mentor_id=world.mentor.id
            )
            db.session.add(enrolment)
            db.session.flush()
            db.session.add(Project(enrolment_id=enrolment.id, title=f"Proyek {enrolment.id}"))
        db.session.commit()

    client.get("/proyek/")
    _fresh_request_state()
    with count_queries() as few:
        assert client.get("/proyek/").status_code == 200
    add(30)
    _fresh_request_state()
    with count_queries() as many:
        text = client.get("/proyek/").get_data(as_text=True)
    assert few.count == many.count
    assert "Halaman 1 dari 2" in text


def test_old_project_admin_urls_redirect_to_admin_proyek(client):
    """The admin area moved from /proyek/admin/ to /admin/proyek/; old links keep working."""
    response = client.get("/proyek/admin/")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/admin/proyek/")
    response = client.get("/proyek/admin/angkatan/7/csv?x=1")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/admin/proyek/angkatan/7/csv?x=1")
    response = client.post("/proyek/admin/tahap/3")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/admin/proyek/tahap/3")
