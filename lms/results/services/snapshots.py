"""Dashboard snapshots: each dashboard's panels computed at most once per
``DASHBOARD_MAX_AGE_SECONDS`` and stored in ``dashboard_snapshots``, shared by every process.

A page view reads the snapshot (one query); when it is missing, older than the maximum age, or
made for another year, time zone, preview size or set of panels, the panels' ``compute``
functions run and the result is upserted. The payload has no translated text: each panel's
``render`` turns it into a :class:`PanelData` in the viewer's language. Panels registered with
only ``fn`` are computed on every view. Permission checks never read a snapshot; the panel pages
and CSV exports compute live.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from lms.database import end_write_intent, write_intent
from lms.extensions import db
from lms.models_base import utcnow
from lms.results.models import DashboardSnapshot
from lms.results.services.dashboards import AngkatanSubject, Panel, PanelData, panels

# Bump when a panel's payload changes shape: older snapshots are then recomputed.
FORMAT = 1


@dataclass
class Snapshot:
    """A dashboard's stored figures and when they were computed (UTC)."""

    payload: dict
    computed_at: datetime


def scope_of(subject) -> tuple[str, int]:
    """The snapshot's key: ("angkatan", id), ("unit", id) or ("instansi", id)."""
    if isinstance(subject, AngkatanSubject):
        return "angkatan", subject.angkatan.id
    if subject.unit is not None:
        return "unit", subject.unit.id
    return "instansi", subject.instansi.id


def _stored_panels(scope: str) -> list[Panel]:
    return [p for p in panels(scope) if p.compute is not None]


def _made_for(scope: str, subject, preview: int) -> dict:
    """What a snapshot must have been computed for to be used for this view."""
    return {
        "format": FORMAT,
        "year": subject.year,
        "timezone": subject.timezone,
        "preview": preview,
        "panels": sorted(p.key for p in _stored_panels(scope)),
    }


def _usable(payload: dict, made_for: dict) -> bool:
    return all(payload.get(k) == v for k, v in made_for.items())


def read(scope: str, subject, preview: int, max_age: int, now: datetime | None = None) -> Snapshot | None:
    """The stored snapshot if it is fresh and was made for this view, else None (one query)."""
    kind, scope_id = scope_of(subject)
    db.session.flush()  # the Core connection below does not autoflush
    row = db.session.connection().execute(_read_statement(), {"scope": kind, "scope_id": scope_id}).first()
    if row is None:
        return None
    payload, computed_at = row
    if computed_at < (now or utcnow()) - timedelta(seconds=max_age):
        return None
    return Snapshot(payload, computed_at) if _usable(payload, _made_for(scope, subject, preview)) else None


@functools.cache
def _read_statement():
    # Built once per process; run on the session's connection (plain rows, no ORM path).
    return select(DashboardSnapshot.payload, DashboardSnapshot.computed_at).where(
        DashboardSnapshot.scope == bindparam("scope", type_=DashboardSnapshot.scope.type),
        DashboardSnapshot.scope_id == bindparam("scope_id", type_=Integer),
    )


def measure(scope: str, subject, preview: int, now: datetime | None = None) -> Snapshot:
    """Compute every storable panel of ``scope`` for ``subject`` (the first ``preview`` rows of
    per-person tables) without storing it (queries only)."""
    subject.window = (0, preview)
    payload = _made_for(scope, subject, preview)
    payload["data"] = {p.key: p.compute(subject) for p in _stored_panels(scope)}
    # What is rendered now must be what a later view renders from the stored JSON.
    payload = json.loads(json.dumps(payload))
    return Snapshot(payload, now or utcnow())


def compute(scope: str, subject, preview: int, now: datetime | None = None) -> Snapshot:
    """:func:`measure`, then upsert the snapshot. The caller commits."""
    snap = measure(scope, subject, preview, now)
    _upsert(*scope_of(subject), snap.payload, snap.computed_at)
    return snap


def _upsert(kind: str, scope_id: int, payload: dict, at: datetime) -> None:
    """Insert or replace the row in one statement, so that concurrent first views of several
    processes do not fail; a snapshot older than the stored one does not replace it."""
    table = DashboardSnapshot.__table__
    values = {"scope": kind, "scope_id": scope_id, "payload": payload, "computed_at": at}
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.scope, table.c.scope_id],
            set_={"payload": stmt.excluded.payload, "computed_at": stmt.excluded.computed_at},
            where=table.c.computed_at <= stmt.excluded.computed_at,
        )
        db.session.execute(stmt)
        return
    try:  # other databases: insert, and update if another process inserted first
        with db.session.begin_nested():
            db.session.execute(table.insert().values(**values))
    except IntegrityError:
        db.session.execute(
            table.update()
            .where(table.c.scope == kind, table.c.scope_id == scope_id, table.c.computed_at <= at)
            .values(payload=payload, computed_at=at)
        )


def current(
    scope: str, subject, preview: int, max_age: int, *, refresh: bool = False, now: datetime | None = None
) -> Snapshot:
    """The snapshot a dashboard view shows: a fresh stored one, else computed, stored and
    committed now (``refresh`` forces that).

    Storing commits here, unlike other services: a snapshot is a cache, not part of the view's
    change. The panels are computed in the read transaction, which is then ended so that SQLite
    begins the short writing one (the upsert) IMMEDIATE instead of upgrading a read (which fails
    at once if another process wrote) and holds the write lock only for the upsert."""
    snap = None if refresh else read(scope, subject, preview, max_age, now)
    if snap is None:
        snap = measure(scope, subject, preview, now)  # reads only: no write lock while computing
        db.session.commit()
        write_intent()
        _upsert(*scope_of(subject), snap.payload, snap.computed_at)
        db.session.commit()
        end_write_intent()
    return snap


def dashboard(
    scope: str, subject, preview: int, max_age: int, *, refresh: bool = False, now: datetime | None = None
) -> tuple[list[tuple[Panel, PanelData]], datetime]:
    """The panels of a dashboard view (see :func:`current`) and when their figures were computed."""
    snap = current(scope, subject, preview, max_age, refresh=refresh, now=now)
    return render(scope, subject, snap, preview), snap.computed_at


def render_panel(panel: Panel, subject, snap: Snapshot, preview: int) -> PanelData:
    """One panel in the viewer's language: a stored panel from ``snap``, another computed now."""
    subject.window = (0, preview)
    if panel.compute is None:
        return panel.fn(subject)
    return panel.render(snap.payload["data"][panel.key], subject)


def render(scope: str, subject, snap: Snapshot, preview: int) -> list[tuple[Panel, PanelData]]:
    """Every panel of ``scope`` in the viewer's language: stored panels from ``snap``, the
    others computed now."""
    return [(p, render_panel(p, subject, snap, preview)) for p in panels(scope)]
