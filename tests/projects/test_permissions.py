"""The permission matrix over EVERY route of the projects, reviews, project admin and
notifications blueprints: anonymous, the participant, another participant, the assigned mentor,
another mentor, the coach, a penguji who is not assigned, and an admin. Whoever may not see a
thing gets 404 with none of its data in the body; anonymous users are sent to the login page.

A new route that is not in the table below fails ``test_every_route_is_in_the_matrix``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import g

from lms.extensions import db
from lms.notifications import services as notification_services
from lms.projects import services
from tests.factories import (
    make_project,
    make_project_angkatan,
    make_project_enrolment,
    make_seminar_session,
    make_user,
    pdf_upload,
    project_world,
    submit_stage_as_owner,
)

ROLES = [
    "anonymous",
    "participant",
    "other_participant",
    "mentor",
    "other_mentor",
    "coach",
    "penguji",
    "admin",
]
LOGGED_IN = set(ROLES) - {"anonymous"}
VIEWERS = {"participant", "mentor", "coach", "admin"}
QUEUE_USERS = {"mentor", "other_mentor", "coach", "penguji", "admin"}


@dataclass
class Ctx:
    world: object
    sub: object
    draft_sub: object
    version_file: object
    draft_file: object
    version: object
    milestone: object
    evidence: object
    consultation: object
    session: object
    slot: object
    past_project: object
    note: object


def build_ctx() -> Ctx:
    w = project_world()
    sub = submit_stage_as_owner(w)
    draft_sub = services.submission_for(w.project, w.stages[2], create=True)
    services.save_draft(draft_sub, "Draf implementasi", [pdf_upload("draf.pdf")], w.participant)
    milestone = services.add_milestone(w.project, "pendek", "Milestone A", "", date.today(), w.participant)
    evidence = services.add_evidence(milestone, w.participant, note="SK", upload=pdf_upload("sk.pdf"))
    consultation = services.log_consultation(
        w.project, date.today(), "mentor", "Rancangan", "", w.participant
    )
    examiner = make_user(roles=("penguji",), commit=False)
    session = make_seminar_session(w.angkatan, w.stages[4], examiners=[examiner], enrolments=[w.enrolment])
    past = make_project_angkatan(w.program, start_date=date(2023, 1, 2), end_date=date(2023, 5, 1))
    past_project = make_project(make_project_enrolment(past), "Proyek Lama Yang Sukses")
    note = notification_services.notify(w.participant, "Catatan pribadi peserta", "isi")
    db.session.commit()
    return Ctx(
        w,
        sub,
        draft_sub,
        sub.versions[0].files[0],
        services.draft_files(draft_sub)[0],
        sub.versions[0],
        milestone,
        evidence,
        consultation,
        session,
        session.slots[0],
        past_project,
        note,
    )


def _scores(stage, prefix=""):
    return {f"{prefix}score_{c.id}": "80" for c in stage.criteria}


# endpoint, method, url(ctx), data(ctx) or None, {role: status} for those allowed (others: 404)
A = dict.fromkeys(LOGGED_IN, 200)
MATRIX = [
    ("projects.index", "GET", lambda c: "/proyek/", None, A),
    ("projects.start", "GET", lambda c: f"/proyek/mulai/{c.world.enrolment.id}", None, {"participant": 302}),
    (
        "projects.start",
        "POST",
        lambda c: f"/proyek/mulai/{c.world.enrolment.id}",
        lambda c: {"title": "X"},
        {"participant": 302},
    ),
    ("projects.detail", "GET", lambda c: f"/proyek/{c.world.project.id}", None, dict.fromkeys(VIEWERS, 200)),
    ("projects.edit", "GET", lambda c: f"/proyek/{c.world.project.id}/ubah", None, {"participant": 200}),
    (
        "projects.edit",
        "POST",
        lambda c: f"/proyek/{c.world.project.id}/ubah",
        lambda c: {"title": "Judul baru", "version": c.world.project.version},
        {"participant": 302},
    ),
    (
        "projects.stage",
        "GET",
        lambda c: f"/proyek/{c.world.project.id}/tahap/{c.world.stages[2].id}",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    (
        "projects.stage",
        "POST",
        lambda c: f"/proyek/{c.world.project.id}/tahap/{c.world.stages[2].id}",
        lambda c: {"body": "Draf baru", "save": "1", "version": c.draft_sub.version},
        {"participant": 302},
    ),
    (
        "projects.remove_file",
        "GET",
        lambda c: f"/proyek/berkas/{c.draft_file.id}/hapus",
        None,
        {"participant": 200},
    ),
    (
        "projects.remove_file",
        "POST",
        lambda c: f"/proyek/berkas/{c.draft_file.id}/hapus",
        lambda c: {},
        {"participant": 302},
    ),
    (
        "projects.download",
        "GET",
        lambda c: f"/proyek/berkas/{c.version_file.id}",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    ("projects.download", "GET", lambda c: f"/proyek/berkas/{c.draft_file.id}", None, {"participant": 200}),
    (
        "projects.view_inline",
        "GET",
        lambda c: f"/proyek/berkas/{c.version_file.id}/lihat",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    ("projects.version", "GET", lambda c: f"/proyek/versi/{c.version.id}", None, dict.fromkeys(VIEWERS, 200)),
    (
        "projects.milestones",
        "GET",
        lambda c: f"/proyek/{c.world.project.id}/milestone",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    (
        "projects.milestones",
        "POST",
        lambda c: f"/proyek/{c.world.project.id}/milestone",
        lambda c: {"term": "menengah", "title": "Milestone B"},
        {"participant": 302},
    ),
    (
        "projects.milestone_status",
        "POST",
        lambda c: f"/proyek/milestone/{c.milestone.id}/status",
        lambda c: {
            f"m{c.milestone.id}-status": "in_progress",
            f"m{c.milestone.id}-version": c.milestone.version,
        },
        {"participant": 302},
    ),
    (
        "projects.milestone_evidence",
        "POST",
        lambda c: f"/proyek/milestone/{c.milestone.id}/bukti",
        lambda c: {"note": "Tautan", "url": "https://contoh.go.id/"},
        {"participant": 302},
    ),
    (
        "projects.milestone_confirm",
        "POST",
        lambda c: f"/proyek/milestone/{c.milestone.id}/konfirmasi",
        lambda c: {},
        {"mentor": 302},
    ),
    (
        "projects.evidence_file",
        "GET",
        lambda c: f"/proyek/bukti/{c.evidence.id}",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    (
        "projects.consultations",
        "GET",
        lambda c: f"/proyek/{c.world.project.id}/konsultasi",
        None,
        dict.fromkeys(VIEWERS, 200),
    ),
    (
        "projects.consultations",
        "POST",
        lambda c: f"/proyek/{c.world.project.id}/konsultasi",
        lambda c: {"met_on": date.today().isoformat(), "with_role": "coach", "topic": "Data"},
        {"participant": 302},
    ),
    (
        "projects.paraf",
        "POST",
        lambda c: f"/proyek/konsultasi/{c.consultation.id}/paraf",
        lambda c: {},
        {"mentor": 302},
    ),
    (
        "projects.attitude",
        "GET",
        lambda c: f"/proyek/{c.world.project.id}/sikap",
        None,
        {"mentor": 200, "coach": 200, "admin": 200},
    ),
    (
        "projects.attitude",
        "POST",
        lambda c: f"/proyek/{c.world.project.id}/sikap",
        lambda c: {
            "observed_on": date.today().isoformat(),
            **{f"score_{a.id}": "80" for a in services.attitude_criteria(c.world.program)},
        },
        {"mentor": 302, "coach": 302, "admin": 302},
    ),
    ("projects.catalogue", "GET", lambda c: "/proyek/katalog", None, A),
    ("projects.catalogue_entry", "GET", lambda c: f"/proyek/katalog/{c.past_project.id}", None, A),
    ("reviews.queue", "GET", lambda c: "/reviews/", None, dict.fromkeys(QUEUE_USERS, 200)),
    (
        "reviews.detail",
        "GET",
        lambda c: f"/reviews/{c.sub.id}",
        None,
        {"mentor": 200, "coach": 200, "admin": 200},
    ),
    (
        "reviews.decide",
        "POST",
        lambda c: f"/reviews/{c.sub.id}/keputusan",
        lambda c: {"decision": "approve", "version": c.sub.version},
        {"mentor": 302, "coach": 302, "admin": 400},
    ),
    ("reviews.sessions", "GET", lambda c: "/reviews/seminar", None, dict.fromkeys(QUEUE_USERS, 200)),
    (
        "reviews.session",
        "GET",
        lambda c: f"/reviews/seminar/{c.session.id}",
        None,
        {"mentor": 200, "coach": 200, "admin": 200},
    ),
    (
        "reviews.slot",
        "GET",
        lambda c: f"/reviews/seminar/slot/{c.slot.id}",
        None,
        {"mentor": 200, "coach": 200, "admin": 200},
    ),
    (
        "reviews.slot",
        "POST",
        lambda c: f"/reviews/seminar/slot/{c.slot.id}",
        lambda c: _scores(c.world.stages[4], "s-"),
        {"mentor": 302, "coach": 302},
    ),
    (
        "reviews.outcome",
        "POST",
        lambda c: f"/reviews/seminar/slot/{c.slot.id}/hasil",
        lambda c: {"o-outcome": "lulus", "o-version": c.slot.version},
        {"admin": 302},
    ),
    ("notifications.index", "GET", lambda c: "/notifikasi/", None, A),
    (
        "notifications.read",
        "POST",
        lambda c: f"/notifikasi/{c.note.id}/baca",
        lambda c: {},
        {"participant": 302},
    ),
    (
        "notifications.read_all",
        "POST",
        lambda c: "/notifikasi/baca-semua",
        lambda c: {},
        dict.fromkeys(LOGGED_IN, 302),
    ),
    ("projects_admin.index", "GET", lambda c: "/admin/proyek/", None, {"admin": 200}),
    (
        "projects_admin.program",
        "GET",
        lambda c: f"/admin/proyek/program/{c.world.program.id}",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.install_defaults",
        "POST",
        lambda c: f"/admin/proyek/program/{c.world.program.id}/bawaan",
        lambda c: {},
        {"admin": 302},
    ),
    (
        "projects_admin.new_stage",
        "GET",
        lambda c: f"/admin/proyek/program/{c.world.program.id}/tahap/baru",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.new_stage",
        "POST",
        lambda c: f"/admin/proyek/program/{c.world.program.id}/tahap/baru",
        lambda c: {
            "code": "tindak-lanjut",
            "name": "Tindak Lanjut",
            "position": "6",
            "approvers": ["mentor"],
        },
        {"admin": 302},
    ),
    (
        "projects_admin.edit_stage",
        "GET",
        lambda c: f"/admin/proyek/tahap/{c.world.stages[0].id}",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.edit_stage",
        "POST",
        lambda c: f"/admin/proyek/tahap/{c.world.stages[0].id}",
        lambda c: {
            "code": "rancangan",
            "name": "Rancangan",
            "position": "1",
            "approvers": ["mentor", "coach"],
            "version": c.world.stages[0].version,
        },
        {"admin": 302},
    ),
    (
        "projects_admin.rubric",
        "GET",
        lambda c: f"/admin/proyek/tahap/{c.world.stages[3].id}/rubrik",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.rubric",
        "POST",
        lambda c: f"/admin/proyek/tahap/{c.world.stages[3].id}/rubrik",
        lambda c: {"text": "Isi | 100 | 0 | 100"},
        {"admin": 302},
    ),
    (
        "projects_admin.attitude_criteria",
        "GET",
        lambda c: f"/admin/proyek/program/{c.world.program.id}/sikap",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.attitude_criteria",
        "POST",
        lambda c: f"/admin/proyek/program/{c.world.program.id}/sikap",
        lambda c: {"text": "Integritas | 1 | 0 | 100"},
        {"admin": 302},
    ),
    (
        "projects_admin.overview",
        "GET",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.overview_csv",
        "GET",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}/csv",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.schedule",
        "GET",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}/jadwal",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.schedule",
        "POST",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}/jadwal",
        lambda c: {f"due_{c.world.stages[0].id}": (date.today() + timedelta(days=7)).isoformat()},
        {"admin": 302},
    ),
    (
        "projects_admin.seminars",
        "GET",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}/seminar",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.seminars",
        "POST",
        lambda c: f"/admin/proyek/angkatan/{c.world.angkatan.id}/seminar",
        lambda c: {
            "stage": str(c.world.stages[1].id),
            "title": "Seminar Rancangan 1",
            "starts_at": "2026-12-01T08:00",
            "slot_minutes": "45",
            "capacity": "10",
        },
        {"admin": 302},
    ),
    (
        "projects_admin.session",
        "GET",
        lambda c: f"/admin/proyek/seminar/{c.session.id}",
        None,
        {"admin": 200},
    ),
    (
        "projects_admin.session",
        "POST",
        lambda c: f"/admin/proyek/seminar/{c.session.id}",
        lambda c: {
            "examiners": [str(e.user_id) for e in c.session.examiners],
            "participants": [str(c.world.enrolment.id)],
        },
        {"admin": 302},
    ),
    ("projects_admin.audit", "GET", lambda c: "/admin/proyek/audit", None, {"admin": 200}),
]
CASES = [
    pytest.param(i, id=f"{endpoint}-{method}-{i}") for i, (endpoint, method, *_rest) in enumerate(MATRIX)
]


def _user_for(ctx: Ctx, role: str):
    return None if role == "anonymous" else getattr(ctx.world, role)


@pytest.mark.parametrize("index", CASES)
def test_permission_matrix(app, login_as, index):
    """Each route, as each of the eight people. The data is rebuilt after a request that may
    have changed it (an allowed POST), so every role meets the same situation."""
    endpoint, method, url_fn, data_fn, allowed = MATRIX[index]
    ctx = None
    for role in ROLES:
        if ctx is None:
            ctx = build_ctx()
        client = app.test_client()
        # The test's app context is shared by the requests: forget the previous request's user.
        g.pop("_login_user", None)
        g.pop("_sqlite_write_intent", None)
        user = _user_for(ctx, role)
        if user is not None:
            login_as(user, on=client)
        url = url_fn(ctx)
        resp = client.get(url) if method == "GET" else client.post(url, data=data_fn(ctx))
        body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
        if role == "anonymous":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], (
                endpoint,
                resp.status_code,
            )
            continue
        expected = allowed.get(role, 404)
        assert resp.status_code == expected, (
            f"{endpoint} {method} as {role}: {resp.status_code}, expected {expected}"
        )
        if expected == 404:
            # No data in the body: neither the project nor the participant's name.
            for secret in (
                ctx.world.project.title,
                ctx.world.participant.full_name,
                "rancangan.pdf",
                "Catatan pribadi peserta",
            ):
                assert secret not in body, (endpoint, role, secret)
        if method == "POST" and expected != 404:
            db.session.rollback()
            ctx = None


def test_every_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_rest in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in {"projects", "reviews", "projects_admin", "notifications"}:
            continue
        if rule.endpoint == "projects.moved_admin":
            continue  # sends old /proyek/admin/ links on to the gated pages (tests/projects/test_views.py)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes missing from the permission matrix: " + ", ".join(missing)


def test_download_is_an_attachment_with_nosniff(app, client, login_as):
    ctx = build_ctx()
    login_as(ctx.world.mentor)
    resp = client.get(f"/proyek/berkas/{ctx.version_file.id}")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    inline = client.get(f"/proyek/berkas/{ctx.version_file.id}/lihat")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in inline.headers["Content-Security-Policy"]
    assert inline.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_download_refused_for_others(app, client, login_as):
    """Must show: someone not allowed cannot download (404, and none of the file)."""
    ctx = build_ctx()
    for outsider in (ctx.world.other_participant, ctx.world.other_mentor, ctx.world.penguji):
        login_as(outsider)
        for url in (
            f"/proyek/berkas/{ctx.version_file.id}",
            f"/proyek/berkas/{ctx.version_file.id}/lihat",
            f"/proyek/bukti/{ctx.evidence.id}",
        ):
            resp = client.get(url)
            assert resp.status_code == 404
            assert b"%PDF" not in resp.data
    # The mentor sees submitted files but not the participant's unsent draft.
    login_as(ctx.world.mentor)
    assert client.get(f"/proyek/berkas/{ctx.draft_file.id}").status_code == 404
