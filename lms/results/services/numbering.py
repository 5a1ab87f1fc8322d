"""Certificate settings (institution, signatory, number formats), numbering (one locked sequence
per scope, so two issuers never take the same number) and the random public codes."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.errors import DomainError, check_version
from lms.extensions import db
from lms.results.models import CertificateSequence, CertificateSettings
from lms.results.queries.certificates import CODE_LENGTH
from lms.results.services import audit

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud and type
DEFAULT_STTP_FORMAT = "{seq:04d}/STTP/{program}/{year}"
DEFAULT_COMPLETION_FORMAT = "{seq:05d}/SP/{year}"
NUMBER_FIELDS = ("seq", "year", "month", "program", "course", "angkatan")


class CertificateError(DomainError):
    """A certificate cannot be issued or changed; the message says why."""


def certificate_settings() -> CertificateSettings:
    """The saved settings, or (not yet saved) defaults from the configuration."""
    row = db.session.scalar(select(CertificateSettings).order_by(CertificateSettings.id).limit(1))
    if row is not None:
        return row
    return CertificateSettings(
        institution_name=current_app.config.get("INSTITUTION_NAME", "Pelita"),
        place="",
        signatory_name="",
        signatory_title="",
        signatory_nip="",
        sttp_number_format=DEFAULT_STTP_FORMAT,
        completion_number_format=DEFAULT_COMPLETION_FORMAT,
        version=0,
    )


class SeqMark:
    """Formats as ``#`` whatever the spec, to name a numbering scope without its sequence."""

    def __format__(self, spec: str) -> str:
        return "#"


def _sample_values() -> dict:
    return {"year": 2026, "month": 1, "program": "PKP", "course": 7, "angkatan": 12}


def validate_number_format(fmt: str) -> None:
    """Raise :class:`CertificateError` unless ``fmt`` makes numbers, with ``{seq}`` in it."""
    if "{seq" not in fmt:
        raise CertificateError(_("Format nomor harus memuat {seq} (nomor urut)."))
    try:
        fmt.format(seq=1, **_sample_values())
        fmt.format(seq=SeqMark(), **_sample_values())
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise CertificateError(
            _(
                "Format nomor tidak sah. Gunakan isian %(fields)s, misalnya %(example)s.",
                fields=", ".join("{" + f + "}" for f in NUMBER_FIELDS),
                example=DEFAULT_STTP_FORMAT,
            )
        ) from exc


def save_certificate_settings(
    *,
    institution_name: str,
    place: str,
    signatory_name: str,
    signatory_title: str,
    signatory_nip: str,
    sttp_number_format: str,
    completion_number_format: str,
    by: User | None,
    expected_version: int | None = None,
) -> CertificateSettings:
    """Save the settings printed on future certificates (issued ones never change)."""
    validate_number_format(sttp_number_format)
    validate_number_format(completion_number_format)
    row = certificate_settings()
    if row.id is not None:
        check_version(row.version, expected_version)
    if row.id is None:
        db.session.add(row)
    row.institution_name = institution_name.strip()
    row.place = place.strip()
    row.signatory_name = signatory_name.strip()
    row.signatory_title = signatory_title.strip()
    row.signatory_nip = signatory_nip.strip()
    row.sttp_number_format = sttp_number_format.strip()
    row.completion_number_format = completion_number_format.strip()
    row.updated_by_id = by.id if by else None
    db.session.flush()
    audit.record("certificate_settings.save", by, "certificate_settings", row.id)
    return row


def lock_scope(scope: str) -> CertificateSequence:
    """The sequence row of ``scope``, locked: a row lock on PostgreSQL (SQLite's write lock does
    the same), so two concurrent issuers never take the same number or both issue one person."""
    stmt = select(CertificateSequence).where(CertificateSequence.scope == scope).with_for_update()
    row = db.session.scalar(stmt)
    if row is None:
        try:
            with db.session.begin_nested():
                row = CertificateSequence(scope=scope, last_value=0)
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(stmt.execution_options(populate_existing=True))
    return row


def _next_seq(scope: str) -> int:
    row = lock_scope(scope)
    row.last_value += 1
    db.session.flush()
    return row.last_value


def make_number(fmt: str, values: dict) -> str:
    """Allocate the next sequence number of the format's scope and format the number."""
    validate_number_format(fmt)
    scope = fmt.format(seq=SeqMark(), **values)
    return fmt.format(seq=_next_seq(scope), **values)


def new_code() -> str:
    """A random short code (8 characters from 32: about 10^12 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verify_url_for(code: str, base_url: str) -> str:
    """The public address of a certificate's verify page."""
    return f"{base_url.rstrip('/')}/verify/{code}"
