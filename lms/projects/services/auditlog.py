"""The projects' entries in the one audit log (``lms.audit``): one line per decision, score change
and setting (who, when, what, old and new value). The page's query is ``queries.audit.audit_log``."""

from __future__ import annotations

from lms import audit as audit_log
from lms.accounts.models import User
from lms.audit import AuditEntry


def audit(actor: User | None, project_id: int | None, action: str, obj, old="", new="") -> AuditEntry:
    """Write one audit line: who (actor), when (now), what (action, object), old and new value."""
    return audit_log.record(
        "projects",
        action,
        actor,
        type(obj).__name__,
        obj.id,
        project_id=project_id,
        data={"old": "" if old is None else str(old), "new": "" if new is None else str(new)},
    )
