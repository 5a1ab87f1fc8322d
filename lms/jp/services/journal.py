"""Where the JP services report a decision worth keeping in the audit log (an external training
submitted, verified or rejected; a target set or removed).

The entries go to the one audit log (``lms.audit``, infrastructure) as feature ``jp``; the results
pages show them next to their own. :func:`set_audit_recorder` can send them elsewhere (tests do).
"""

from __future__ import annotations

from collections.abc import Callable

from lms import audit
from lms.accounts.models import User

# ``recorder(action, actor, subject_type, subject_id, *, data=None, reason="")``
Recorder = Callable[..., object]


def _record_in_audit_log(action, actor, subject_type, subject_id, *, data=None, reason=""):
    return audit.record("jp", action, actor, subject_type, subject_id, data=data, reason=reason)


_RECORDER: dict[str, Recorder] = {"record": _record_in_audit_log}


def set_audit_recorder(recorder: Recorder) -> None:
    """Send the JP services' audit entries to ``recorder`` instead of the app's audit log."""
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
        raise RuntimeError("no audit recorder registered for lms.jp")
    recorder(action, actor, subject_type, subject_id, data=data, reason=reason)
