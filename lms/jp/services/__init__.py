"""JP services (the public entry points of the feature, re-exported from its modules).

Interfaces other features use:

- ``credit_jp(user, source, source_id, title, jp, at=None) -> bool``: write one ledger line, once
  (False when it was already there); ``at`` decides the calendar year, in the person's zone
- ``revoke_jp(user_id, source, source_id) -> bool``: take that line back
- ``jp_total(user, year) -> int``; ``local_year(at, timezone)``; ``current_year(user)``
- targets: ``target_for(user)``, ``target_lookup(instansi_ids)``, ``BUILTIN_TARGETS``
- "JP Saya": ``ledger(user, year)`` and ``ledger_export(user)``
- external training: ``submit_external_training``, ``update_external_training``,
  ``delete_external_training``, ``verify_external_training``, ``reject_external_training``
- ``set_audit_recorder(fn)``: where the decisions above are logged (``lms.audit`` unless told
  otherwise)
"""

from lms.jp.models import ExternalStatus, JpSource
from lms.jp.services.external import (
    EXTERNAL_KINDS,
    EXTERNAL_MAX_BYTES,
    EXTERNAL_STATUS_LABELS,
    EXTERNAL_TRANSITIONS,
    ExternalData,
    delete_external_training,
    external_earned_at,
    external_queue,
    external_status_label,
    pending_external_count,
    reject_external_training,
    submit_external_training,
    update_external_training,
    verify_external_training,
)
from lms.jp.services.journal import set_audit_recorder
from lms.jp.services.ledger import (
    SOURCE_LABELS,
    credit_jp,
    current_year,
    jp_total,
    local_date,
    local_year,
    revoke_jp,
    source_label,
)
from lms.jp.services.statement import Ledger, YearTotal, ledger, ledger_export
from lms.jp.services.targets import (
    BUILTIN_TARGETS,
    delete_jp_target,
    jp_targets,
    set_jp_target,
    target_for,
    target_lookup,
)

__all__ = [
    "BUILTIN_TARGETS",
    "credit_jp",
    "current_year",
    "delete_external_training",
    "delete_jp_target",
    "EXTERNAL_KINDS",
    "EXTERNAL_MAX_BYTES",
    "EXTERNAL_STATUS_LABELS",
    "EXTERNAL_TRANSITIONS",
    "external_earned_at",
    "external_queue",
    "external_status_label",
    "ExternalData",
    "ExternalStatus",
    "jp_targets",
    "jp_total",
    "JpSource",
    "Ledger",
    "ledger",
    "ledger_export",
    "local_date",
    "local_year",
    "pending_external_count",
    "reject_external_training",
    "revoke_jp",
    "set_audit_recorder",
    "set_jp_target",
    "SOURCE_LABELS",
    "source_label",
    "submit_external_training",
    "target_for",
    "target_lookup",
    "update_external_training",
    "verify_external_training",
    "YearTotal",
]
