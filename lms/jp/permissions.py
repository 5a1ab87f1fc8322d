"""Who may see and change an external training: the person who recorded it (and admins, who
verify it) see it and its file; only its owner corrects or withdraws it."""

from __future__ import annotations

from lms.accounts.models import User
from lms.accounts.permissions import is_admin
from lms.jp.models import ExternalTraining


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_view_external(user: User | None, training: ExternalTraining) -> bool:
    """The person who recorded it and admins see an external training and its file."""
    return _authenticated(user) and (user.id == training.user_id or is_admin(user))


def can_edit_external(user: User | None, training: ExternalTraining) -> bool:
    """Only its owner corrects or withdraws an external training."""
    return _authenticated(user) and user.id == training.user_id
