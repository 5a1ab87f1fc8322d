"""Angkatan (cohorts) that run a program or a course: create, change, and the admin's lists of
angkatan, participants and completions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from lms.accounts import nip as nip_rules
from lms.accounts.models import User
from lms.courses import permissions
from lms.courses.models import Angkatan, Course, CourseCompletion, CourseStatus, Enrolment, Program
from lms.courses.services._common import CourseError, _people
from lms.courses.services.enrolments import _seat_count
from lms.errors import check_version
from lms.extensions import db


@dataclass
class AngkatanData:
    """What an admin gives for an angkatan. Exactly one of program_id and course_id."""

    name: str
    program_id: int | None = None
    course_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    enrolment_open: bool = False
    capacity: int | None = None


def _validate_angkatan(data: AngkatanData) -> None:
    if not (data.name or "").strip():
        raise CourseError(_("Nama angkatan wajib diisi."))
    if bool(data.program_id) == bool(data.course_id):
        raise CourseError(_("Pilih satu program atau satu kursus yang dijalankan angkatan ini."))
    if data.program_id and db.session.get(Program, data.program_id) is None:
        raise CourseError(_("Program tidak ditemukan."))
    if data.course_id and db.session.get(Course, data.course_id) is None:
        raise CourseError(_("Kursus tidak ditemukan."))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise CourseError(_("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    if data.capacity is not None and data.capacity <= 0:
        raise CourseError(_("Kapasitas harus lebih dari nol (kosongkan bila tanpa batas)."))


def _apply_angkatan(angkatan: Angkatan, data: AngkatanData) -> None:
    angkatan.name = data.name.strip()[:200]
    angkatan.program_id = data.program_id or None
    angkatan.course_id = data.course_id or None
    angkatan.start_date = data.start_date
    angkatan.end_date = data.end_date
    angkatan.enrolment_open = bool(data.enrolment_open)
    angkatan.capacity = data.capacity


def create_angkatan(data: AngkatanData) -> Angkatan:
    """Create an angkatan that runs a program or a single course."""
    _validate_angkatan(data)
    angkatan = Angkatan()
    _apply_angkatan(angkatan, data)
    db.session.add(angkatan)
    db.session.flush()
    return angkatan


def update_angkatan(angkatan: Angkatan, data: AngkatanData, expected_version: int | None) -> None:
    """Change an angkatan; a stale form is refused."""
    check_version(angkatan.version, expected_version)
    _validate_angkatan(data)
    if (
        data.capacity is not None
        and angkatan.capacity != data.capacity
        and _seat_count(angkatan) > data.capacity
    ):
        raise CourseError(_("Kapasitas lebih kecil dari jumlah peserta yang sudah terdaftar."))
    _apply_angkatan(angkatan, data)
    db.session.flush()


def admin_angkatan_query(q: str | None = None) -> Select:
    """Angkatan for the admin list, newest first, with search (see :func:`participant_counts`)."""
    stmt = (
        select(Angkatan)
        .options(joinedload(Angkatan.program), joinedload(Angkatan.course))
        .order_by(Angkatan.start_date.desc().nulls_last(), Angkatan.id.desc())
    )
    if q and q.strip():
        stmt = stmt.where(func.lower(Angkatan.name).like(f"%{q.strip().lower()}%"))
    return stmt


def participant_counts(angkatan_ids: list[int]) -> dict[int, int]:
    """Active and completed participants per angkatan, for a page of angkatan (one query)."""
    if not angkatan_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.angkatan_id, func.count(Enrolment.id))
        .where(Enrolment.angkatan_id.in_(angkatan_ids), Enrolment.status.in_(permissions.ACCESS_STATUSES))
        .group_by(Enrolment.angkatan_id)
    )
    return dict(rows.all())


def courses_for_angkatan_choice() -> list[Course]:
    """Courses an angkatan can run (not archived), by title."""
    return list(
        db.session.scalars(
            select(Course).where(Course.status != CourseStatus.ARCHIVED).order_by(Course.title, Course.id)
        )
    )


def angkatan_courses(angkatan: Angkatan) -> list[Course]:
    """The courses an angkatan runs: its course, or its program's courses."""
    if angkatan.course_id:
        return [angkatan.course] if angkatan.course else []
    return list(
        db.session.scalars(
            select(Course).where(Course.program_id == angkatan.program_id).order_by(Course.title, Course.id)
        )
    )


def enrolments_query(angkatan: Angkatan, q: str | None = None) -> Select:
    """An angkatan's participants (with user, mentor and coach) by NDH, with search."""
    stmt = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.angkatan_id == angkatan.id)
        .options(
            contains_eager(Enrolment.user).lazyload(User.role_rows),
            *_people(Enrolment.mentor, Enrolment.coach),
        )
        .order_by(Enrolment.ndh.is_(None), Enrolment.ndh, User.full_name, Enrolment.id)
    )
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.full_name).like(like), User.nip.like(f"%{nip_rules.normalize(q)}%"))
        )
    return stmt


def completed_user_ids(course_ids: list[int], user_ids: list[int]) -> set[tuple[int, int]]:
    """(user_id, course_id) pairs with a recorded completion (for a page of participants)."""
    if not course_ids or not user_ids:
        return set()
    return set(
        db.session.execute(
            select(CourseCompletion.user_id, CourseCompletion.course_id).where(
                CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(user_ids)
            )
        ).tuples()
    )
