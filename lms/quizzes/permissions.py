"""Who may take, manage and grade quizzes, and the same rules as queries for list pages.

A learner takes a course's published quizzes when enrolled (active or completed) in an angkatan
that runs the course, or runs the course's program. Admins manage the bank and the quizzes.
Essays are graded by admins and by the coaches of the course (a coach of any enrolment in an
angkatan of the course).
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from lms.accounts.models import User
from lms.accounts.permissions import is_admin
from lms.courses import permissions as course_permissions
from lms.courses.models import Angkatan, Course, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz

_ACCESS_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage_quizzes(user: User | None) -> bool:
    """Admins manage question banks, quizzes and reports."""
    return is_admin(user)


def angkatan_of_course(course: Course):
    """SQL condition: the angkatan runs ``course`` or its program."""
    if course.program_id is not None:
        return or_(Angkatan.course_id == course.id, Angkatan.program_id == course.program_id)
    return Angkatan.course_id == course.id


def enrolled_course_ids(user_id: int) -> Select:
    """Ids of the courses a learner may study (through a course or a program angkatan)."""
    via_course = (
        select(Angkatan.course_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.status.in_(_ACCESS_STATUSES),
            Angkatan.course_id.is_not(None),
        )
    )
    via_program = (
        select(Course.id)
        .join(Angkatan, Angkatan.program_id == Course.program_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(_ACCESS_STATUSES))
    )
    return via_course.union(via_program)


def is_enrolled(user_id: int, course: Course) -> bool:
    """One query: the learner has an active or completed enrolment for ``course``."""
    stmt = select(
        exists().where(
            Enrolment.angkatan_id == Angkatan.id,
            Enrolment.user_id == user_id,
            Enrolment.status.in_(_ACCESS_STATUSES),
            angkatan_of_course(course),
        )
    )
    return bool(db.session.scalar(stmt))


def can_access_course(user: User | None, course: Course) -> bool:
    """A learner sees a published course they are enrolled in; admins see every course.

    The courses feature's own rule decides (enrolment in an angkatan of the course or program)."""
    return is_admin(user) or course_permissions.can_access_course(user, course)


def can_take_quiz(user: User | None, quiz: Quiz) -> bool:
    """A published quiz, in a published module (when placed in one), of a course the user may study.

    Admins may also try quizzes that are not published yet (a preview)."""
    if not _authenticated(user):
        return False
    if is_admin(user):
        return True
    if not quiz.published:
        return False
    if quiz.module is not None:
        # The courses feature decides who may see a module (publish flags and sequential gating).
        return course_permissions.can_view_module(user, quiz.module)
    return can_access_course(user, quiz.course)


def is_course_coach(user_id: int, course: Course) -> bool:
    """The user coaches at least one peserta in an angkatan of ``course``."""
    stmt = select(
        exists().where(
            Enrolment.angkatan_id == Angkatan.id, Enrolment.coach_id == user_id, angkatan_of_course(course)
        )
    )
    return bool(db.session.scalar(stmt))


def is_grader(user: User | None) -> bool:
    """Admins, and coaches of at least one course: they see the essay grading queue."""
    return is_admin(user) or bool(
        _authenticated(user) and db.session.scalar(gradeable_course_ids(user).limit(1))
    )


def can_grade(user: User | None, course: Course) -> bool:
    """Admins and the course's coaches grade essays."""
    if not _authenticated(user):
        return False
    return is_admin(user) or is_course_coach(user.id, course)


def gradeable_course_ids(user: User) -> Select:
    """Ids of the courses whose essays ``user`` grades (every course for admins)."""
    if is_admin(user):
        return select(Course.id)
    via_course = (
        select(Angkatan.course_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(Enrolment.coach_id == user.id, Angkatan.course_id.is_not(None))
    )
    via_program = (
        select(Course.id)
        .join(Angkatan, Angkatan.program_id == Course.program_id)
        .join(Enrolment, Enrolment.angkatan_id == Angkatan.id)
        .where(Enrolment.coach_id == user.id)
    )
    return via_course.union(via_program)


def can_view_attempt(user: User | None, attempt: Attempt) -> bool:
    """The learner who made it, admins, and the course's coaches."""
    if not _authenticated(user):
        return False
    if attempt.user_id == user.id or is_admin(user):
        return True
    return is_course_coach(user.id, attempt.quiz.course)
