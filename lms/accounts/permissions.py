"""Who may do what with accounts."""

from __future__ import annotations

from lms.accounts.models import Role, User


def is_admin(user: User | None) -> bool:
    """The one admin test: a logged-in user holding the admin role (penyelenggara). Every
    feature's admin gate and ``can_manage_*`` rule goes through it."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_role(Role.ADMIN))


def can_manage_users(user: User | None) -> bool:
    """Admins manage users."""
    return is_admin(user)


def can_view_user(viewer: User | None, user: User) -> bool:
    """Users see their own account; admins see everyone."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.id == user.id or can_manage_users(viewer)
