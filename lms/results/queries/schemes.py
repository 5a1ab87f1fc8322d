"""Which assessment scheme applies: a program's schemes, the one in force on a date, the one an
angkatan's results use (pinned by its first computation), and whether a scheme is in use."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import Angkatan
from lms.extensions import db
from lms.results.models import AssessmentScheme, ParticipantResult


def scheme_in_use(scheme: AssessmentScheme) -> bool:
    """True once any result was computed with the scheme (it is then locked)."""
    return (
        db.session.scalar(
            select(ParticipantResult.id).where(ParticipantResult.scheme_id == scheme.id).limit(1)
        )
        is not None
    )


def with_parts(stmt):
    return stmt.options(selectinload(AssessmentScheme.components), selectinload(AssessmentScheme.bands))


def scheme_in_force(program_id: int, on: date) -> AssessmentScheme | None:
    """The program's scheme with the latest effective date on or before ``on``."""
    stmt = (
        select(AssessmentScheme)
        .where(AssessmentScheme.program_id == program_id, AssessmentScheme.effective_from <= on)
        .order_by(AssessmentScheme.effective_from.desc())
        .limit(1)
    )
    return db.session.scalar(with_parts(stmt))


def angkatan_reference_date(angkatan: Angkatan) -> date:
    """The date that picks an angkatan's scheme: its start date (else its creation date)."""
    if angkatan.start_date:
        return angkatan.start_date
    return angkatan.created_at.date() if angkatan.created_at else date.today()


def scheme_for_angkatan(angkatan: Angkatan) -> AssessmentScheme | None:
    """The scheme the angkatan's results use: the one pinned by its first computation, otherwise
    the program's scheme in force at the angkatan's start date."""
    if angkatan.program_id is None:
        return None
    pinned_id = db.session.scalar(
        select(ParticipantResult.scheme_id)
        .where(ParticipantResult.angkatan_id == angkatan.id, ParticipantResult.scheme_id.is_not(None))
        .limit(1)
    )
    if pinned_id is not None:
        return db.session.scalar(with_parts(select(AssessmentScheme).where(AssessmentScheme.id == pinned_id)))
    return scheme_in_force(angkatan.program_id, angkatan_reference_date(angkatan))


def schemes_of(program_id: int) -> list[AssessmentScheme]:
    """A program's schemes, newest effective date first."""
    stmt = (
        select(AssessmentScheme)
        .where(AssessmentScheme.program_id == program_id)
        .order_by(AssessmentScheme.effective_from.desc())
    )
    return list(db.session.scalars(with_parts(stmt)))
