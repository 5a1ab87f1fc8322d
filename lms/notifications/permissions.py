"""Who may see a notification: only the person it is for."""

from __future__ import annotations

from lms.accounts.models import User
from lms.notifications.models import Notification


def can_read(user: User | None, note: Notification) -> bool:
    """A notification belongs to one user; nobody else sees it (not even admins)."""
    return bool(user is not None and user.is_authenticated and note.user_id == user.id)
