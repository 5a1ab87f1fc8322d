"""External training: training taken outside Pelita, recorded by the person with its
certificate, counted in the JP ledger only once an admin verifies it.

State machine (``EXTERNAL_TRANSITIONS`` in the models, moved only by :func:`_move`)::

    pending --verify--> verified      (writes the JP record, once)
    pending --reject--> rejected
    rejected --resubmit--> pending    (the person corrects and sends again)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms import storage, timezones
from lms.accounts.models import User
from lms.errors import DomainError, WorkflowError, check_version
from lms.extensions import db
from lms.jp.models import EXTERNAL_TRANSITIONS, ExternalStatus, ExternalTraining, JpSource
from lms.jp.services import journal
from lms.jp.services.ledger import credit_jp, local_date
from lms.models_base import next_state, utcnow

EXTERNAL_KINDS = {"pdf", "png", "jpg"}
EXTERNAL_MAX_BYTES = 10 * 1024 * 1024
EXTERNAL_STATUS_LABELS = {
    ExternalStatus.PENDING: _l("Menunggu verifikasi"),
    ExternalStatus.VERIFIED: _l("Terverifikasi"),
    ExternalStatus.REJECTED: _l("Ditolak"),
}


def external_status_label(status: ExternalStatus | str) -> str:
    """An external training's status, in Bahasa Indonesia."""
    return str(EXTERNAL_STATUS_LABELS[ExternalStatus(status)])


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
    journal.record("external.submit", user, "external_training", training.id, data={"jp": data.jp})
    return training


def _move(training: ExternalTraining, action: str) -> None:
    target = next_state(EXTERNAL_TRANSITIONS, ExternalStatus(training.status), action)
    if target is None:
        raise WorkflowError(_("Status pelatihan ini sudah berubah; tindakan tersebut tidak dapat dilakukan."))
    training.status = target


def update_external_training(
    training: ExternalTraining,
    data: ExternalData,
    file: BinaryIO | None = None,
    filename: str | None = None,
    expected_version: int | None = None,
) -> ExternalTraining:
    """The person corrects a pending or rejected record (a rejected one goes back to pending)."""
    check_version(training.version, expected_version)
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
    journal.record("external.update", user, "external_training", training.id, data={"jp": data.jp})
    if old_key:
        storage.delete(old_key)
    return training


def delete_external_training(training: ExternalTraining, by: User) -> None:
    """Withdraw a record that is not verified (its file is deleted too)."""
    if training.status == ExternalStatus.VERIFIED:
        raise WorkflowError(_("Pelatihan yang sudah diverifikasi tidak dapat dihapus."))
    key = training.file_key
    journal.record("external.delete", by, "external_training", training.id, data={"title": training.title})
    db.session.delete(training)
    db.session.flush()
    storage.delete(key)


def external_earned_at(training: ExternalTraining, timezone: str | None) -> datetime:
    """Noon of the last day of the training in the person's zone (the year it counts in)."""
    local = datetime.combine(training.end_date, time(12, 0), tzinfo=timezones.zone(timezone))
    return local.astimezone(UTC)


def verify_external_training(
    training: ExternalTraining, by: User | None, note: str = "", expected_version: int | None = None
) -> ExternalTraining:
    """An admin confirms the certificate: the training's JP enters the ledger (exactly once)."""
    check_version(training.version, expected_version)
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
    journal.record(
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
    check_version(training.version, expected_version)
    _move(training, "reject")
    training.reviewed_at = utcnow()
    training.reviewed_by_id = by.id if by else None
    training.review_note = note
    db.session.flush()
    journal.record("external.reject", by, "external_training", training.id, reason=note)
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
