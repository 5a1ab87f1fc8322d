"""The consultation log (lembar konsultasi): meetings the participant records and the mentor's
or coach's digital paraf."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications import services as notifications
from lms.projects import permissions
from lms.projects.models import Consultation, ConsultWith, Project
from lms.projects.services.auditlog import audit


def consultations_of(project: Project):
    """Query of the project's consultation log, newest meeting first."""
    return (
        select(Consultation)
        .where(Consultation.project_id == project.id)
        .options(joinedload(Consultation.confirmed_by))
        .order_by(Consultation.met_on.desc(), Consultation.id.desc())
    )


def log_consultation(
    project: Project, met_on: date, with_role: str, topic: str, result: str, by: User
) -> Consultation:
    """The participant records a meeting with the mentor or the coach; the person is notified."""
    if not permissions.can_edit_project(by, project):
        raise PermissionDenied(_("Hanya peserta pemilik proyek yang dapat mengisi lembar konsultasi."))
    if not (topic or "").strip():
        raise DomainError(_("Topik konsultasi wajib diisi."))
    if met_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(_("Tanggal konsultasi tidak boleh di masa depan."))
    role = ConsultWith(with_role)
    row = Consultation(
        project_id=project.id,
        met_on=met_on,
        with_role=role,
        topic=topic.strip()[:300],
        result=(result or "").strip(),
        created_by_id=by.id,
    )
    db.session.add(row)
    db.session.flush()
    enrolment = project.enrolment
    other = enrolment.mentor if role == ConsultWith.MENTOR else enrolment.coach
    if other is not None:
        notifications.notify(
            other,
            _("Paraf konsultasi diminta"),
            _("%(name)s mencatat konsultasi: %(topic)s.", name=by.full_name, topic=row.topic),
            f"/proyek/{project.id}/konsultasi",
        )
    return row


def confirm_consultation(consultation: Consultation, by: User) -> None:
    """The digital paraf: the mentor or coach confirms the meeting in one click."""
    if not permissions.can_confirm_consultation(by, consultation):
        raise PermissionDenied(_("Hanya mentor atau coach yang bersangkutan yang dapat memberi paraf."))
    if consultation.confirmed_at is None:
        consultation.confirmed_by_id = by.id
        consultation.confirmed_at = utcnow()
        audit(by, consultation.project_id, "consultation_confirmed", consultation, "", consultation.topic)
    db.session.flush()
