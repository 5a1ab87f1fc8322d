"""The results' entries in the one audit log (``lms.audit``): one row per decision that matters
later (outcomes, manual scores, certificates, settings; the JP ledger's external training and
targets are logged by ``lms.jp`` as feature ``jp`` and shown here too). Nothing here commits."""

from __future__ import annotations

from lms import audit as audit_log
from lms.accounts.models import User
from lms.audit import AuditEntry

# The features whose entries the results pages show.
SHOWN = ("results", "jp")


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
    """Add one results audit entry (``data`` holds JSON-safe before/after values)."""
    return audit_log.record(
        "results", action, actor, subject_type, subject_id, angkatan_id=angkatan_id, data=data, reason=reason
    )


def entries_for_angkatan(angkatan_id: int, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries of an angkatan, newest first, with their actors (two queries)."""
    return audit_log.entries_for_angkatan(angkatan_id, limit, features=SHOWN)


def entries_for(subject_type: str, subject_id: int) -> list[AuditEntry]:
    """Every audit entry about one object, oldest first."""
    return audit_log.entries_for(subject_type, subject_id, features=SHOWN)
