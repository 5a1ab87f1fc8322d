"""The daily digest of overdue items: decisions reviewers owe and stages past their due date."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications import services as notifications
from lms.projects.models import Project, StageDueDate, StageSubmission, StageTemplate, SubmissionState
from lms.projects.queries.overview import _pending_assignments, _waiting_submissions
from lms.projects.services.workflow import days_waiting

DEFAULT_OVERDUE_DAYS = 5


def send_overdue_digest(overdue_days: int = DEFAULT_OVERDUE_DAYS, now: datetime | None = None) -> int:
    """Notify each reviewer of the decisions they owe that waited ``overdue_days`` or more, and each
    participant of stages past their due date that are not submitted. Returns how many people."""
    now = now or utcnow()
    owed: dict[int, list[str]] = defaultdict(list)
    for sub, _role, user_id in _pending_assignments(
        _waiting_submissions(older_than=now - timedelta(days=overdue_days))
    ):
        owed[user_id].append(
            _(
                "- %(name)s: %(stage)s, menunggu %(days)s hari",
                name=sub.project.enrolment.user.full_name,
                stage=sub.stage.name,
                days=days_waiting(sub, now),
            )
        )
    late: dict[int, list[str]] = defaultdict(list)
    today = now.date()
    rows = db.session.execute(
        select(Enrolment.user_id, StageTemplate.name, StageDueDate.due_on, StageSubmission.state)
        .join(Angkatan, Angkatan.id == StageDueDate.angkatan_id)
        .join(StageTemplate, StageTemplate.id == StageDueDate.stage_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .join(Project, Project.enrolment_id == Enrolment.id)
        .outerjoin(
            StageSubmission,
            (StageSubmission.project_id == Project.id) & (StageSubmission.stage_id == StageTemplate.id),
        )
        .where(StageDueDate.due_on < today, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).all()
    for user_id, stage_name, due_on, state in rows:
        if state in (None, SubmissionState.DRAFT, SubmissionState.REVISION_REQUESTED):
            late[user_id].append(_("- %(stage)s, batas %(due)s", stage=stage_name, due=due_on.isoformat()))
    ids = set(owed) | set(late)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids or {0})))}
    for user_id in sorted(ids):
        lines = []
        if owed.get(user_id):
            lines.append(_("Pengajuan yang menunggu keputusan Anda lebih dari %(n)s hari:", n=overdue_days))
            lines += owed[user_id][:30]
        if late.get(user_id):
            lines.append(_("Tahap proyek yang melewati batas waktu:"))
            lines += late[user_id][:30]
        url = "/reviews/" if owed.get(user_id) else "/proyek/"
        notifications.notify(
            users[user_id], _("Ringkasan harian: tugas yang terlambat"), "\n".join(lines), url
        )
    return len(ids)
