"""Dashboard snapshots: a fresh one is reused without running the panels' queries, a stale one
or the "Perbarui sekarang" button recomputes, concurrent first views do not fail, scope checks
still run on every request, and the stored figures render in the viewer's language."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import func, select, update

from lms.courses.models import Angkatan
from lms.extensions import db
from lms.models_base import utcnow
from lms.results.models import DashboardSnapshot
from lms.results.services import dashboards, snapshots
from tests.factories import (
    admin_user,
    enrol_in_results,
    make_instansi,
    make_results_angkatan,
    make_results_course,
    make_results_program,
    make_unit,
    make_user,
)
from tests.test_i18n import EN_PO


def _panel_statements(q) -> list[str]:
    """The statements of the dashboard's panels: all of them aggregate (GROUP BY) or read
    lesson progress or JP records; the page's other queries (login, angkatan, the navigation's
    badges, the snapshot) do not."""
    return [s for s in q.statements if "GROUP BY" in s or "lesson_progress" in s or "jp_records" in s]


@pytest.fixture
def angkatan(app):
    program = make_results_program()
    make_results_course(program=program, lessons=3)
    angkatan = make_results_angkatan(program)
    for name in ("A", "B"):
        enrol_in_results(angkatan, make_user(commit=False, full_name=name))
    db.session.commit()
    return angkatan


def _dashboard(client, angkatan_id) -> str:
    response = client.get(f"/admin/hasil/angkatan/{angkatan_id}/dasbor")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_fresh_snapshot_is_reused_without_the_panel_queries(angkatan, client, login_as, count_queries):
    login_as(admin_user())
    with count_queries() as cold:
        first = _dashboard(client, angkatan.id)
    assert _panel_statements(cold), "the first view computes the panels"
    assert "Data per " in first and "WIB" in first and "Perbarui sekarang" in first
    enrol_in_results(angkatan, make_user(commit=False, full_name="C"))  # not seen until recomputed
    db.session.commit()
    with count_queries() as warm:
        second = _dashboard(client, angkatan.id)
    assert _panel_statements(warm) == []
    assert warm.count < cold.count
    assert second.count("<tr>") == first.count("<tr>")
    assert ">2</td>" in second and ">3</td>" not in second  # still two active participants


def test_a_stale_snapshot_is_recomputed(angkatan, client, login_as, count_queries):
    login_as(admin_user())
    _dashboard(client, angkatan.id)
    enrol_in_results(angkatan, make_user(commit=False, full_name="C"))
    db.session.execute(update(DashboardSnapshot).values(computed_at=utcnow() - timedelta(seconds=301)))
    db.session.commit()
    with count_queries() as q:
        html = _dashboard(client, angkatan.id)
    assert _panel_statements(q)
    assert ">3</td>" in html  # three active participants now
    assert db.session.scalar(select(func.count(DashboardSnapshot.id))) == 1


def test_max_age_comes_from_the_config(angkatan, make_app, login_as):
    angkatan_id = angkatan.id
    db.session.commit()  # the test's session must not hold SQLite's write lock below
    app = make_app(DASHBOARD_MAX_AGE_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        login_as(admin_user(), on=client)
        _dashboard(client, angkatan_id)
        enrol_in_results(db.session.get(Angkatan, angkatan_id), make_user(commit=False, full_name="C"))
        db.session.commit()
        assert ">3</td>" in _dashboard(client, angkatan_id)


def test_the_refresh_button_recomputes_at_once(angkatan, client, login_as):
    login_as(admin_user())
    _dashboard(client, angkatan.id)
    enrol_in_results(angkatan, make_user(commit=False, full_name="C"))
    db.session.commit()
    assert ">3</td>" not in _dashboard(client, angkatan.id)
    response = client.post(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/perbarui")
    assert response.status_code == 302 and response.location.endswith(f"/angkatan/{angkatan.id}/dasbor")
    assert ">3</td>" in _dashboard(client, angkatan.id)
    login_as(make_user(roles=("mentor",)))
    assert client.post(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/perbarui").status_code == 404


def test_the_refresh_button_needs_the_csrf_token(angkatan, make_app, login_as):
    angkatan_id = angkatan.id
    db.session.commit()  # the test's session must not hold SQLite's write lock below
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        login_as(admin_user(), on=client)
        assert client.post(f"/admin/hasil/angkatan/{angkatan_id}/dasbor/perbarui").status_code == 400
        # The page's own form carries a valid token.
        token = re.search(r'name="csrf_token" value="([^"]+)"', _dashboard(client, angkatan_id)).group(1)
        response = client.post(
            f"/admin/hasil/angkatan/{angkatan_id}/dasbor/perbarui", data={"csrf_token": token}
        )
        assert response.status_code == 302


def test_a_pimpinan_outside_the_scope_gets_404_even_with_a_snapshot(app, client, login_as):
    inst, other = make_instansi("Instansi Uji"), make_instansi("Instansi Lain")
    unit = make_unit(inst, "Bidang Uji")
    make_user(commit=False, instansi_id=inst.id, unit_id=unit.id, full_name="Staf Uji")
    own_boss = make_user(roles=("pimpinan",), instansi_id=inst.id)
    other_boss = make_user(roles=("pimpinan",), instansi_id=other.id)
    login_as(own_boss)
    html = client.get(f"/dasbor/instansi/{inst.id}").get_data(as_text=True)
    assert "Staf Uji" in html and "Data per " in html
    assert client.get(f"/dasbor/instansi/{inst.id}?unit={unit.id}").status_code == 200
    assert db.session.scalar(select(func.count(DashboardSnapshot.id))) == 2  # instansi and unit
    login_as(other_boss)
    assert client.get(f"/dasbor/instansi/{inst.id}").status_code == 404
    assert client.get(f"/dasbor/instansi/{inst.id}?unit={unit.id}").status_code == 404
    assert client.post(f"/dasbor/instansi/{inst.id}/perbarui").status_code == 404
    response = client.post(f"/dasbor/instansi/{other.id}/perbarui")
    assert response.status_code == 302 and response.location.endswith(f"/dasbor/instansi/{other.id}")


@pytest.fixture
def english_app(make_app, tmp_path):
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with EN_PO.open("rb") as f:
        catalog = read_po(f)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    return make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))


def test_the_english_page_renders_the_same_snapshot_in_english(
    angkatan, english_app, login_as, count_queries
):
    indonesian, english = english_app.test_client(), english_app.test_client()
    login_as(admin_user(), on=indonesian)
    login_as(admin_user(language="en"), on=english)
    angkatan_id = angkatan.id
    db.session.rollback()  # end the test's transaction: SQLite lets one writer at a time
    html = _dashboard(indonesian, angkatan_id)
    assert "Sebaran kemajuan belajar" in html and "Aktif" in html
    with count_queries() as q:
        html = _dashboard(english, angkatan_id)
    assert _panel_statements(q) == []  # the stored snapshot, not a new computation
    assert "Spread of learning progress" in html and "Active" in html and "Withdrawn" in html
    assert "Sebaran kemajuan belajar" not in html and "Mengundurkan diri" not in html
    assert "Figures as of " in html and "Refresh now" in html
    # The results menu is rendered once per language, and the refresh form carries its token.
    assert 'aria-label="Results and certificates menu"' in html and 'name="csrf_token"' in html
    assert 'aria-label="Menu hasil dan sertifikat"' in _dashboard(indonesian, angkatan_id)


def test_concurrent_first_views_do_not_fail(angkatan, app):
    """Two sessions compute and upsert the same snapshot at once (both databases)."""
    subject_args = {"angkatan_id": angkatan.id, "year": 2026}
    db.session.commit()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_view():
        try:
            with app.app_context():
                subject = dashboards.AngkatanSubject(
                    angkatan=db.session.get(Angkatan, subject_args["angkatan_id"]), year=subject_args["year"]
                )
                subject.angkatan.id  # noqa: B018 - loaded before the race
                db.session.commit()
                barrier.wait(timeout=10)
                snapshots.compute("angkatan", subject, 15)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_view) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    rows = db.session.scalars(select(DashboardSnapshot)).all()
    assert len(rows) == 1 and rows[0].payload["data"]["peserta"]["counts"][0] == 2


def test_a_panel_with_only_fn_is_computed_on_every_view(angkatan, client, login_as):
    calls = []

    def live(subject):
        calls.append(1)
        return dashboards.PanelData(columns=["X"], rows=[[len(calls)]])

    dashboards.register_dashboard_panel("angkatan", "live", "Live", live)
    try:
        login_as(admin_user())
        _dashboard(client, angkatan.id)
        _dashboard(client, angkatan.id)
        assert len(calls) == 2
    finally:
        dashboards.unregister_dashboard_panel("angkatan", "live")


def test_a_stored_panel_is_rendered_once_per_snapshot_and_language(angkatan, english_app, login_as):
    """The rendered panel HTML is reused while the snapshot (its computed_at) and the language
    stay the same; a recomputed snapshot or another language renders it again."""
    renders = []

    def compute(subject):
        return {"n": 7}

    def render(payload, subject):
        renders.append(1)
        return dashboards.PanelData(columns=["Kolom"], rows=[[payload["n"], len(renders)]])

    dashboards.register_dashboard_panel("angkatan", "counted", "Counted", compute=compute, render=render)
    try:
        indonesian, english = english_app.test_client(), english_app.test_client()
        login_as(admin_user(), on=indonesian)
        login_as(admin_user(language="en"), on=english)
        angkatan_id = angkatan.id
        db.session.rollback()  # end the test's transaction: SQLite lets one writer at a time
        first = _dashboard(indonesian, angkatan_id)
        assert '<td class="num">1</td>' in first and len(renders) == 1
        assert _dashboard(indonesian, angkatan_id) == first
        assert len(renders) == 1  # the second view reused the rendered panel
        assert "Spread of learning progress" in _dashboard(english, angkatan_id)
        assert len(renders) == 2  # English is rendered separately
        indonesian.post(f"/admin/hasil/angkatan/{angkatan_id}/dasbor/perbarui")
        assert '<td class="num">3</td>' in _dashboard(indonesian, angkatan_id)
        assert len(renders) == 3  # a new snapshot renders again
    finally:
        dashboards.unregister_dashboard_panel("angkatan", "counted")
