"""Where the JP services report a decision worth keeping in the audit log (an external training
submitted, verified or rejected; a target set or removed).

The audit log is kept above this feature (results' ``audit.record`` until one audit log becomes
infrastructure), and JP must not import it: the feature that keeps the log registers its
recorder with :func:`set_audit_recorder` when it loads (``lms.results.services.audit`` does).
"""

from __future__ import annotations

from collections.abc import Callable

from lms.accounts.models import User

# ``recorder(action, actor, subject_type, subject_id, *, data=None, reason="")``
Recorder = Callable[..., object]
_RECORDER: dict[str, Recorder] = {}


def set_audit_recorder(recorder: Recorder) -> None:
    """Send the JP services' audit entries to ``recorder`` (the one audit log of the app)."""
    _RECORDER["record"] = recorder


def record(
    action: str,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    *,
    data: dict | None = None,
    reason: str = "",
) -> None:
    """Add one audit entry through the registered recorder (nothing here commits)."""
    recorder = _RECORDER.get("record")
    if recorder is None:
        raise RuntimeError("no audit recorder registered for lms.jp (lms.results.services registers it)")
    recorder(action, actor, subject_type, subject_id, data=data, reason=reason)
