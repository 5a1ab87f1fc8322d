"""Assessment services: schemes with effective dates, recomputation from component sources,
manual scores, outcomes and the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.courses.models import EnrolmentStatus
from lms.errors import DomainError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.jp.models import JpRecord, JpSource
from lms.results import services
from lms.results.models import Outcome, ParticipantResult
from tests.factories import (
    admin_user,
    enrol_in_results,
    fake_component_source,
    make_results_angkatan,
    make_results_program,
    make_results_scheme,
    make_user,
)

THREE = [("akademik", "Akademik", 30), ("sikap", "Sikap perilaku", 20), ("proyek", "Proyek perubahan", 50)]


def _result(enrolment):
    return db.session.scalar(select(ParticipantResult).where(ParticipantResult.enrolment_id == enrolment.id))


def test_recompute_stores_weighted_final_and_predicate_from_sources(app):
    program = make_results_program()
    make_results_scheme(program, components=THREE)
    angkatan = make_results_angkatan(program)
    a, b, c = (enrol_in_results(angkatan, ndh=i) for i in (1, 2, 3))
    calls = []
    with (
        fake_component_source("akademik", {a.id: 95, b.id: 80, c.id: 70}, calls=calls),
        fake_component_source("sikap", {a.id: 90, b.id: 80, c.id: None}, calls=calls),
        fake_component_source("proyek", {a.id: 88, b.id: 80, c.id: 60}, calls=calls),
    ):
        summary = services.recompute_results(angkatan)
    # one call per source, each with every participant: no query per participant
    assert len(calls) == 3 and all(sorted(call) == sorted([a.id, b.id, c.id]) for call in calls)
    assert (summary.total, summary.changed, summary.complete) == (3, 3, 2)
    ra, rb, rc = _result(a), _result(b), _result(c)
    assert ra.final_score == 90.5  # 0.3*95 + 0.2*90 + 0.5*88 = 28.5 + 18 + 44
    assert ra.predicate == "Sangat Memuaskan"
    assert (rb.final_score, rb.predicate) == (80.0, "Cukup Memuaskan")
    assert (rc.final_score, rc.predicate) == (None, None)
    assert ra.components == {"akademik": 95.0, "sikap": 90.0, "proyek": 88.0}


def test_recompute_changes_only_what_changed_and_follows_a_component_change(app):
    program = make_results_program()
    make_results_scheme(program, components=THREE)
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    scores = {"akademik": {e.id: 90}, "sikap": {e.id: 90}, "proyek": {e.id: 90}}
    with (
        fake_component_source("akademik", scores["akademik"]),
        fake_component_source("sikap", scores["sikap"]),
        fake_component_source("proyek", scores["proyek"]),
    ):
        services.recompute_results(angkatan)
        assert services.recompute_results(angkatan).changed == 0
        scores["proyek"][e.id] = 92  # a project score changed: 0.3*90+0.2*90+0.5*92 = 91
        assert services.recompute_results(angkatan).changed == 1
    assert (_result(e).final_score, _result(e).predicate) == (91.0, "Sangat Memuaskan")


def test_withdrawn_participants_are_left_out(app):
    program = make_results_program()
    make_results_scheme(program)
    angkatan = make_results_angkatan(program)
    enrol_in_results(angkatan)
    gone = enrol_in_results(angkatan, status=EnrolmentStatus.WITHDRAWN)
    assert services.recompute_results(angkatan).total == 1
    assert _result(gone) is None


def test_a_source_outside_0_to_100_is_refused(app):
    program = make_results_program()
    make_results_scheme(program, components=[("akademik", "Akademik", 100)])
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    with fake_component_source("akademik", {e.id: 120}), pytest.raises(DomainError):
        services.recompute_results(angkatan)


def test_scheme_in_force_is_picked_by_the_angkatan_start_date(app):
    program = make_results_program()
    old = make_results_scheme(program, effective_from=date(2024, 1, 1))
    new = make_results_scheme(program, effective_from=date(2025, 1, 1))
    a2024 = make_results_angkatan(program, start=date(2024, 9, 1), end=date(2024, 12, 1))
    a2025 = make_results_angkatan(program, start=date(2025, 1, 1), end=date(2025, 3, 1))
    early = make_results_angkatan(program, start=date(2023, 5, 1), end=date(2023, 8, 1))
    assert services.scheme_for_angkatan(a2024).id == old.id
    assert services.scheme_for_angkatan(a2025).id == new.id  # in force from its first day
    assert services.scheme_for_angkatan(early) is None
    with pytest.raises(DomainError):
        services.recompute_results(early)


def test_a_scheme_change_does_not_alter_an_earlier_angkatans_results(app):
    program = make_results_program()
    scheme_2024 = make_results_scheme(
        program, effective_from=date(2024, 1, 1), components=[("akademik", "A", 50), ("proyek", "P", 50)]
    )
    a2024 = make_results_angkatan(program, start=date(2024, 3, 1), end=date(2024, 7, 1))
    e = enrol_in_results(a2024)
    with fake_component_source("akademik", {e.id: 100}), fake_component_source("proyek", {e.id: 81}):
        services.recompute_results(a2024)
        before = (_result(e).final_score, _result(e).predicate, _result(e).scheme_id)
        assert before == (90.5, "Sangat Memuaskan", scheme_2024.id)

        # The rules change for 2025: other weights and stricter bands.
        stricter = [("Sangat Memuaskan", 95.0), ("Memuaskan", 85.0), ("Cukup", None)]
        make_results_scheme(
            program,
            effective_from=date(2025, 1, 1),
            components=[("akademik", "A", 20), ("proyek", "P", 80)],
            bands=stricter,
        )
        # Even a scheme back-dated to before the angkatan started cannot reach it: the first
        # computation pinned the 2024 scheme.
        make_results_scheme(
            program,
            effective_from=date(2024, 2, 1),
            components=[("akademik", "A", 10), ("proyek", "P", 90)],
            bands=stricter,
        )
        services.recompute_results(a2024)
        assert (_result(e).final_score, _result(e).predicate, _result(e).scheme_id) == before

        # A 2025 angkatan with the same scores gets the new rules.
        a2025 = make_results_angkatan(program, start=date(2025, 2, 1), end=date(2025, 6, 1))
        e2 = enrol_in_results(a2025)
    with fake_component_source("akademik", {e2.id: 100}), fake_component_source("proyek", {e2.id: 81}):
        services.recompute_results(a2025)
    assert (_result(e2).final_score, _result(e2).predicate) == (84.8, "Cukup")

    # And the scheme that computed results is locked against edits.
    with pytest.raises(WorkflowError):
        services.update_scheme(
            scheme_2024,
            "x",
            date(2024, 1, 1),
            [services.ComponentInput("akademik", "A", 100)],
            services.default_bands(),
            None,
        )
    with pytest.raises(WorkflowError):
        services.delete_scheme(scheme_2024, None)


def test_an_unused_scheme_can_be_edited_with_a_version_check(app):
    program = make_results_program()
    scheme = make_results_scheme(program)
    services.update_scheme(
        scheme,
        "Baru",
        date(2024, 1, 1),
        [services.ComponentInput("akademik", "A", 60), services.ComponentInput("sikap", "S", 40)],
        services.default_bands(),
        None,
        expected_version=scheme.version,
    )
    assert [c.key for c in scheme.components] == ["akademik", "sikap"]
    with pytest.raises(StaleEdit):
        services.update_scheme(
            scheme,
            "Lagi",
            date(2024, 1, 1),
            [services.ComponentInput("a", "A", 100)],
            [],
            None,
            expected_version=0,
        )


@pytest.mark.parametrize(
    "components,bands",
    [
        ([("akademik", "A", 60), ("sikap", "S", 30)], None),  # weights sum to 90
        ([("Akademik!", "A", 100)], None),  # bad key
        ([("a", "A", 50), ("a", "B", 50)], None),  # duplicate key
        ([("a", "A", 100)], [("X", 90.0), ("Y", None), ("Z", None)]),  # two catch-alls
        ([("a", "A", 100)], [("X", 90.0), ("Y", 90.0), ("Z", None)]),  # same threshold
        ([("a", "A", 100)], [("X", 90.0)]),  # no catch-all
        ([], None),
    ],
)
def test_invalid_schemes_are_refused(app, components, bands):
    program = make_results_program()
    with pytest.raises(services.SchemeError):
        make_results_scheme(program, components=components, bands=bands or services.DEFAULT_BANDS)


def test_one_scheme_per_program_and_date(app):
    program = make_results_program()
    make_results_scheme(program, effective_from=date(2024, 1, 1))
    with pytest.raises(services.SchemeError):
        make_results_scheme(program, effective_from=date(2024, 1, 1))


def test_manual_scores_are_audited_and_recompute(app):
    admin = admin_user()
    program = make_results_program()
    make_results_scheme(program, components=[("kehadiran", "Kehadiran", 40), ("ujian", "Ujian", 60)])
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    # "ujian" has no registered source, so it is scored by hand too.
    assert {c.key for c in services.manual_components(services.scheme_for_angkatan(angkatan))} == {
        "kehadiran",
        "ujian",
    }
    assert services.save_manual_scores(angkatan, "kehadiran", {e.id: 100}, admin) == 1
    assert _result(e).final_score is None  # ujian still missing
    services.save_manual_scores(angkatan, "ujian", {e.id: 85}, admin)
    assert (_result(e).final_score, _result(e).predicate) == (91.0, "Sangat Memuaskan")
    assert services.save_manual_scores(angkatan, "ujian", {e.id: 85}, admin) == 0  # unchanged
    services.save_manual_scores(angkatan, "ujian", {e.id: None}, admin)  # cleared
    assert _result(e).final_score is None
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "manual_score.set").order_by(AuditEntry.id)
    ).all()
    assert [(x.data["component"], x.data["from"], x.data["to"], x.actor_id) for x in entries] == [
        ("kehadiran", None, 100.0, admin.id),
        ("ujian", None, 85.0, admin.id),
        ("ujian", 85.0, None, admin.id),
    ]
    with pytest.raises(DomainError):
        services.save_manual_scores(angkatan, "ujian", {e.id: 101}, admin)
    other = enrol_in_results(make_results_angkatan(program))
    with pytest.raises(DomainError):
        services.save_manual_scores(angkatan, "ujian", {other.id: 50}, admin)


def test_a_registered_source_is_not_typed_by_hand(app):
    program = make_results_program()
    make_results_scheme(program, components=[("akademik", "A", 100)])
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    with fake_component_source("akademik", {e.id: 70}), pytest.raises(DomainError):
        services.save_manual_scores(angkatan, "akademik", {e.id: 90}, None)


def test_outcome_is_set_by_the_admin_and_logged_with_a_version_check(app):
    admin = admin_user()
    program = make_results_program()
    make_results_scheme(program)
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    result = services.set_outcome(
        e, Outcome.LULUS_PERBAIKAN, "Revisi laporan akhir", admin, expected_version=None
    )
    assert result.outcome == Outcome.LULUS_PERBAIKAN and result.outcome_set_by_id == admin.id
    assert result.outcome_set_at is not None
    services.set_outcome(
        e, Outcome.DITUNDA, "Seminar ditunda", admin, expected_version=result.outcome_version
    )
    with pytest.raises(StaleEdit):
        services.set_outcome(e, Outcome.LULUS, "", admin, expected_version=1)
    log = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "outcome.set").order_by(AuditEntry.id)
    ).all()
    assert [(x.data["from"], x.data["to"], x.reason) for x in log] == [
        (None, "lulus_dengan_perbaikan", "Revisi laporan akhir"),
        ("lulus_dengan_perbaikan", "ditunda", "Seminar ditunda"),
    ]
    # recomputation never touches the outcome
    services.recompute_results(angkatan)
    assert _result(e).outcome == Outcome.DITUNDA


def test_recompute_for_enrolments_finds_their_angkatan(app):
    program = make_results_program()
    make_results_scheme(program)
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)
    course_angkatan = make_results_angkatan(program=None, course=None)
    assert services.recompute_for_enrolments([e.id, enrol_in_results(course_angkatan).id]) == 1
    assert _result(e) is not None
    assert services.recompute_for_enrolments([]) == 0


def test_results_table_ranks_and_exports(app):
    program = make_results_program()
    make_results_scheme(program)
    angkatan = make_results_angkatan(program)
    people = [
        enrol_in_results(angkatan, make_user(commit=False, full_name=n), ndh=i)
        for i, n in enumerate("ABC", start=1)
    ]
    services.save_manual_scores(
        angkatan, "kehadiran", {people[0].id: 70, people[1].id: 95, people[2].id: None}, None
    )
    table = services.results_table(angkatan)
    assert [(r.user.full_name, r.rank, r.final, r.predicate) for r in table.rows] == [
        ("B", 1, 95.0, "Sangat Memuaskan"),
        ("A", 2, 70.0, "Kurang Memuaskan"),
        ("C", None, None, None),
    ]
    columns, rows = services.results_export_rows(table)
    assert columns[:4] == ["Peringkat", "NDH", "Nama", "NIP"] and "Kehadiran (100%)" in columns
    assert rows[0][:3] == [1, 2, "B"] and rows[0][5] == 95.0 and rows[0][6] == "Sangat Memuaskan"
    assert db.session.scalar(select(func.count(ParticipantResult.id))) == 3


def test_passing_outcome_credits_the_program_jp_once_and_a_later_failure_takes_it_back(app):
    admin = admin_user()
    program = make_results_program(jp=830)
    make_results_scheme(program)
    angkatan = make_results_angkatan(program)
    e = enrol_in_results(angkatan)

    def program_jp():
        return db.session.scalars(
            select(JpRecord.jp).where(JpRecord.user_id == e.user_id, JpRecord.source == JpSource.PROGRAM)
        ).all()

    result = services.set_outcome(e, Outcome.LULUS, "", admin)
    assert program_jp() == [830]
    result = services.set_outcome(
        e, Outcome.LULUS_PERBAIKAN, "", admin, expected_version=result.outcome_version
    )
    assert program_jp() == [830]  # still once
    services.set_outcome(e, Outcome.TIDAK_LULUS, "", admin, expected_version=result.outcome_version)
    assert program_jp() == []
