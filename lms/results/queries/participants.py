"""The participants of an angkatan as the results pages list them: everyone not withdrawn, with
their user, in NDH order (two queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db


def participants_of(angkatan_id: int) -> list[Enrolment]:
    """The angkatan's enrolments that are not withdrawn, users loaded, by NDH."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.angkatan_id == angkatan_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(selectinload(Enrolment.user))
            .order_by(Enrolment.ndh, Enrolment.id)
        )
    )
