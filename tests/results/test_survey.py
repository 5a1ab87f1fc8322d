"""The satisfaction survey: who may answer, once only, anonymous storage and the report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from lms.courses.models import EnrolmentStatus
from lms.extensions import db
from lms.results import services
from lms.results.models import SurveyParticipation, SurveyResponse
from tests.factories import (
    admin_user,
    enrol_in_results,
    make_results_angkatan,
    make_results_completion,
    make_results_course,
    make_user,
)

ENDED = {"start": date(2025, 1, 6), "end": date(2025, 3, 28)}


def _all(value: int) -> dict[int, int]:
    return {item.id: value for item in services.survey_items()}


def test_responses_carry_no_user_and_a_second_answer_is_refused(app):
    angkatan = make_results_angkatan(**ENDED)
    e = enrol_in_results(angkatan)
    response = services.submit_survey(e.user, _all(4), "Materi bagus", angkatan=angkatan)
    assert "user_id" not in {c.key for c in inspect(SurveyResponse).columns}
    assert len(response.id) == 32 and response.submitted_on is not None
    assert services.has_answered(e.user, angkatan=angkatan)
    with pytest.raises(services.SurveyError):
        services.submit_survey(e.user, _all(1), "", angkatan=angkatan)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1
    assert db.session.scalar(select(func.count(SurveyParticipation.id))) == 1


def test_only_participants_at_the_end_may_answer(app):
    running = make_results_angkatan(start=date(2025, 1, 6), end=date(2999, 1, 1))
    ended = make_results_angkatan(**ENDED)
    active = enrol_in_results(running)
    completed = enrol_in_results(running, status=EnrolmentStatus.COMPLETED)
    withdrawn = enrol_in_results(ended, status=EnrolmentStatus.WITHDRAWN)
    stranger = make_user(commit=False)
    assert not services.can_answer_angkatan(active.user, running)
    assert services.can_answer_angkatan(completed.user, running)
    assert not services.can_answer_angkatan(withdrawn.user, ended)
    assert not services.can_answer_angkatan(stranger, ended)
    with pytest.raises(services.SurveyError):
        services.submit_survey(stranger, _all(3), "", angkatan=ended)
    assert [s.id for s in services.open_surveys(completed.user)] == [running.id]
    assert services.open_surveys(active.user) == []


def test_every_item_must_be_answered_within_1_to_5(app):
    angkatan = make_results_angkatan(**ENDED)
    e = enrol_in_results(angkatan)
    answers = _all(3)
    first = next(iter(answers))
    for bad in ({**answers, first: 6}, {k: v for k, v in answers.items() if k != first}):
        with pytest.raises(services.SurveyError):
            services.submit_survey(e.user, bad, "", angkatan=angkatan)
    assert not services.has_answered(e.user, angkatan=angkatan)


def test_report_per_angkatan(app):
    angkatan = make_results_angkatan(**ENDED)
    other = make_results_angkatan(**ENDED)
    for value, comment in ((5, "Sangat membantu"), (3, ""), (4, "Jadwal padat")):
        services.submit_survey(enrol_in_results(angkatan).user, _all(value), comment, angkatan=angkatan)
    services.submit_survey(enrol_in_results(other).user, _all(1), "Lain", angkatan=other)
    enrol_in_results(angkatan)  # has not answered
    report = services.survey_report(angkatan=angkatan)
    assert (report.responses, report.eligible) == (3, 4)
    first = report.items[0]
    assert (first.count, first.average, first.distribution) == (3, 4.0, {1: 0, 2: 0, 3: 1, 4: 1, 5: 1})
    assert sorted(report.comments) == ["Jadwal padat", "Sangat membantu"]
    columns, rows = services.survey_export(report)
    assert columns[:3] == ["Pernyataan", "Jawaban", "Rata-rata"] and rows[0][1:3] == [3, 4.0]


def test_self_paced_course_survey(app):
    course = make_results_course()
    user = make_user(commit=False)
    assert not services.can_answer_course(user, course)
    make_results_completion(user, course)
    assert [s.kind for s in services.open_surveys(user)] == ["kursus"]
    services.submit_survey(user, _all(5), "", course=course)
    assert services.open_surveys(user) == []
    assert services.survey_report(course=course).responses == 1


def test_survey_pages(app, client, login_as):
    angkatan = make_results_angkatan(**ENDED)
    e = enrol_in_results(angkatan)
    db.session.commit()
    login_as(e.user)
    assert angkatan.name in client.get("/evaluasi").get_data(as_text=True)
    url = f"/evaluasi/angkatan/{angkatan.id}"
    page = client.get(url)
    assert page.status_code == 200 and 'type="radio"' in page.get_data(as_text=True)
    items = services.survey_items()
    partial = {f"item-{items[0].id}": "4", "comment": "Ruang kelas dingin"}
    missing = client.post(url, data=partial)
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert "Ruang kelas dingin" in html and 'value="4" required checked' in html
    full = {f"item-{i.id}": "4" for i in items} | {"comment": "Ruang kelas dingin"}
    assert client.post(url, data=full).status_code == 302
    assert "sudah mengisi" in client.get(url).get_data(as_text=True)
    login_as(make_user())
    assert client.get(url).status_code == 404
    login_as(admin_user())
    report = client.get(f"/admin/hasil/hasil-evaluasi/angkatan/{angkatan.id}").get_data(as_text=True)
    assert "Ruang kelas dingin" in report and e.user.full_name not in report
    assert client.get(f"/admin/hasil/hasil-evaluasi/angkatan/{angkatan.id}/unduh.csv").status_code == 200
