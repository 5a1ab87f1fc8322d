"""Database engine tuning: SQLite as a real database, PostgreSQL with pre-ping.

SQLite gets WAL, foreign keys, a busy timeout, and write transactions that begin with
``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe). With SQLite's default deferred
transactions, concurrent writers that first read and then write fail with "database is locked"
instead of waiting for the busy timeout; an immediate transaction takes the write lock up front
and therefore waits its turn.

Read-only requests (GET and HEAD) begin deferred so that many readers run side by side under WAL.
A GET view that writes is decorated with :func:`writes` (below its route decorator): the flag is
read from the matched endpoint, so even the login-session lookup that runs before the view body
begins IMMEDIATE. (A deferred read transaction that later writes is refused at once with
"database is locked" when another process wrote in between: no busy timeout applies.)
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.models_base import UTCDateTime

SQLITE_BUSY_TIMEOUT_MS = 15000
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view):
    """Mark a GET view that writes, so SQLite begins its transactions IMMEDIATE from the first
    statement of the request. Place it directly below the route decorator."""
    view._pelita_writes = True
    return view


def write_intent() -> None:
    """Declare that the current request will write from now on (only for transactions that begin
    after this call; prefer :func:`writes`, which covers the whole request)."""
    if has_request_context():
        g._sqlite_write_intent = True


def end_write_intent() -> None:
    """Undo :func:`write_intent`: transactions that begin after this call are read-only again
    (deferred on SQLite), e.g. for what a GET view reads after the one write it had to make."""
    if has_request_context():
        g.pop("_sqlite_write_intent", None)


def _wants_immediate() -> bool:
    if not has_request_context():
        return True  # CLI commands, workers and tests write
    if getattr(g, "_sqlite_write_intent", False):
        return True
    if request.method not in _READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "_pelita_writes", False))


def configure_engine(engine: Engine) -> None:
    """Attach dialect-specific connection settings to ``engine``."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy, not the driver, emit BEGIN (see the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate hook: write portable column types into migrations.

    Our UTCDateTime decorator is rendered as ``sa.DateTime(timezone=True)`` so migrations do not
    import application code (they must keep working when the code moves on).
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
