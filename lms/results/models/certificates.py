"""Certificates: the STTP of a program participant and the certificate of completion of a
self-paced course, their state (issued, revoked, replaced), numbering and print settings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import db
from lms.models_base import Repr, UpdatedAt, UTCDateTime, Versioned, str_enum, utcnow


class CertificateKind(enum.StrEnum):
    STTP = "sttp"  # Surat Tanda Tamat Pelatihan of a program angkatan
    COMPLETION = "completion"  # certificate of completion of a course


class CertificateStatus(enum.StrEnum):
    """issued -> revoked (by an admin, with a reason); issued -> replaced (by a reissue)."""

    ISSUED = "issued"
    REVOKED = "revoked"
    REPLACED = "replaced"


# The certificate's state machine ({(state, event): next state}); services move it.
TRANSITIONS: dict[tuple[CertificateStatus, str], CertificateStatus] = {
    (CertificateStatus.ISSUED, "revoke"): CertificateStatus.REVOKED,
    (CertificateStatus.ISSUED, "reissue"): CertificateStatus.REPLACED,
}


_ACTIVE = text("status = 'issued'")


class Certificate(Versioned, Repr, db.Model):
    """An issued certificate. Everything printed is frozen here and in the stored PDF, so later
    changes to a name or a score never change a certificate; only a reissue makes a new one."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("kind != 'sttp' OR enrolment_id IS NOT NULL", name="sttp_has_enrolment"),
        CheckConstraint(
            "kind != 'completion' OR course_completion_id IS NOT NULL", name="completion_has_completion"
        ),
        CheckConstraint(
            "status != 'revoked' OR (revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name="revoked_has_reason",
        ),
        CheckConstraint("status != 'replaced' OR replaced_at IS NOT NULL", name="replaced_has_date"),
        CheckConstraint("jp >= 0", name="jp_not_negative"),
        # At most one valid certificate per participant and per course completion.
        Index(
            "uq_certificates_active_enrolment",
            "enrolment_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "uq_certificates_active_completion",
            "course_completion_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind, "certificate_kind", 12))
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, "certificate_status", 12), default=CertificateStatus.ISSUED, index=True
    )
    # Short public code printed on the certificate and in its QR code (stored without the dash).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    number: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    course_completion_id: Mapped[int | None] = mapped_column(ForeignKey("course_completions.id"), index=True)
    angkatan_id: Mapped[int | None] = mapped_column(ForeignKey("angkatan.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    # What the verify page may show, frozen at issue time.
    holder_name: Mapped[str] = mapped_column(String(200), index=True)
    holder_nip: Mapped[str | None] = mapped_column(String(18))
    title: Mapped[str] = mapped_column(String(200))
    angkatan_name: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    jp: Mapped[int] = mapped_column(Integer, default=0)
    predicate: Mapped[str | None] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    verify_url: Mapped[str] = mapped_column(String(500))
    pdf_key: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The certificate this one replaces (a reissue); the reason is the reissue's.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    reissue_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[replaces_id])

    @property
    def display_code(self) -> str:
        """The code as printed: ``K7Q2-M9XD``."""
        return f"{self.code[:4]}-{self.code[4:]}" if len(self.code) == 8 else self.code

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.ISSUED

    __repr_format__ = "{0.id} {0.number!r} {0.status}"


class CertificateSequence(Repr, db.Model):
    """The last number used in one numbering scope (for example ``#/STTP/PKP/2026``)."""

    __tablename__ = "certificate_sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), unique=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

    __repr_format__ = "{0.scope!r} {0.last_value}"


class CertificateSettings(Versioned, UpdatedAt, Repr, db.Model):
    """What every certificate prints besides the participant: the institution, the signatory,
    the place of issue, and the number formats. One row, edited by admins."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    signatory_nip: Mapped[str] = mapped_column(String(30), default="")
    sttp_number_format: Mapped[str] = mapped_column(String(160))
    completion_number_format: Mapped[str] = mapped_column(String(160))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    __repr_format__ = "{0.institution_name!r}"
