"""The seminar pages' lists: an angkatan's sessions, the penguji to choose from, and the
sessions a person takes part in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role, User, UserRole
from lms.courses.models import Angkatan
from lms.extensions import db
from lms.projects import permissions
from lms.projects.models import SeminarSession


def angkatan_sessions(angkatan: Angkatan) -> list[SeminarSession]:
    """The angkatan's seminar sessions by start time."""
    return db.session.scalars(
        select(SeminarSession)
        .where(SeminarSession.angkatan_id == angkatan.id)
        .order_by(SeminarSession.starts_at)
    ).all()


def examiner_choices() -> list[User]:
    """Every user with the penguji role, by name."""
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PENGUJI)
        .order_by(User.full_name)
    ).all()


def my_sessions(user: User):
    """Query of the seminar sessions ``user`` takes part in, newest first, with angkatan and stage."""
    return (
        permissions.visible_sessions(user)
        .options(joinedload(SeminarSession.angkatan), joinedload(SeminarSession.stage))
        .order_by(SeminarSession.starts_at.desc())
    )
