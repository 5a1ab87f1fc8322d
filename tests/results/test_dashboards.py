"""Dashboards: panel contents, SVG charts with CSV tables, a bounded number of queries for an
angkatan of 500 and an instansi of 5,000, and pimpinan who see only their own scope."""

from __future__ import annotations

import csv
import io

import pytest

from lms.accounts.models import EmployeeClass
from lms.courses.models import EnrolmentStatus, LessonProgress
from lms.database import optimize
from lms.extensions import db
from lms.jp import services as jp_services
from lms.models_base import utcnow
from lms.results import services
from lms.results.models import PimpinanScope
from lms.results.services import dashboards
from tests.factories import (
    admin_user,
    bulk_results_participants,
    bulk_results_staff,
    enrol_in_results,
    make_instansi,
    make_results_angkatan,
    make_results_completion,
    make_results_course,
    make_results_jp,
    make_results_program,
    make_results_scheme,
    make_unit,
    make_user,
)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- panel contents --------------------------------------------------------------------------


def test_angkatan_panels_count_what_they_say(app):
    program = make_results_program()
    make_results_scheme(program)
    course = make_results_course(program=program, lessons=4)
    lessons = [lesson.id for lesson in course.modules[0].lessons]
    angkatan = make_results_angkatan(program)
    a = enrol_in_results(angkatan, make_user(commit=False, full_name="A"))
    b = enrol_in_results(angkatan, make_user(commit=False, full_name="B"), status=EnrolmentStatus.COMPLETED)
    enrol_in_results(angkatan, status=EnrolmentStatus.WITHDRAWN)
    db.session.add_all(
        [LessonProgress(user_id=b.user_id, lesson_id=i, completed_at=utcnow()) for i in lessons]
        + [LessonProgress(user_id=a.user_id, lesson_id=lessons[0], completed_at=utcnow())]
    )
    make_results_completion(b.user, course)
    make_results_jp(b.user_id, jp_services.current_year(b.user), 25)
    services.save_manual_scores(angkatan, "kehadiran", {a.id: 65, b.id: 95}, None)
    subject = dashboards.AngkatanSubject(angkatan=angkatan, year=jp_services.current_year(b.user))

    enrolment = dashboards.enrolment_panel(subject)
    assert enrolment.rows == [["Aktif", 1], ["Selesai", 1], ["Mengundurkan diri", 1], ["Jumlah", 3]]
    progress = dict(dashboards.progress_panel(subject).rows)
    assert progress == {"0%": 0, "1-25%": 1, "26-50%": 0, "51-75%": 0, "76-99%": 0, "100%": 1}
    completion = dashboards.completion_panel(subject).rows
    assert completion == [[course.title, 1, 2, 50.0]]
    jp = dashboards.jp_angkatan_panel(subject)
    assert sorted((r[0], r[2], r[4]) for r in jp.rows) == [("A", 0, "Belum tercapai"), ("B", 25, "Tercapai")]
    predicates = dict(dashboards.predicate_panel(subject).rows)
    assert predicates["Sangat Memuaskan"] == 1 and predicates["Kurang Memuaskan"] == 1
    assert predicates["Belum lengkap"] == 0
    assert dashboards.predicate_panel(subject).chart.labels[0] == "Sangat Memuaskan"


def test_progress_buckets_say_none_and_all_only_when_true(app):
    """0 % is nothing done and 100 % everything done, even when 1 of 300 rounds to 0 %."""
    course = make_results_course(lessons=200)
    lessons = [lesson.id for lesson in course.modules[0].lessons]
    angkatan = make_results_angkatan(course=course)
    done = {"one": 1, "half": 100, "over-half": 103, "all-but-one": 199, "all": 200, "none": 0}
    for name, n in done.items():
        e = enrol_in_results(angkatan, make_user(commit=False, full_name=name))
        db.session.add_all(
            [LessonProgress(user_id=e.user_id, lesson_id=i, completed_at=utcnow()) for i in lessons[:n]]
        )
    # viewed but not completed lessons do not count
    viewer = enrol_in_results(angkatan, make_user(commit=False, full_name="viewer"))
    db.session.add_all([LessonProgress(user_id=viewer.user_id, lesson_id=i) for i in lessons])
    enrol_in_results(angkatan, status=EnrolmentStatus.WITHDRAWN)
    db.session.flush()
    subject = dashboards.AngkatanSubject(angkatan=angkatan, year=2026)
    progress = dict(dashboards.progress_panel(subject).rows)
    assert progress == {"0%": 2, "1-25%": 1, "26-50%": 1, "51-75%": 1, "76-99%": 1, "100%": 1}


def test_jp_panel_fetches_the_window_and_counts_everyone(app):
    """Targets: the instansi's for the class, else the default, else the built-in one; none for
    non-ASN. The chart counts every participant; the table holds the requested window."""
    inst, other = make_instansi(), make_instansi()
    jp_services.set_jp_target(inst, EmployeeClass.PNS, 30, None)
    jp_services.set_jp_target(None, EmployeeClass.PPPK, 10, None)
    angkatan = make_results_angkatan()
    year = 2026
    people = {
        "A own target reached": (inst, EmployeeClass.PNS, 30),
        "B own target behind": (inst, EmployeeClass.PNS, 29),
        "C builtin reached": (other, EmployeeClass.PNS, 20),
        "D default reached": (other, EmployeeClass.PPPK, 10),
        "E no target": (inst, EmployeeClass.NON_ASN, 5),
    }
    for name, (instansi, cls, jp) in people.items():
        user = make_user(commit=False, full_name=name, instansi_id=instansi.id, employee_class=cls)
        enrol_in_results(angkatan, user)
        make_results_jp(user.id, year, jp)
        make_results_jp(user.id, year - 1, 100)  # another year does not count
    db.session.flush()
    subject = dashboards.AngkatanSubject(angkatan=angkatan, year=year)
    everything = dashboards.jp_angkatan_panel(subject)
    assert [(r[0], r[2], r[3], r[4]) for r in everything.rows] == [
        ("A own target reached", 30, 30, "Tercapai"),
        ("B own target behind", 29, 30, "Belum tercapai"),
        ("C builtin reached", 20, 20, "Tercapai"),
        ("D default reached", 10, 10, "Tercapai"),
        ("E no target", 5, "", "Tanpa target"),
    ]
    assert everything.chart.values == [3, 1, 1] and everything.row_count == 5
    subject = dashboards.AngkatanSubject(angkatan=angkatan, year=year, window=(1, 2))
    window = dashboards.jp_angkatan_panel(subject)
    assert [r[0] for r in window.rows] == ["B own target behind", "C builtin reached"]
    assert window.total == 5 and window.chart.values == [3, 1, 1]


def test_a_panel_page_past_the_end_shows_the_last_page(app, client, login_as):
    angkatan = _angkatan_with(60)
    login_as(admin_user())
    last = client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/jp?page=9")
    assert last.status_code == 200
    html = last.get_data(as_text=True)
    assert "60 baris." in html and html.count("<tr>") == 1 + 10  # header + rows 51-60
    first = client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/jp").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 50
    rows = _csv(client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/jp/unduh.csv"))
    assert len(rows) == 1 + 60


def test_registered_panels_show_with_their_data(app, client, login_as):
    angkatan = make_results_angkatan()
    calls = []

    def quiz_panel(subject):
        calls.append(subject.angkatan.id)
        return services.PanelData(
            columns=["Kuis", "Rata-rata"],
            rows=[["Pre-test", 61.5], ["Post-test", 82.25]],
            chart=services.Chart("Nilai kuis", ["Pre-test", "Post-test"], [61.5, 82.25]),
        )

    services.register_dashboard_panel("angkatan", "kuis", "Hasil kuis", quiz_panel)
    try:
        login_as(admin_user())
        page = client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Hasil kuis" in html and "82,25" in html and calls == [angkatan.id]
        assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
        rows = _csv(client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor/kuis/unduh.csv"))
        assert rows == [["Kuis", "Rata-rata"], ["Pre-test", "61.5"], ["Post-test", "82.25"]]
    finally:
        services.unregister_dashboard_panel("angkatan", "kuis")
    with pytest.raises(ValueError):
        services.register_dashboard_panel("unit", "x", "X", quiz_panel)


def test_instansi_panels_split_reached_and_not_reached_by_unit(app):
    inst = make_instansi()
    u1, u2 = make_unit(inst, "Bidang Anggaran"), make_unit(inst, "Bidang Aset")
    year = utcnow().year
    people = [
        make_user(commit=False, instansi_id=inst.id, unit_id=u1.id, full_name="Rajin"),
        make_user(commit=False, instansi_id=inst.id, unit_id=u1.id, full_name="Belum"),
        make_user(commit=False, instansi_id=inst.id, unit_id=u2.id, full_name="Cukup"),
    ]
    make_results_jp(people[0].id, year, 24)
    make_results_jp(people[0].id, year - 1, 100)  # last year does not count
    make_results_jp(people[2].id, year, 20)
    make_user(commit=False, full_name="Orang lain")  # other instansi
    subject = dashboards.InstansiSubject(instansi=inst, unit=None, year=year)
    units = {r[0]: r[1:] for r in dashboards.jp_units_panel(subject).rows}
    assert units == {"Bidang Anggaran": [2, 1, 1, 50.0], "Bidang Aset": [1, 1, 0, 100.0]}
    staff = dashboards.jp_staff_panel(subject).rows
    assert [r[0] for r in staff] == ["Belum", "Cukup", "Rajin"]  # those behind first
    subject_u2 = dashboards.InstansiSubject(instansi=inst, unit=u2, year=year)
    assert [r[0] for r in dashboards.jp_staff_panel(subject_u2).rows] == ["Cukup"]


# --- bounded queries -------------------------------------------------------------------------


def _angkatan_with(count: int):
    program = make_results_program()
    make_results_scheme(program)
    course = make_results_course(program=program, lessons=4)
    angkatan = make_results_angkatan(program)
    enrolment_ids = bulk_results_participants(angkatan, count, [les.id for les in course.modules[0].lessons])
    services.save_manual_scores(
        angkatan, "kehadiran", {e: 50 + (i % 50) for i, e in enumerate(enrolment_ids)}, None
    )
    db.session.commit()
    return angkatan


def test_angkatan_dashboard_of_500_runs_as_many_queries_as_one_of_5(app, client, login_as, count_queries):
    small, large = _angkatan_with(5), _angkatan_with(500)
    login_as(admin_user())
    counts = []
    for angkatan in (small, large):
        with count_queries() as q:
            response = client.get(f"/admin/hasil/angkatan/{angkatan.id}/dasbor")
        assert response.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 30, counts
    html = response.get_data(as_text=True)
    assert "Menampilkan 15 dari 500 baris" in html
    # the results table of 500 is bounded too
    with count_queries() as q:
        assert client.get(f"/admin/hasil/angkatan/{large.id}").status_code == 200
    with count_queries() as q_small:
        assert client.get(f"/admin/hasil/angkatan/{small.id}").status_code == 200
    assert q.count == q_small.count


def _instansi_with(count: int):
    inst = make_instansi()
    units = [make_unit(inst) for _ in range(12)]
    course = make_results_course()
    bulk_results_staff(inst, units, count, course)
    db.session.commit()
    # Planner statistics as a database in use has them (autovacuum analyses after a bulk load;
    # a test runs before it does): with the emptied tables' old statistics PostgreSQL once
    # planned the 5,000-staff JP query as nested loops that ran for minutes in CI.
    optimize(db.session, full=True)
    return inst


def test_instansi_dashboard_of_5000_staff_runs_as_many_queries_as_one_of_5(
    app, client, login_as, count_queries
):
    small, large = _instansi_with(5), _instansi_with(5000)
    counts = []
    for inst in (small, large):
        boss = make_user(roles=("pimpinan",), instansi_id=inst.id)
        login_as(boss)
        with count_queries() as q:
            response = client.get(f"/dasbor/instansi/{inst.id}")
        assert response.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25, counts
    html = response.get_data(as_text=True)
    assert "Menampilkan 15 dari 5001 baris" in html
    rows = _csv(client.get(f"/dasbor/instansi/{large.id}/panel/jp-pegawai/unduh.csv"))
    assert len(rows) == 1 + 5001  # header + 5,000 staff + the pimpinan
    with count_queries() as q:
        page = client.get(f"/dasbor/instansi/{large.id}/panel/jp-pegawai?page=7")
    assert page.status_code == 200 and q.count <= counts[1]


# --- who sees what ---------------------------------------------------------------------------


@pytest.fixture
def two_units(app):
    inst = make_instansi("Pemerintah Kabupaten Uji")
    anggaran, aset = make_unit(inst, "Bidang Anggaran"), make_unit(inst, "Bidang Aset")
    make_user(commit=False, instansi_id=inst.id, unit_id=anggaran.id, full_name="Staf Anggaran")
    make_user(commit=False, instansi_id=inst.id, unit_id=aset.id, full_name="Staf Aset")
    head = make_user(
        roles=("pimpinan",), instansi_id=inst.id, unit_id=anggaran.id, full_name="Kepala Anggaran"
    )
    db.session.add(PimpinanScope(user_id=head.id, instansi_id=inst.id, unit_id=anggaran.id))
    db.session.commit()
    return inst, anggaran, aset, head


def test_a_unit_pimpinan_cannot_see_another_units_staff(two_units, client, login_as):
    inst, anggaran, aset, head = two_units
    login_as(head)
    home = client.get("/dasbor")
    assert home.status_code == 302 and f"unit={anggaran.id}" in home.location
    own = client.get(f"/dasbor/instansi/{inst.id}?unit={anggaran.id}")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "Staf Anggaran" in html and "Staf Aset" not in html
    assert client.get(f"/dasbor/instansi/{inst.id}?unit={aset.id}").status_code == 404
    assert client.get(f"/dasbor/instansi/{inst.id}").status_code == 404  # the whole instansi
    assert client.get(f"/dasbor/instansi/{inst.id}/panel/jp-pegawai?unit={aset.id}").status_code == 404
    assert (
        client.get(f"/dasbor/instansi/{inst.id}/panel/jp-pegawai/unduh.csv?unit={aset.id}").status_code == 404
    )
    csv_rows = _csv(client.get(f"/dasbor/instansi/{inst.id}/panel/jp-pegawai/unduh.csv?unit={anggaran.id}"))
    assert {r[0] for r in csv_rows[1:]} == {"Staf Anggaran", "Kepala Anggaran"}


def test_an_instansi_pimpinan_sees_the_instansi_but_not_another(two_units, client, login_as):
    inst, _anggaran, aset, _head = two_units
    other = make_instansi("Instansi Lain")
    make_user(commit=False, instansi_id=other.id, full_name="Staf Lain")
    sekda = make_user(roles=("pimpinan",), instansi_id=inst.id, full_name="Sekda")
    login_as(sekda)
    assert client.get("/dasbor").location.endswith(f"/dasbor/instansi/{inst.id}")
    html = client.get(f"/dasbor/instansi/{inst.id}").get_data(as_text=True)
    assert "Staf Anggaran" in html and "Staf Aset" in html and "Staf Lain" not in html
    assert client.get(f"/dasbor/instansi/{inst.id}?unit={aset.id}").status_code == 200
    assert client.get(f"/dasbor/instansi/{other.id}").status_code == 404
    assert client.get(f"/dasbor/instansi/{other.id}/panel/jp-unit/unduh.csv").status_code == 404
    other_unit = make_unit(other)
    db.session.commit()
    assert client.get(f"/dasbor/instansi/{inst.id}?unit={other_unit.id}").status_code == 404


def test_staff_and_other_roles_get_no_dashboard(two_units, client, login_as):
    inst, *_ = two_units
    login_as(make_user(roles=("mentor",), instansi_id=inst.id))
    assert client.get("/dasbor").status_code == 404
    assert client.get(f"/dasbor/instansi/{inst.id}").status_code == 404
    assert client.get("/admin/hasil/").status_code == 404
