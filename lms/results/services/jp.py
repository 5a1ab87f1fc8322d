"""The JP ledger as a person sees it ("JP Saya"), yearly targets, and external training.

JP per calendar year comes from ``JpRecord`` rows: courses and programs write theirs when they
are completed; this module writes the ``external`` ones when an admin verifies an external
training. A year is the calendar year in the person's own time zone (WIB, WITA or WIT).

External training state machine (``EXTERNAL_TRANSITIONS``, moved only by :func:`_move`)::

    pending --verify--> verified      (writes the JP record, once)
    pending --reject--> rejected
    rejected --resubmit--> pending    (the person corrects and sends again)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from lms import storage
from lms.accounts.models import EmployeeClass, Instansi, User
from lms.courses.models import JpRecord, JpSource
from lms.errors import DomainError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.models_base import utcnow
from lms.results.models import ExternalStatus, ExternalTraining, JpTarget
from lms.results.services import audit

DEFAULT_TIMEZONE = "Asia/Jakarta"
# Used only while an admin has set no target: at least 20 JP a year for every ASN (PP 11/2017 as
# amended, PerLAN 10/2018). Admins set per-instansi and default targets in the JP target page.
BUILTIN_TARGETS: dict[EmployeeClass, int] = {EmployeeClass.PNS: 20, EmployeeClass.PPPK: 20}
EXTERNAL_KINDS = {"pdf", "png", "jpg"}
EXTERNAL_MAX_BYTES = 10 * 1024 * 1024
SOURCE_LABELS = {
    JpSource.COURSE: _l("Kursus"),
    JpSource.PROGRAM: _l("Program pelatihan"),
    JpSource.EXTERNAL: _l("Pelatihan eksternal"),
}
EXTERNAL_STATUS_LABELS = {
    ExternalStatus.PENDING: _l("Menunggu verifikasi"),
    ExternalStatus.VERIFIED: _l("Terverifikasi"),
    ExternalStatus.REJECTED: _l("Ditolak"),
}
EXTERNAL_TRANSITIONS: dict[tuple[ExternalStatus, str], ExternalStatus] = {
    (ExternalStatus.PENDING, "verify"): ExternalStatus.VERIFIED,
    (ExternalStatus.PENDING, "reject"): ExternalStatus.REJECTED,
    (ExternalStatus.REJECTED, "resubmit"): ExternalStatus.PENDING,
}


def source_label(source: JpSource | str) -> str:
    """Where a JP record came from, in Bahasa Indonesia."""
    return str(SOURCE_LABELS.get(JpSource(source), source))


def external_status_label(status: ExternalStatus | str) -> str:
    return str(EXTERNAL_STATUS_LABELS[ExternalStatus(status)])


def _zone(timezone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_year(at: datetime, timezone: str | None) -> int:
    """The calendar year of the moment ``at`` in an Indonesian time zone: 2025-12-31 16:30 UTC is
    still 2025 in WIB (23:30) but already 2026 in WITA (00:30) and WIT (01:30)."""
    return at.astimezone(_zone(timezone)).year


def current_year(user: User, now: datetime | None = None) -> int:
    """This calendar year where the person lives."""
    return local_year(now or utcnow(), user.timezone)


def local_date(at: datetime, timezone: str | None) -> date:
    return at.astimezone(_zone(timezone)).date()


# --- targets ---------------------------------------------------------------------------------


def target_lookup(instansi_ids: set[int | None]) -> Callable[[int | None, EmployeeClass | str], int | None]:
    """Load the targets of some instansi and the defaults in one query; return a function
    ``(instansi_id, employee_class) -> target JP or None`` (None: no target, e.g. non-ASN)."""
    ids = {i for i in instansi_ids if i is not None}
    stmt = select(JpTarget).where(JpTarget.instansi_id.is_(None))
    if ids:
        stmt = select(JpTarget).where((JpTarget.instansi_id.is_(None)) | (JpTarget.instansi_id.in_(ids)))
    specific: dict[tuple[int, str], int] = {}
    defaults: dict[str, int] = {}
    for row in db.session.scalars(stmt):
        cls = EmployeeClass(row.employee_class).value
        if row.instansi_id is None:
            defaults[cls] = row.target_jp
        else:
            specific[(row.instansi_id, cls)] = row.target_jp

    def lookup(instansi_id: int | None, employee_class: EmployeeClass | str) -> int | None:
        cls = EmployeeClass(employee_class)
        if instansi_id is not None and (instansi_id, cls.value) in specific:
            return specific[(instansi_id, cls.value)]
        if cls.value in defaults:
            return defaults[cls.value]
        return BUILTIN_TARGETS.get(cls)

    return lookup


def target_for(user: User) -> int | None:
    """The yearly JP target of a person (their instansi's, else the default of their class):
    the rule of :func:`target_lookup`, for one person in one small query."""
    cls = EmployeeClass(user.employee_class)
    specific = default = None
    db.session.flush()  # the Core connection below does not autoflush
    rows = db.session.connection().execute(_target_statement(), {"cls": cls, "instansi_id": user.instansi_id})
    for instansi_id, target_jp in rows:
        if instansi_id is None:
            default = target_jp
        elif instansi_id == user.instansi_id:
            specific = target_jp
    if specific is not None:
        return specific
    if default is not None:
        return default
    return BUILTIN_TARGETS.get(cls)


@functools.cache
def _target_statement():
    # Built once per process: the targets of one class, the default and one instansi's.
    return select(JpTarget.instansi_id, JpTarget.target_jp).where(
        JpTarget.employee_class == bindparam("cls", type_=JpTarget.employee_class.type),
        or_(JpTarget.instansi_id.is_(None), JpTarget.instansi_id == bindparam("instansi_id", type_=Integer)),
    )


def jp_targets() -> list[JpTarget]:
    """Every target row set by admins: defaults first, then per instansi."""
    stmt = (
        select(JpTarget)
        .outerjoin(Instansi, Instansi.id == JpTarget.instansi_id)
        .order_by(JpTarget.instansi_id.is_not(None), Instansi.name, JpTarget.employee_class)
    )
    targets = list(db.session.scalars(stmt))
    ids = {t.instansi_id for t in targets if t.instansi_id}
    if ids:
        list(db.session.scalars(select(Instansi).where(Instansi.id.in_(ids))))
    return targets


def set_jp_target(
    instansi: Instansi | None, employee_class: EmployeeClass | str, target_jp: int, by: User | None
) -> JpTarget:
    """Set the yearly target of an employee class in one instansi (or the default: None)."""
    if not 0 <= target_jp <= 2000:
        raise DomainError(_("Target JP harus dari 0 sampai 2000."))
    cls = EmployeeClass(employee_class)
    stmt = select(JpTarget).where(JpTarget.employee_class == cls)
    stmt = stmt.where(
        JpTarget.instansi_id == instansi.id if instansi is not None else JpTarget.instansi_id.is_(None)
    )
    row = db.session.scalar(stmt)
    old = row.target_jp if row else None
    if row is None:
        row = JpTarget(instansi_id=instansi.id if instansi else None, employee_class=cls, target_jp=target_jp)
        db.session.add(row)
    row.target_jp = target_jp
    row.updated_by_id = by.id if by else None
    db.session.flush()
    audit.record(
        "jp_target.set",
        by,
        "jp_target",
        row.id,
        data={"instansi_id": row.instansi_id, "class": cls.value, "from": old, "to": target_jp},
    )
    return row


def delete_jp_target(target: JpTarget, by: User | None) -> None:
    """Remove a target row (the default, or the built-in 20 JP, applies again)."""
    audit.record(
        "jp_target.delete",
        by,
        "jp_target",
        target.id,
        data={"instansi_id": target.instansi_id, "class": EmployeeClass(target.employee_class).value},
    )
    db.session.delete(target)
    db.session.flush()


# --- the ledger ------------------------------------------------------------------------------


@dataclass
class YearTotal:
    year: int
    total: int


@dataclass
class Ledger:
    """What "JP Saya" shows for one year."""

    user: User
    year: int
    this_year: int
    total: int
    target: int | None
    # Rows (id, earned_at, title, source, jp) of the year's JP records, newest first.
    records: list = field(default_factory=list)
    years: list[YearTotal] = field(default_factory=list)
    # Rows (id, title, organizer, end_date, jp, status, review_note), latest 50.
    external: list = field(default_factory=list)

    @property
    def percent(self) -> float:
        if not self.target:
            return 100.0 if self.target == 0 else 0.0
        return min(100.0, 100.0 * self.total / self.target)

    @property
    def reached(self) -> bool:
        return self.target is not None and self.total >= self.target

    @property
    def remaining(self) -> int:
        return max(0, (self.target or 0) - self.total)


def jp_total(user_id: int, year: int) -> int:
    """JP a person earned in a calendar year, from all sources (one query)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(JpRecord.jp), 0)).where(
                JpRecord.user_id == user_id, JpRecord.year == year
            )
        )
        or 0
    )


def ledger(user: User, year: int | None = None, now: datetime | None = None) -> Ledger:
    """The person's JP for ``year`` (default: this year in their zone), the records behind it,
    the totals of every year, and their external trainings; five queries whatever the size."""
    this_year = current_year(user, now)
    year = year or this_year
    # Plain rows with the columns the pages show, read on the session's connection: no ORM
    # objects (the lists are read-only) and not the ORM's execution path (~90 Python calls per
    # statement). That path would autoflush: flush here instead (nothing to do on a page view).
    db.session.flush()
    conn = db.session.connection()
    records = conn.execute(_records_statement(), {"user_id": user.id, "year": year}).all()
    totals = conn.execute(_year_totals_statement(), {"user_id": user.id}).all()
    years = [YearTotal(int(y), int(t or 0)) for y, t in totals]
    if this_year not in {y.year for y in years}:
        years.insert(0, YearTotal(this_year, 0))
    external = conn.execute(_external_statement(), {"user_id": user.id}).all()
    return Ledger(
        user=user,
        year=year,
        this_year=this_year,
        total=sum(r.jp for r in records),
        target=target_for(user),
        records=records,
        years=years,
        external=external,
    )


@functools.cache
def _records_statement():
    return (
        select(JpRecord.id, JpRecord.earned_at, JpRecord.title, JpRecord.source, JpRecord.jp)
        .where(
            JpRecord.user_id == bindparam("user_id", type_=Integer),
            JpRecord.year == bindparam("year", type_=Integer),
        )
        .order_by(JpRecord.earned_at.desc(), JpRecord.id.desc())
    )


@functools.cache
def _year_totals_statement():
    return (
        select(JpRecord.year, func.sum(JpRecord.jp))
        .where(JpRecord.user_id == bindparam("user_id", type_=Integer))
        .group_by(JpRecord.year)
        .order_by(JpRecord.year.desc())
    )


@functools.cache
def _external_statement():
    return (
        select(
            ExternalTraining.id,
            ExternalTraining.title,
            ExternalTraining.organizer,
            ExternalTraining.end_date,
            ExternalTraining.jp,
            ExternalTraining.status,
            ExternalTraining.review_note,
        )
        .where(ExternalTraining.user_id == bindparam("user_id", type_=Integer))
        .order_by(ExternalTraining.submitted_at.desc())
        .limit(50)
    )


def ledger_export(user: User) -> tuple[list[str], list[list]]:
    """Every JP record of a person, for CSV (year, date in their zone, title, source, JP)."""
    records = db.session.scalars(
        select(JpRecord).where(JpRecord.user_id == user.id).order_by(JpRecord.year.desc(), JpRecord.earned_at)
    )
    columns = [_("Tahun"), _("Tanggal"), _("Kegiatan"), _("Sumber"), _("JP")]
    rows = [
        [r.year, local_date(r.earned_at, user.timezone), r.title, source_label(r.source), r.jp]
        for r in records
    ]
    return columns, rows


def credit_jp(user: User, source: JpSource, source_id: int, title: str, jp: int, at: datetime) -> bool:
    """Write one ledger line once (the unique constraint decides under concurrency)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                JpRecord(
                    user_id=user.id,
                    source=source,
                    source_id=source_id,
                    title=title[:255],
                    jp=jp,
                    year=local_year(at, user.timezone),
                    earned_at=at,
                )
            )
    except IntegrityError:
        return False
    return True


# --- external training -----------------------------------------------------------------------


@dataclass
class ExternalData:
    title: str
    organizer: str
    start_date: date
    end_date: date
    jp: int


def _validate_external(data: ExternalData, user: User) -> None:
    if not data.title.strip():
        raise DomainError(_("Isi nama pelatihan."))
    if not data.organizer.strip():
        raise DomainError(_("Isi penyelenggara pelatihan."))
    if data.end_date < data.start_date:
        raise DomainError(_("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    if data.end_date > local_date(utcnow(), user.timezone):
        raise DomainError(_("Pelatihan yang belum selesai belum dapat dicatat."))
    if not 1 <= data.jp <= 2000:
        raise DomainError(_("JP harus dari 1 sampai 2000."))


def _store_certificate(stream: BinaryIO) -> storage.StoredFile:
    return storage.save(stream, EXTERNAL_KINDS, max_bytes=EXTERNAL_MAX_BYTES)


def submit_external_training(
    user: User, data: ExternalData, file: BinaryIO, filename: str
) -> ExternalTraining:
    """Record an external training with its certificate (PDF or image, checked by content).
    It counts toward the JP ledger only after an admin verifies it."""
    _validate_external(data, user)
    stored = _store_certificate(file)
    training = ExternalTraining(
        user_id=user.id,
        title=data.title.strip(),
        organizer=data.organizer.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        jp=data.jp,
        file_key=stored.key,
        file_name=(filename or "sertifikat")[:255],
        file_mime=stored.mime,
        file_size=stored.size,
        status=ExternalStatus.PENDING,
    )
    db.session.add(training)
    db.session.flush()
    audit.record("external.submit", user, "external_training", training.id, data={"jp": data.jp})
    return training


def _move(training: ExternalTraining, action: str) -> None:
    target = EXTERNAL_TRANSITIONS.get((ExternalStatus(training.status), action))
    if target is None:
        raise WorkflowError(_("Status pelatihan ini sudah berubah; tindakan tersebut tidak dapat dilakukan."))
    training.status = target


def _check_version(training: ExternalTraining, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != training.version:
        raise StaleEdit(_("Data pelatihan ini baru saja diubah. Muat ulang halaman lalu periksa lagi."))


def update_external_training(
    training: ExternalTraining,
    data: ExternalData,
    file: BinaryIO | None = None,
    filename: str | None = None,
    expected_version: int | None = None,
) -> ExternalTraining:
    """The person corrects a pending or rejected record (a rejected one goes back to pending)."""
    _check_version(training, expected_version)
    if training.status == ExternalStatus.VERIFIED:
        raise WorkflowError(_("Pelatihan yang sudah diverifikasi tidak dapat diubah."))
    user = db.session.get(User, training.user_id)
    _validate_external(data, user)
    old_key = None
    if file is not None:
        stored = _store_certificate(file)
        old_key = training.file_key
        training.file_key = stored.key
        training.file_name = (filename or "sertifikat")[:255]
        training.file_mime = stored.mime
        training.file_size = stored.size
    training.title = data.title.strip()
    training.organizer = data.organizer.strip()
    training.start_date = data.start_date
    training.end_date = data.end_date
    training.jp = data.jp
    if training.status == ExternalStatus.REJECTED:
        _move(training, "resubmit")
        training.reviewed_at = None
        training.reviewed_by_id = None
    training.submitted_at = utcnow()
    db.session.flush()
    audit.record("external.update", user, "external_training", training.id, data={"jp": data.jp})
    if old_key:
        storage.delete(old_key)
    return training


def delete_external_training(training: ExternalTraining, by: User) -> None:
    """Withdraw a record that is not verified (its file is deleted too)."""
    if training.status == ExternalStatus.VERIFIED:
        raise WorkflowError(_("Pelatihan yang sudah diverifikasi tidak dapat dihapus."))
    key = training.file_key
    audit.record("external.delete", by, "external_training", training.id, data={"title": training.title})
    db.session.delete(training)
    db.session.flush()
    storage.delete(key)


def external_earned_at(training: ExternalTraining, timezone: str | None) -> datetime:
    """Noon of the last day of the training in the person's zone (the year it counts in)."""
    local = datetime.combine(training.end_date, time(12, 0), tzinfo=_zone(timezone))
    return local.astimezone(UTC)


def verify_external_training(
    training: ExternalTraining, by: User | None, note: str = "", expected_version: int | None = None
) -> ExternalTraining:
    """An admin confirms the certificate: the training's JP enters the ledger (exactly once)."""
    _check_version(training, expected_version)
    _move(training, "verify")
    training.reviewed_at = utcnow()
    training.reviewed_by_id = by.id if by else None
    training.review_note = (note or "").strip()
    user = db.session.get(User, training.user_id)
    credit_jp(
        user,
        JpSource.EXTERNAL,
        training.id,
        training.title,
        training.jp,
        external_earned_at(training, user.timezone),
    )
    db.session.flush()
    audit.record(
        "external.verify", by, "external_training", training.id, data={"jp": training.jp}, reason=note
    )
    return training


def reject_external_training(
    training: ExternalTraining, by: User | None, note: str, expected_version: int | None = None
) -> ExternalTraining:
    """An admin refuses the record with a reason the person will read; no JP is written."""
    note = (note or "").strip()
    if len(note) < 5:
        raise DomainError(_("Tuliskan alasan penolakan agar pegawai dapat memperbaikinya."))
    _check_version(training, expected_version)
    _move(training, "reject")
    training.reviewed_at = utcnow()
    training.reviewed_by_id = by.id if by else None
    training.review_note = note
    db.session.flush()
    audit.record("external.reject", by, "external_training", training.id, reason=note)
    return training


def external_queue(status: str | None = ExternalStatus.PENDING.value):
    """A statement for the admin's review list (oldest first for pending ones)."""
    stmt = select(ExternalTraining)
    if status:
        stmt = stmt.where(ExternalTraining.status == ExternalStatus(status))
    if status == ExternalStatus.PENDING.value:
        return stmt.order_by(ExternalTraining.submitted_at, ExternalTraining.id)
    return stmt.order_by(ExternalTraining.submitted_at.desc(), ExternalTraining.id.desc())


def pending_external_count() -> int:
    return int(
        db.session.scalar(
            select(func.count(ExternalTraining.id)).where(ExternalTraining.status == ExternalStatus.PENDING)
        )
        or 0
    )
