"""Stored dashboard snapshots: the figures of one dashboard (an angkatan's, an instansi's or a
unit's), computed at most once per ``DASHBOARD_MAX_AGE_SECONDS`` and shared by every process.

The payload holds numbers, ids, keys and data (course titles, names) but no translated text:
labels are rendered at view time in the viewer's language. Permission checks never read it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models_base import Repr, UTCDateTime, utcnow


class DashboardSnapshot(Repr, db.Model):
    """The panels of one dashboard as last computed (one row per scope and scope id)."""

    __tablename__ = "dashboard_snapshots"
    __table_args__ = (UniqueConstraint("scope", "scope_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # "angkatan", "instansi" or "unit"
    scope_id: Mapped[int]
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __repr_format__ = "{0.scope}:{0.scope_id} at {0.computed_at}"
