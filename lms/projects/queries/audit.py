"""The audit log page's query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.projects.models import AuditEntry


def audit_log(project_id: int | None = None, action: str | None = None):
    """Query of audit lines, newest first, optionally for one project or action."""
    stmt = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if project_id:
        stmt = stmt.where(AuditEntry.project_id == project_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt
