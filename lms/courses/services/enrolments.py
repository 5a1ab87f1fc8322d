"""Enrolments: the life cycle, enrolment by an admin or by the participant (capacity, NDH, mentor
and coach rules), surat tugas, and the mentors' and coaches' lists."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from lms import storage
from lms.accounts import nip as nip_rules
from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.courses import permissions
from lms.courses.models import (
    ENROLMENT_TRANSITIONS,
    Angkatan,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    EnrolmentVia,
)
from lms.courses.services._common import CourseError, _store, clean_filename
from lms.errors import WorkflowError
from lms.extensions import db
from lms.models_base import targets_from, utcnow
from lms.storage import Upload
from lms.timezones import local_today


def change_enrolment_status(
    enrolment: Enrolment, to: EnrolmentStatus | str, at: datetime | None = None
) -> None:
    """Complete, withdraw or reactivate an enrolment (completed implies completed_at)."""
    to = EnrolmentStatus(to)
    if to == enrolment.status:
        return
    if to not in targets_from(ENROLMENT_TRANSITIONS, enrolment.status):
        raise WorkflowError(_("Status pendaftaran tidak dapat diubah ke %(to)s.", to=to.value))
    enrolment.status = to
    enrolment.completed_at = (at or utcnow()) if to == EnrolmentStatus.COMPLETED else None
    db.session.flush()


def _seat_count(angkatan: Angkatan) -> int:
    return int(
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.angkatan_id == angkatan.id,
                Enrolment.status.in_(permissions.ACCESS_STATUSES),
            )
        )
        or 0
    )


def _lock_angkatan(angkatan: Angkatan) -> None:
    """Serialise enrolments into one angkatan (capacity, NDH). SQLite's IMMEDIATE transactions
    already serialise writers; PostgreSQL takes a row lock."""
    db.session.execute(select(Angkatan.id).where(Angkatan.id == angkatan.id).with_for_update())


def _next_ndh(angkatan: Angkatan) -> int:
    current = db.session.scalar(select(func.max(Enrolment.ndh)).where(Enrolment.angkatan_id == angkatan.id))
    return (current or 0) + 1


def _check_helpers(user: User, mentor: User | None, coach: User | None) -> None:
    if mentor is not None:
        if mentor.id == user.id:
            raise CourseError(_("Seseorang tidak dapat menjadi mentor bagi dirinya sendiri."))
        if not mentor.has_role(Role.MENTOR):
            raise CourseError(
                _("%(name)s belum memiliki peran mentor. Tambahkan perannya dulu.", name=mentor.full_name)
            )
    if coach is not None:
        if coach.id == user.id:
            raise CourseError(_("Seseorang tidak dapat menjadi coach bagi dirinya sendiri."))
        if not coach.has_role(Role.COACH):
            raise CourseError(
                _("%(name)s belum memiliki peran coach. Tambahkan perannya dulu.", name=coach.full_name)
            )


def _check_ndh(angkatan: Angkatan, ndh: int | None, exclude_enrolment_id: int | None = None) -> None:
    if ndh is None:
        return
    if ndh <= 0:
        raise CourseError(_("NDH harus bilangan bulat positif."))
    stmt = select(User.full_name).join(Enrolment, Enrolment.user_id == User.id)
    stmt = stmt.where(Enrolment.angkatan_id == angkatan.id, Enrolment.ndh == ndh)
    if exclude_enrolment_id is not None:
        stmt = stmt.where(Enrolment.id != exclude_enrolment_id)
    holder = db.session.scalar(stmt)
    if holder is not None:
        raise CourseError(_("NDH %(ndh)s sudah dipakai %(name)s.", ndh=ndh, name=holder))


def find_person(login: str | None) -> User | None:
    """A user by NIP (with or without spaces), username or email."""
    login = (login or "").strip()
    if not login:
        return None
    return account_services.find_by_login(nip_rules.normalize(login)) or account_services.find_by_login(login)


def enrol(
    angkatan: Angkatan,
    user: User,
    ndh: int | None = None,
    mentor: User | None = None,
    coach: User | None = None,
    via: EnrolmentVia = EnrolmentVia.ADMIN,
    surat_tugas: Upload | None = None,
) -> Enrolment:
    """Enrol a participant (an admin's action). A withdrawn participant is reactivated.

    Checks capacity, NDH, and that nobody is their own mentor or coach. NDH defaults to the next
    free number.
    """
    _lock_angkatan(angkatan)
    _check_helpers(user, mentor, coach)
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.angkatan_id == angkatan.id, Enrolment.user_id == user.id)
    )
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise CourseError(_("%(name)s sudah terdaftar di angkatan ini.", name=user.full_name))
    if angkatan.capacity is not None and _seat_count(angkatan) >= angkatan.capacity:
        raise CourseError(_("Angkatan sudah penuh (kapasitas %(n)s peserta).", n=angkatan.capacity))
    _check_ndh(angkatan, ndh, existing.id if existing else None)
    stored = _store(surat_tugas, storage.DOCUMENT_KINDS) if surat_tugas is not None else None
    if existing is not None:
        enrolment = existing
        change_enrolment_status(enrolment, EnrolmentStatus.ACTIVE)
        enrolment.ndh = ndh or enrolment.ndh or _next_ndh(angkatan)
    else:
        enrolment = Enrolment(angkatan=angkatan, user=user, ndh=ndh or _next_ndh(angkatan), via=via)
        db.session.add(enrolment)
    enrolment.mentor, enrolment.coach = mentor, coach
    if stored is not None:
        enrolment.surat_tugas_key, enrolment.surat_tugas_name = (
            stored.key,
            clean_filename(surat_tugas.filename),
        )
    db.session.flush()
    return enrolment


def self_enrol(
    angkatan: Angkatan, user: User, surat_tugas: Upload | None = None, today: date | None = None
) -> Enrolment:
    """A participant enrols themself where the angkatan allows it (open, not ended, seats left,
    and its content published)."""
    today = today or local_today(user.timezone)
    if not angkatan.enrolment_open:
        raise CourseError(_("Pendaftaran mandiri untuk angkatan ini ditutup."))
    if angkatan.end_date is not None and angkatan.end_date < today:
        raise CourseError(_("Angkatan ini sudah berakhir."))
    if angkatan.course_id is not None and (
        angkatan.course is None or angkatan.course.status != CourseStatus.PUBLISHED
    ):
        raise CourseError(_("Kursus ini belum dibuka."))
    return enrol(angkatan, user, via=EnrolmentVia.SELF, surat_tugas=surat_tugas)


def update_enrolment(enrolment: Enrolment, ndh: int | None, mentor: User | None, coach: User | None) -> None:
    """Change a participant's NDH, mentor and coach."""
    _check_helpers(enrolment.user, mentor, coach)
    _check_ndh(enrolment.angkatan, ndh, enrolment.id)
    enrolment.ndh = ndh
    enrolment.mentor, enrolment.coach = mentor, coach
    db.session.flush()


def set_surat_tugas(enrolment: Enrolment, upload: Upload) -> list[str]:
    """Attach (or replace) the participant's surat tugas; returns the old file to discard."""
    stored = _store(upload, storage.DOCUMENT_KINDS)
    old = [enrolment.surat_tugas_key] if enrolment.surat_tugas_key else []
    enrolment.surat_tugas_key, enrolment.surat_tugas_name = stored.key, clean_filename(upload.filename)
    db.session.flush()
    return old


def _helpers_query(column, person: User) -> Select:
    return (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(column == person.id, Enrolment.status.in_(permissions.ACCESS_STATUSES))
        .options(
            contains_eager(Enrolment.user).lazyload(User.role_rows),
            joinedload(Enrolment.angkatan).joinedload(Angkatan.program),
            joinedload(Enrolment.angkatan).joinedload(Angkatan.course),
        )
        .order_by(Enrolment.angkatan_id.desc(), Enrolment.ndh, User.full_name)
    )


def mentees_query(mentor: User) -> Select:
    """Enrolments whose mentor is ``mentor`` (active and completed), for a paginated list."""
    return _helpers_query(Enrolment.mentor_id, mentor)


def coachees_query(coach: User) -> Select:
    """Enrolments whose coach is ``coach`` (active and completed), for a paginated list."""
    return _helpers_query(Enrolment.coach_id, coach)


def mentees_of(mentor: User) -> list[Enrolment]:
    """The participants ``mentor`` mentors, as enrolments with user and angkatan loaded."""
    return list(db.session.scalars(mentees_query(mentor)))


def coachees_of(coach: User) -> list[Enrolment]:
    """The participants ``coach`` coaches, as enrolments with user and angkatan loaded."""
    return list(db.session.scalars(coachees_query(coach)))
