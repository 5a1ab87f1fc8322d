"""Certificate lookups and lists: by public code (the verify page), what replaced one, a person's
certificates and their completed courses still without one, the admin's search, and the rows of
a course angkatan's page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from lms.accounts.models import User
from lms.courses.models import Angkatan, Course, CourseCompletion, Enrolment
from lms.extensions import db
from lms.results.models import Certificate, CertificateStatus
from lms.results.queries.participants import participants_of

CODE_LENGTH = 8


def normalize_code(raw: str) -> str:
    """What people type or scan (``k7q2-m9xd``, with spaces) to the stored form ``K7Q2M9XD``."""
    return re.sub(r"[^0-9A-Z]", "", (raw or "").upper())[:16]


def find_by_code(raw: str) -> Certificate | None:
    """The certificate with this public code (dashes, spaces and case do not matter)."""
    code = normalize_code(raw)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def replacement_of(cert: Certificate) -> Certificate | None:
    """The certificate that replaced ``cert``, if any."""
    return db.session.scalar(select(Certificate).where(Certificate.replaces_id == cert.id))


def certificates_of(user: User) -> list[Certificate]:
    """A person's certificates, newest first."""
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc())
        )
    )


def search_certificates(q: str | None = None, status: str | None = None):
    """A statement for the admin list: search by code, number or name; filter by status."""
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    q = (q or "").strip()
    if q:
        code = normalize_code(q)
        like = f"%{q}%"
        conditions = [Certificate.number.ilike(like), Certificate.holder_name.ilike(like)]
        if code:
            conditions.append(Certificate.code == code)
        stmt = stmt.where(or_(*conditions))
    if status:
        stmt = stmt.where(Certificate.status == CertificateStatus(status))
    return stmt


def completions_without_certificate(user: User) -> list[tuple[CourseCompletion, Course]]:
    """A person's completed self-paced courses (no program) that have no valid certificate yet."""
    active = select(Certificate.course_completion_id).where(
        Certificate.user_id == user.id,
        Certificate.status == CertificateStatus.ISSUED,
        Certificate.course_completion_id.is_not(None),
    )
    rows = db.session.execute(
        select(CourseCompletion, Course)
        .join(Course, Course.id == CourseCompletion.course_id)
        .where(
            CourseCompletion.user_id == user.id,
            Course.program_id.is_(None),
            CourseCompletion.id.not_in(active),
        )
        .order_by(CourseCompletion.completed_at.desc())
    )
    return [(c, course) for c, course in rows]


@dataclass
class CourseAngkatanRow:
    enrolment: Enrolment
    user: User
    completion: CourseCompletion | None
    certificate: Certificate | None


def completion_of_enrolment(enrolment: Enrolment) -> CourseCompletion | None:
    """The participant's completion of the course their (course) angkatan runs."""
    course_id = enrolment.angkatan.course_id
    if course_id is None:
        return None
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == enrolment.user_id, CourseCompletion.course_id == course_id
        )
    )


def course_angkatan_rows(angkatan: Angkatan) -> list[CourseAngkatanRow]:
    """Participants of a course angkatan with their completion and certificate (three queries)."""
    enrolments = participants_of(angkatan.id)
    completions = {
        c.user_id: c
        for c in db.session.scalars(
            select(CourseCompletion).where(
                CourseCompletion.course_id == angkatan.course_id,
                CourseCompletion.user_id.in_([e.user_id for e in enrolments]),
            )
        )
    }
    certs = {
        c.course_completion_id: c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.course_completion_id.in_([c.id for c in completions.values()]),
                Certificate.status == CertificateStatus.ISSUED,
            )
        )
    }
    rows = []
    for e in enrolments:
        completion = completions.get(e.user_id)
        rows.append(
            CourseAngkatanRow(e, e.user, completion, certs.get(completion.id) if completion else None)
        )
    return rows
