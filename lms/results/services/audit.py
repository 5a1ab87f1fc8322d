"""The results audit log: one row per decision that matters later (outcomes, manual scores,
certificates, external JP, settings). Services call :func:`record`; nothing here commits."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.jp import services as jp_services
from lms.results.models import AuditEntry


def record(
    action: str,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    *,
    angkatan_id: int | None = None,
    data: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add one audit entry (``data`` holds JSON-safe before/after values)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        angkatan_id=angkatan_id,
        data=data or {},
        reason=reason or "",
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries_for_angkatan(angkatan_id: int, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries of an angkatan, newest first, with their actors (two queries)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.angkatan_id == angkatan_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    entries = list(db.session.scalars(stmt))
    _load_actors(entries)
    return entries


def entries_for(subject_type: str, subject_id: int) -> list[AuditEntry]:
    """Every audit entry about one object, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    entries = list(db.session.scalars(stmt))
    _load_actors(entries)
    return entries


def _load_actors(entries: list[AuditEntry]) -> None:
    ids = {e.actor_id for e in entries if e.actor_id}
    if ids:
        # One query fills the identity map, so ``entry.actor`` below needs no more queries.
        list(db.session.scalars(select(User).where(User.id.in_(ids))))


# The JP services (a feature below results) log their decisions here.
jp_services.set_audit_recorder(record)
