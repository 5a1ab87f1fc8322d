"""The one audit log of the app: who changed what, when, from which value to which, and why.

Every feature writes here through :func:`record` (projects' decisions and scores, results'
outcomes and certificates, the JP ledger's external training and targets); ``feature`` says
whose entry it is. Feature tables are referenced by ForeignKey string only, so this
infrastructure module imports no feature. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One audit line: ``data`` holds JSON-safe before/after values (projects keep theirs as
    ``{"old": ..., "new": ...}``), ``reason`` the note given with the decision."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    feature: Mapped[str] = mapped_column(String(20), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    angkatan_id: Mapped[int | None] = mapped_column(
        ForeignKey("angkatan.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")

    # By name: the users table belongs to the accounts feature, which infrastructure does not import.
    actor = relationship("User")

    @property
    def old_value(self) -> str:
        """The value before the change, as projects record it (``""`` when none)."""
        return (self.data or {}).get("old", "")

    @property
    def new_value(self) -> str:
        """The value after the change, as projects record it (``""`` when none)."""
        return (self.data or {}).get("new", "")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.feature}:{self.action} {self.subject_type}:{self.subject_id}>"


def record(
    feature: str,
    action: str,
    actor,
    subject_type: str,
    subject_id: int | None,
    *,
    angkatan_id: int | None = None,
    project_id: int | None = None,
    data: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add one audit entry of ``feature`` (``actor`` is a user or None) and flush it."""
    entry = AuditEntry(
        feature=feature,
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        angkatan_id=angkatan_id,
        project_id=project_id,
        data=data or {},
        reason=reason or "",
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def newest_first(stmt):
    """``stmt`` ordered newest entry first (ties broken by id)."""
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def entries_for_angkatan(
    angkatan_id: int, limit: int = 50, features: Iterable[str] | None = None
) -> list[AuditEntry]:
    """The latest audit entries of an angkatan, newest first, with their actors (two queries)."""
    stmt = select(AuditEntry).where(AuditEntry.angkatan_id == angkatan_id)
    if features is not None:
        stmt = stmt.where(AuditEntry.feature.in_(list(features)))
    entries = list(db.session.scalars(newest_first(stmt).limit(limit)))
    _load_actors(entries)
    return entries


def entries_for(
    subject_type: str, subject_id: int, features: Iterable[str] | None = None
) -> list[AuditEntry]:
    """Every audit entry about one object, oldest first, with their actors."""
    stmt = select(AuditEntry).where(
        AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id
    )
    if features is not None:
        stmt = stmt.where(AuditEntry.feature.in_(list(features)))
    entries = list(db.session.scalars(stmt.order_by(AuditEntry.created_at, AuditEntry.id)))
    _load_actors(entries)
    return entries


def _load_actors(entries: list[AuditEntry]) -> None:
    ids = {e.actor_id for e in entries if e.actor_id}
    if ids:
        # One query loads the actors into the identity map, so ``entry.actor`` below needs no
        # more queries (the users table is reached through the relationship's own mapper).
        mapper = AuditEntry.actor.property.mapper
        list(db.session.scalars(select(mapper).where(mapper.primary_key[0].in_(ids))))
