"""The audit log page's query (the projects' entries of ``lms.audit``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.audit import AuditEntry, newest_first


def audit_log(project_id: int | None = None, action: str | None = None):
    """Query of audit lines, newest first, optionally for one project or action."""
    stmt = newest_first(
        select(AuditEntry).options(joinedload(AuditEntry.actor)).where(AuditEntry.feature == "projects")
    )
    if project_id:
        stmt = stmt.where(AuditEntry.project_id == project_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt
