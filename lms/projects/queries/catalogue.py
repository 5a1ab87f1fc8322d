"""The catalogue of past projects: a searchable, filterable query."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.projects.models import Project


def catalogue(q: str | None = None, program_id: int | None = None, year: int | None = None):
    """Query of past projects (the angkatan has ended or the participant completed), searchable
    by title, unit, abstract and keywords; filtered by program and year."""
    today = datetime.now(UTC).date()
    stmt = (
        select(Project)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .join(Angkatan, Angkatan.id == Enrolment.angkatan_id)
        .where(or_(Angkatan.end_date < today, Enrolment.status == EnrolmentStatus.COMPLETED))
        .options(
            joinedload(Project.enrolment).options(
                joinedload(Enrolment.user), joinedload(Enrolment.angkatan).joinedload(Angkatan.program)
            )
        )
        .order_by(Angkatan.start_date.desc(), Project.title)
    )
    for word in (q or "").split()[:8]:
        like = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Project.title).like(like),
                func.lower(Project.unit).like(like),
                func.lower(Project.abstract).like(like),
                func.lower(Project.keywords).like(like),
            )
        )
    if program_id:
        stmt = stmt.where(Angkatan.program_id == program_id)
    if year:
        stmt = stmt.where(Angkatan.start_date >= date(year, 1, 1), Angkatan.start_date <= date(year, 12, 31))
    return stmt


def in_catalogue(project: Project) -> bool:
    """True when the project is a past project shown in the catalogue."""
    return db.session.scalar(catalogue().where(Project.id == project.id).limit(1)) is not None
