"""Low helpers that the course queries share: the plain-row read on the session's connection, and
the viewer's enrolment and completion columns of the two hottest pages."""

from __future__ import annotations

from sqlalchemy import and_, bindparam

from lms.courses import permissions
from lms.courses.models import Course, CourseCompletion
from lms.extensions import db


def _read(stmt, params: dict):
    """Run a read-only select of plain columns on the session's connection and return its
    result: Session.execute adds an ORM layer that these rows do not need and that costs two to
    three times the statement itself on the hot pages. Pending changes are flushed first, as
    Session.execute would (a no-op when there are none)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)


def _viewer_columns(course_id_col, program_id_col) -> list:
    """Columns that tell, for the viewer (bound parameter ``user_id``), whether an enrolment
    covers the course (the rule of permissions.is_enrolled) and their completion of it: read
    with the course's row by the two hottest pages instead of in two more queries. The
    statement must outer-join CourseCompletion on (course, viewer)."""
    return [
        bindparam("user_id").label("viewer_id"),
        permissions.enrolled_in_course_clause(bindparam("user_id"), course_id_col, program_id_col).label(
            "viewer_enrolled"
        ),
        CourseCompletion.id.label("viewer_completion_id"),
        CourseCompletion.completed_at.label("viewer_completed_at"),
    ]


def _viewer_completion_join():
    return and_(CourseCompletion.course_id == Course.id, CourseCompletion.user_id == bindparam("user_id"))
