"""The satisfaction survey (evaluasi penyelenggaraan) at the end of an angkatan or a course.

Anonymous by construction: a response row has a random key, no user and only a date; a separate
participation row records *that* someone answered, so nobody answers twice. Reports show
averages, counts per Likert value and the comments in random order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.courses.models import Angkatan, Course, CourseCompletion, Enrolment, EnrolmentStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.results.models import SurveyAnswer, SurveyItem, SurveyParticipation, SurveyResponse
from lms.results.services import audit

LIKERT = [
    (1, _l("Sangat tidak setuju")),
    (2, _l("Tidak setuju")),
    (3, _l("Ragu-ragu")),
    (4, _l("Setuju")),
    (5, _l("Sangat setuju")),
]
DEFAULT_ITEMS = [
    "Materi pelatihan sesuai dengan kebutuhan pekerjaan saya.",
    "Materi tersusun runtut dan mudah dipahami.",
    "Pengajar dan coach menguasai materi dan membantu saya belajar.",
    "Jadwal dan beban belajar sesuai dengan waktu yang tersedia.",
    "Pelayanan panitia penyelenggara memuaskan.",
    "Sistem pembelajaran daring (Pelita) mudah digunakan.",
]
COMMENT_MAX = 2000


class SurveyError(DomainError):
    """The survey cannot be answered (not eligible, already answered, incomplete)."""


def survey_items(create_defaults: bool = True) -> list[SurveyItem]:
    """The active items in order; the default items are created when there are none at all."""
    items = list(
        db.session.scalars(
            select(SurveyItem).where(SurveyItem.active.is_(True)).order_by(SurveyItem.position, SurveyItem.id)
        )
    )
    if items or not create_defaults:
        return items
    if db.session.scalar(select(func.count(SurveyItem.id))):
        return items  # every item was deactivated on purpose
    items = [SurveyItem(text=text, position=i, active=True) for i, text in enumerate(DEFAULT_ITEMS)]
    db.session.add_all(items)
    db.session.flush()
    return items


def all_survey_items() -> list[SurveyItem]:
    return list(db.session.scalars(select(SurveyItem).order_by(SurveyItem.position, SurveyItem.id)))


def save_survey_item(
    item: SurveyItem | None, text: str, position: int, active: bool, by: User | None
) -> SurveyItem:
    """Add or change an item. Items with answers keep their wording's meaning: change them only
    to fix a typo; deactivate and add a new item to ask something else."""
    text = (text or "").strip()
    if not 5 <= len(text) <= 300:
        raise SurveyError(_("Pernyataan harus 5 sampai 300 huruf."))
    if item is None:
        item = SurveyItem()
        db.session.add(item)
    item.text = text
    item.position = position
    item.active = active
    db.session.flush()
    audit.record("survey_item.save", by, "survey_item", item.id, data={"active": active})
    return item


# --- who may answer --------------------------------------------------------------------------


def _today() -> date:
    return date.today()


def can_answer_angkatan(user: User, angkatan: Angkatan, today: date | None = None) -> bool:
    """An enrolled participant (not withdrawn) whose enrolment is completed or whose angkatan
    has ended may answer the angkatan's survey."""
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.angkatan_id == angkatan.id, Enrolment.user_id == user.id)
    )
    if enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN:
        return False
    ended = angkatan.end_date is not None and angkatan.end_date <= (today or _today())
    return enrolment.status == EnrolmentStatus.COMPLETED or ended


def can_answer_course(user: User, course: Course) -> bool:
    """A person who completed a self-paced course may answer its survey."""
    return (
        db.session.scalar(
            select(CourseCompletion.id).where(
                CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
            )
        )
        is not None
    )


def has_answered(user: User, angkatan: Angkatan | None = None, course: Course | None = None) -> bool:
    stmt = select(SurveyParticipation.id).where(SurveyParticipation.user_id == user.id)
    if angkatan is not None:
        stmt = stmt.where(SurveyParticipation.angkatan_id == angkatan.id)
    else:
        stmt = stmt.where(SurveyParticipation.course_id == course.id)
    return db.session.scalar(stmt) is not None


@dataclass
class OpenSurvey:
    kind: str  # "angkatan" or "kursus"
    id: int
    title: str


def open_surveys(user: User, today: date | None = None) -> list[OpenSurvey]:
    """Surveys this person may still answer (three queries)."""
    today = today or _today()
    answered_angkatan = select(SurveyParticipation.angkatan_id).where(
        SurveyParticipation.user_id == user.id, SurveyParticipation.angkatan_id.is_not(None)
    )
    answered_course = select(SurveyParticipation.course_id).where(
        SurveyParticipation.user_id == user.id, SurveyParticipation.course_id.is_not(None)
    )
    rows = db.session.execute(
        select(Angkatan.id, Angkatan.name, Angkatan.end_date, Enrolment.status)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            Angkatan.id.not_in(answered_angkatan),
        )
        .order_by(Angkatan.end_date.desc(), Angkatan.id.desc())
    ).all()
    surveys = [
        OpenSurvey("angkatan", a_id, name)
        for a_id, name, end, status in rows
        if status == EnrolmentStatus.COMPLETED or (end is not None and end <= today)
    ]
    courses = db.session.execute(
        select(Course.id, Course.title)
        .join(CourseCompletion, CourseCompletion.course_id == Course.id)
        .where(
            CourseCompletion.user_id == user.id,
            Course.program_id.is_(None),
            Course.id.not_in(answered_course),
            # a course run as an angkatan is evaluated through its angkatan
            Course.id.not_in(
                select(Angkatan.course_id)
                .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
                .where(Enrolment.user_id == user.id, Angkatan.course_id.is_not(None))
            ),
        )
        .order_by(CourseCompletion.completed_at.desc())
    ).all()
    surveys += [OpenSurvey("kursus", c_id, title) for c_id, title in courses]
    return surveys


# --- answering -------------------------------------------------------------------------------


def submit_survey(
    user: User,
    answers: dict[int, int],
    comment: str,
    angkatan: Angkatan | None = None,
    course: Course | None = None,
    today: date | None = None,
) -> SurveyResponse:
    """Store one anonymous response (every active item answered 1-5, an optional comment)."""
    if (angkatan is None) == (course is None):
        raise ValueError("give an angkatan or a course")
    allowed = can_answer_angkatan(user, angkatan, today) if angkatan else can_answer_course(user, course)
    if not allowed:
        raise SurveyError(_("Evaluasi ini belum dapat atau tidak dapat Anda isi."))
    items = survey_items()
    missing = [i for i in items if answers.get(i.id) not in (1, 2, 3, 4, 5)]
    if missing:
        raise SurveyError(_("Jawab semua pernyataan (pilih 1 sampai 5)."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise SurveyError(_("Komentar paling panjang %(n)s huruf.", n=COMMENT_MAX))
    subject = {"angkatan_id": angkatan.id} if angkatan else {"course_id": course.id}
    try:
        with db.session.begin_nested():
            db.session.add(SurveyParticipation(user_id=user.id, **subject))
    except IntegrityError as exc:
        raise SurveyError(_("Anda sudah mengisi evaluasi ini. Terima kasih.")) from exc
    response = SurveyResponse(
        id=secrets.token_hex(16), comment=comment, submitted_on=today or _today(), **subject
    )
    response.answers = [SurveyAnswer(item_id=i.id, value=answers[i.id]) for i in items]
    db.session.add(response)
    db.session.flush()
    return response


# --- reports ---------------------------------------------------------------------------------


@dataclass
class ItemSummary:
    item: SurveyItem
    count: int
    average: float | None
    distribution: dict[int, int] = field(default_factory=dict)


@dataclass
class SurveyReport:
    responses: int
    eligible: int | None
    items: list[ItemSummary]
    comments: list[str]


def survey_report(angkatan: Angkatan | None = None, course: Course | None = None) -> SurveyReport:
    """Averages and distributions per item and the comments (in random order), in four queries."""
    if angkatan is not None:
        where = SurveyResponse.angkatan_id == angkatan.id
    else:
        where = SurveyResponse.course_id == course.id
    responses = int(db.session.scalar(select(func.count(SurveyResponse.id)).where(where)) or 0)
    rows = db.session.execute(
        select(SurveyAnswer.item_id, SurveyAnswer.value, func.count(SurveyAnswer.id))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(where)
        .group_by(SurveyAnswer.item_id, SurveyAnswer.value)
    ).all()
    dist: dict[int, dict[int, int]] = {}
    for item_id, value, n in rows:
        dist.setdefault(item_id, {})[int(value)] = int(n)
    item_ids = set(dist)
    items = list(
        db.session.scalars(
            select(SurveyItem)
            .where((SurveyItem.active.is_(True)) | (SurveyItem.id.in_(item_ids)))
            .order_by(SurveyItem.position, SurveyItem.id)
        )
    )
    summaries = []
    for item in items:
        d = dist.get(item.id, {})
        count = sum(d.values())
        average = round(sum(v * n for v, n in d.items()) / count, 2) if count else None
        summaries.append(ItemSummary(item, count, average, {v: d.get(v, 0) for v in range(1, 6)}))
    # Ordered by the random key, so the order says nothing about who wrote what or when.
    comments = list(
        db.session.scalars(
            select(SurveyResponse.comment)
            .where(where, SurveyResponse.comment != "")
            .order_by(SurveyResponse.id)
        )
    )
    eligible = None
    if angkatan is not None:
        eligible = int(
            db.session.scalar(
                select(func.count(Enrolment.id)).where(
                    Enrolment.angkatan_id == angkatan.id, Enrolment.status != EnrolmentStatus.WITHDRAWN
                )
            )
            or 0
        )
    return SurveyReport(responses=responses, eligible=eligible, items=summaries, comments=comments)


def survey_export(report: SurveyReport) -> tuple[list[str], list[list]]:
    """The report's item table for CSV."""
    columns = [_("Pernyataan"), _("Jawaban"), _("Rata-rata")] + [str(label) for _v, label in LIKERT]
    rows = [
        [s.item.text, s.count, s.average if s.average is not None else ""]
        + [s.distribution[v] for v in range(1, 6)]
        for s in report.items
    ]
    return columns, rows
