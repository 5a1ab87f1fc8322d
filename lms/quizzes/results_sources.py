"""What the quizzes feature gives the results feature: the "akademik" component score and the
pre-test/post-test panel of the angkatan dashboard. Registered by create_app."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lms.courses.models import Angkatan, Course, Enrolment
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizGrade, QuizKind
from lms.results import services as results_services

ACADEMIC_KEY = "akademik"
# The quizzes that count toward the academic component: post-tests and exams.
ACADEMIC_KINDS = (QuizKind.POST_TEST, QuizKind.EXAM)


def _courses_of_angkatan():
    """Join condition: the courses an angkatan runs (its course, or its program's courses)."""
    return or_(Course.id == Angkatan.course_id, Course.program_id == Angkatan.program_id)


def academic_scores(enrolment_ids: Iterable[int]) -> dict[int, float | None]:
    """Per enrolment: the mean of the counting grades (0-100) of the published post-tests and
    exams of the angkatan's courses. Participants with no grade yet get no entry. One query."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.id, func.avg(QuizGrade.percent))
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .join(Course, _courses_of_angkatan())
        .join(Quiz, and_(Quiz.course_id == Course.id, Quiz.kind.in_(ACADEMIC_KINDS), Quiz.published))
        .join(QuizGrade, and_(QuizGrade.quiz_id == Quiz.id, QuizGrade.user_id == Enrolment.user_id))
        .where(Enrolment.id.in_(ids))
        .group_by(Enrolment.id)
    ).all()
    return {enrolment_id: round(float(avg), 2) for enrolment_id, avg in rows if avg is not None}


def prepost_compute(subject) -> dict:
    """Per post-test of the angkatan's courses: paired learners, mean pre, mean post, mean gain
    and Hake's normalised gain (post - pre) / (100 - pre). One query."""
    angkatan = subject.angkatan
    pre, post = aliased(QuizGrade), aliased(QuizGrade)
    pre_quiz = aliased(Quiz)
    both = and_(pre.percent.is_not(None), post.percent.is_not(None))
    norm = case((and_(both, pre.percent < 100), (post.percent - pre.percent) / (100 - pre.percent)))
    rows = db.session.execute(
        select(
            Quiz.title,
            func.count(Enrolment.id),
            func.count(case((both, 1))),
            func.avg(case((both, pre.percent))),
            func.avg(case((both, post.percent))),
            func.avg(case((both, post.percent - pre.percent))),
            func.avg(norm),
        )
        .select_from(Angkatan)
        .join(Course, _courses_of_angkatan())
        .join(Quiz, and_(Quiz.course_id == Course.id, Quiz.kind == QuizKind.POST_TEST))
        .join(pre_quiz, pre_quiz.id == Quiz.pre_test_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .outerjoin(pre, and_(pre.quiz_id == pre_quiz.id, pre.user_id == Enrolment.user_id))
        .outerjoin(post, and_(post.quiz_id == Quiz.id, post.user_id == Enrolment.user_id))
        .where(Angkatan.id == angkatan.id)
        .group_by(Quiz.id, Quiz.title)
        .order_by(Quiz.title)
    ).all()

    def fmt(value, digits=1):
        return None if value is None else round(float(value), digits)

    return {
        "rows": [
            [title, learners, paired, fmt(mean_pre), fmt(mean_post), fmt(gain), fmt(normalised, 2)]
            for title, learners, paired, mean_pre, mean_post, gain, normalised in rows
        ]
    }


def prepost_render(payload: dict, subject) -> results_services.PanelData:
    """The pre/post table and chart in the viewer's language (no queries)."""
    table = [list(row) for row in payload["rows"]]
    chart = None
    if table:
        chart = results_services.Chart(
            title=_("Rata-rata peningkatan nilai (post - pre)"),
            labels=[row[0] for row in table],
            values=[row[5] or 0.0 for row in table],
            unit=_("poin"),
        )
    return results_services.PanelData(
        columns=[
            _("Post-test"),
            _("Peserta"),
            _("Berpasangan"),
            _("Rata-rata pre"),
            _("Rata-rata post"),
            _("Peningkatan"),
            _("Gain ternormalisasi"),
        ],
        rows=table,
        chart=chart,
        note="" if table else _("Belum ada pasangan pre-test dan post-test pada angkatan ini."),
    )


def register_with_results() -> None:
    """Register the academic component and the pre/post panel (called by create_app)."""
    results_services.register_component_source(
        ACADEMIC_KEY, _l("Akademik (rata-rata post-test dan ujian)"), academic_scores
    )
    results_services.register_dashboard_panel(
        "angkatan", "prepost", _l("Pre-test dan post-test"), compute=prepost_compute, render=prepost_render
    )


def prepost_panel(subject) -> results_services.PanelData:
    """The pre/post panel computed now (the panel page and its CSV)."""
    return prepost_render(prepost_compute(subject), subject)
