"""Which staff a pimpinan may see on the dashboards.

Without a row a pimpinan sees their own instansi (``user.instansi_id``). An admin may narrow a
pimpinan to one unit kerja (a head of an OPD) or point them to an instansi.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Instansi, UnitKerja, User
from lms.extensions import db
from lms.models_base import Repr, UpdatedAt


class PimpinanScope(UpdatedAt, Repr, db.Model):
    """A pimpinan's dashboard scope: an instansi, optionally narrowed to one unit."""

    __tablename__ = "pimpinan_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit_kerja.id", ondelete="CASCADE"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    instansi: Mapped[Instansi] = relationship()
    unit: Mapped[UnitKerja | None] = relationship()

    __repr_format__ = "user={0.user_id} instansi={0.instansi_id} unit={0.unit_id}"
