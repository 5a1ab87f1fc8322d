"""The projects audit log: one line per decision, score change and setting (who, when, what,
old and new value). The page's query is ``queries.audit.audit_log``."""

from __future__ import annotations

from lms.accounts.models import User
from lms.extensions import db
from lms.projects.models import AuditEntry


def audit(actor: User | None, project_id: int | None, action: str, obj, old="", new="") -> AuditEntry:
    """Write one audit line: who (actor), when (now), what (action, object), old and new value."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        project_id=project_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )
    db.session.add(entry)
    return entry
