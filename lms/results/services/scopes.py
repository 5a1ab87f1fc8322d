"""Pimpinan dashboard scopes: who sees which instansi or unit (rules in ``permissions``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Instansi, Role, UnitKerja, User
from lms.errors import DomainError
from lms.extensions import db
from lms.results.models import PimpinanScope
from lms.results.services import audit


def scope_rows():
    """A statement listing every scope row with its user, instansi and unit."""
    return (
        select(PimpinanScope)
        .join(User, User.id == PimpinanScope.user_id)
        .options(
            selectinload(PimpinanScope.user),
            selectinload(PimpinanScope.instansi),
            selectinload(PimpinanScope.unit),
        )
        .order_by(User.full_name)
    )


def set_pimpinan_scope(
    user: User, instansi: Instansi, unit: UnitKerja | None, by: User | None
) -> PimpinanScope:
    """Point a pimpinan's dashboard at an instansi, optionally narrowed to one of its units."""
    if not user.has_role(Role.PIMPINAN):
        raise DomainError(_("Pengguna ini tidak berperan pimpinan."))
    if unit is not None and unit.instansi_id != instansi.id:
        raise DomainError(_("Unit kerja tersebut bukan bagian dari instansi yang dipilih."))
    row = db.session.scalar(select(PimpinanScope).where(PimpinanScope.user_id == user.id))
    old = (row.instansi_id, row.unit_id) if row else None
    if row is None:
        row = PimpinanScope(user_id=user.id)
        db.session.add(row)
    row.instansi_id = instansi.id
    row.unit_id = unit.id if unit else None
    row.updated_by_id = by.id if by else None
    db.session.flush()
    audit.record(
        "pimpinan_scope.set",
        by,
        "user",
        user.id,
        data={"from": list(old) if old else None, "to": [row.instansi_id, row.unit_id]},
    )
    return row


def delete_pimpinan_scope(row: PimpinanScope, by: User | None) -> None:
    """Remove a scope row: the pimpinan sees their own instansi again."""
    audit.record("pimpinan_scope.delete", by, "user", row.user_id)
    db.session.delete(row)
    db.session.flush()
