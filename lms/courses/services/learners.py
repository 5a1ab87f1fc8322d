"""A person's enrolments and the courses they may open as a learner (contracts other features
use)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.courses import permissions
from lms.courses.models import Angkatan, Course, Enrolment, EnrolmentStatus
from lms.courses.services._common import _people
from lms.extensions import db


def enrolments_of(user: User, statuses: Iterable[EnrolmentStatus] = permissions.ACCESS_STATUSES) -> list:
    """The user's enrolments (active and completed by default), with angkatan, program, course,
    mentor and coach loaded; newest first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.status.in_(list(statuses)))
            .options(
                joinedload(Enrolment.angkatan).joinedload(Angkatan.program),
                joinedload(Enrolment.angkatan).joinedload(Angkatan.course),
                *_people(Enrolment.mentor, Enrolment.coach),
            )
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        )
    )


def learner_courses(user: User) -> list[Course]:
    """Published courses ``user`` may open as a learner (see :func:`permissions.learner_courses`)."""
    return list(db.session.scalars(permissions.learner_courses(user)))
