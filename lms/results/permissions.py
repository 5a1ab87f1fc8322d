"""Who may see and do what in results: admins run assessment and certificates; people see their
own certificates; pimpinan see the staff of their scope only (who sees an external training:
``lms.jp.permissions``). ``is_admin`` is the one of ``lms.accounts.permissions``.

Pimpinan scope (decided here, documented in the dashboard page): a pimpinan sees the staff of
the instansi of their own account (``user.instansi_id``), all its units. An admin can record a
:class:`PimpinanScope` for them instead, naming an instansi and optionally one unit kerja; a
pimpinan narrowed to a unit sees only that unit's staff. Anything outside the scope is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.accounts.permissions import is_admin
from lms.extensions import db
from lms.results.models import Certificate, PimpinanScope


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage_results(user: User | None) -> bool:
    """Schemes, results, outcomes, certificates, targets, surveys: admins."""
    return is_admin(user)


def can_view_certificate(user: User | None, cert: Certificate) -> bool:
    """The holder and admins may download a certificate's PDF (anyone may verify it)."""
    return _authenticated(user) and (user.id == cert.user_id or is_admin(user))


def can_use_staff_dashboard(user: User | None) -> bool:
    """Pimpinan and admins open the staff dashboard (each then sees only their scope)."""
    return is_admin(user) or (_authenticated(user) and user.has_role(Role.PIMPINAN))


@dataclass(frozen=True)
class Scope:
    """What a dashboard viewer may see: an instansi, and a unit when narrowed to one."""

    instansi_id: int
    unit_id: int | None


def pimpinan_scope(user: User | None) -> Scope | None:
    """The pimpinan's scope: their PimpinanScope row, else their own instansi; None when they
    are not a pimpinan or have no instansi (one query)."""
    if not _authenticated(user) or not user.has_role(Role.PIMPINAN):
        return None
    row = db.session.scalar(select(PimpinanScope).where(PimpinanScope.user_id == user.id))
    if row is not None:
        return Scope(row.instansi_id, row.unit_id)
    if user.instansi_id is None:
        return None
    return Scope(user.instansi_id, None)


def can_view_staff_dashboard(user: User | None, instansi_id: int, unit_id: int | None) -> bool:
    """Admins see any instansi and unit; a pimpinan only inside their scope (a unit-scoped
    pimpinan must stay on their unit)."""
    if is_admin(user):
        return True
    scope = pimpinan_scope(user)
    if scope is None or scope.instansi_id != instansi_id:
        return False
    return scope.unit_id is None or scope.unit_id == unit_id
