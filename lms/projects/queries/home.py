"""The projects home page's read-model: my enrolments in programs with a project, their
projects, and the projects of the participants I guide or examine."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.projects import permissions
from lms.projects.models import Project


def my_enrolments(user: User) -> list[Enrolment]:
    """The user's enrolments in programs that carry a project, newest first."""
    mine = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at.desc())
    ).all()
    return [e for e in mine if e.angkatan.program is not None and e.angkatan.program.has_project]


def projects_by_enrolment(enrolments: list[Enrolment]) -> dict[int, Project]:
    """The started projects of ``enrolments``, by enrolment id."""
    return {
        p.enrolment_id: p
        for p in db.session.scalars(
            select(Project).where(Project.enrolment_id.in_([e.id for e in enrolments] or [0]))
        )
    }


def guided_projects(user: User):
    """Query of the projects of the participants ``user`` guides or examines (not their own), by
    title, with participant and angkatan."""
    stmt = (
        permissions.visible_projects(user)
        .where(Enrolment.user_id != user.id)
        .options(
            joinedload(Project.enrolment).options(joinedload(Enrolment.user), joinedload(Enrolment.angkatan))
        )
    )
    return stmt.order_by(Project.title)
