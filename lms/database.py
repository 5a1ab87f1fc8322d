"""Database engine tuning: SQLite as a real database, PostgreSQL pinged when idle.

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

Writers queue at a file lock before ``BEGIN IMMEDIATE`` (:class:`WriterGate`). SQLite's own busy
handler, which is what waits for the write lock otherwise, sleeps 1, 2, 5, 10 ... up to 100 ms
between tries, so under a burst of small writes (the autosaves of a whole angkatan in an exam) a
waiting writer sleeps long after the lock was freed and the latency tail grows to hundreds of
milliseconds. The gate is an exclusive ``flock`` on a file next to the database (``<db>-writers``),
polled every millisecond: a request (or a CLI command, the worker) takes it before its
``BEGIN IMMEDIATE`` and releases it when the transaction ends (commit, rollback, the connection's
return to the pool, or at the end of the app context at the latest). Requests that only read
never touch it. It is a per-machine lock, like SQLite's own; PostgreSQL needs none of this.

PostgreSQL connections are checked before use only when they sat idle in the pool longer than
``LMS_PG_PING_IDLE_SECONDS`` (:func:`_ping_when_idle`), not on every checkout (SQLAlchemy's
``pool_pre_ping``, a round trip on every request). A connection in steady use needs no check: if
the server went away meanwhile, the statement fails, the request answers 503 (``lms.errors``),
SQLAlchemy drops the pool's connections, and the next request connects afresh.

PostgreSQL statements are prepared by psycopg after their fifth run on a connection
(``prepare_threshold``), and PostgreSQL then plans them once instead of on every run. psycopg
forgets its prepared statements on every ``ROLLBACK``, and a request's transaction ends with one
when the session closes, so nothing would ever be prepared: a request whose transaction only read
therefore ends with ``COMMIT`` instead (:func:`_commit_clean_reads`, the same outcome for a
transaction that changed nothing). A transaction that wrote anything, failed, or holds unflushed
changes is rolled back as before.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session

from lms.extensions import db
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


@contextmanager
def writing():
    """The SQLite write intent as a block: transactions that begin inside it take the write lock
    from their first statement (``BEGIN IMMEDIATE``), those after it are read-only again. For a
    GET view whose one write sits in the middle of its reads; a view that writes throughout is
    marked with :func:`writes` instead. No effect on PostgreSQL."""
    write_intent()
    try:
        yield
    finally:
        end_write_intent()


def _wants_immediate() -> bool:
    if not has_request_context():
        return True  # CLI commands, workers and tests write
    if getattr(g, "_sqlite_write_intent", False):
        return True
    if request.method not in _READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "_pelita_writes", False))


class WriterGate:
    """An exclusive file lock that a process's writing request holds while its SQLite write
    transaction is open. Waiters poll it every ``POLL_SECONDS`` (SQLite's busy handler sleeps up
    to 100 ms) and give up after the busy timeout with "database is locked", as SQLite would."""

    POLL_SECONDS = 0.001

    def __init__(self, path: str, timeout_seconds: float) -> None:
        self.path = path
        self.timeout_seconds = timeout_seconds

    def acquire(self) -> int:
        """Block until this caller holds the gate; returns the file descriptor to release."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise OperationalError(
                        "BEGIN IMMEDIATE", {}, Exception("database is locked (writer gate)")
                    ) from None
                time.sleep(self.POLL_SECONDS)

    @staticmethod
    def release(fd: int) -> None:
        """Give the gate up (closing the descriptor drops the lock)."""
        os.close(fd)


def _gate_for(engine: Engine) -> WriterGate | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return WriterGate(str(path.with_name(path.name + "-writers")), SQLITE_BUSY_TIMEOUT_MS / 1000)


def _release_gate(*_args) -> None:
    """End of a write transaction (or of the request's app context): let the next writer in."""
    if has_app_context():
        fd = g.pop("_sqlite_writer_gate", None)
        if fd is not None:
            WriterGate.release(fd)


def register(app: Flask) -> None:
    """Request hooks of the writer gate. Call before ``db.init_app`` so that the release at the
    end of a request runs after Flask-SQLAlchemy has rolled back and closed the session (the
    request context is already gone then; ``g`` lives in the app context)."""
    app.teardown_appcontext(_release_gate)


def register_after_session(app: Flask) -> None:
    """Request hooks that must run before Flask-SQLAlchemy closes the session (teardown
    functions run in reverse order): call after ``db.init_app``."""
    app.teardown_appcontext(_commit_clean_reads)


# A transaction's end, whichever way it ends, opens the gate for the next writer: the session's
# commit or rollback, a connection going back to the pool (a session closed without either),
# and at the latest the end of the app context.
event.listen(Session, "after_commit", _release_gate)
event.listen(Session, "after_rollback", _release_gate)


def configure_engine(
    engine: Engine, writer_gate: bool = True, ping_idle_seconds: float | None = None
) -> None:
    """Attach dialect-specific connection settings to ``engine`` (``writer_gate``: queue SQLite
    writers at the file lock; off where ``flock`` does not work, e.g. a network filesystem;
    ``ping_idle_seconds``: check a PostgreSQL connection idle longer than this before use)."""
    if engine.dialect.name != "sqlite":
        if ping_idle_seconds is not None:
            _ping_when_idle(engine, ping_idle_seconds)
        if engine.dialect.name == "postgresql":
            _track_writes(engine)
        return
    gate = _gate_for(engine) if writer_gate else None
    event.listen(engine.pool, "checkin", _release_gate)

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
        if not _wants_immediate():
            conn.exec_driver_sql("BEGIN")
            return
        if gate is not None and has_app_context() and "_sqlite_writer_gate" not in g:
            g._sqlite_writer_gate = gate.acquire()
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a round trip before use when it sat idle longer than
    ``idle_seconds`` (SQLAlchemy's documented pessimistic-disconnect recipe, limited to idle
    connections): a dead one is replaced before the request uses it."""

    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["pelita_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _check_if_idle(dbapi_connection, record, _proxy):
        since = record.info.get("pelita_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # fresh, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("idle connection is gone; the pool connects again") from exc


_READ_PREFIXES = ("SELECT", "SHOW", "select", "show")
_WROTE = "pelita_wrote"
_CONNECTION = "pelita_connection"


def _track_writes(engine: Engine) -> None:
    """Mark a connection's transaction as written to when it runs anything but a read (a
    compiled SELECT, or statement text starting with SELECT/SHOW), opens a savepoint, or fails."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, context, _executemany):
        if _WROTE in conn.info:
            return
        compiled = context.compiled if context is not None else None
        if compiled is not None and compiled.statement.is_select:
            return
        if not statement.lstrip().startswith(_READ_PREFIXES):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        conn = context.connection
        if conn is not None and not context.is_disconnect and not conn.invalidated:
            conn.info[_WROTE] = True

    @event.listens_for(engine, "savepoint")
    def _savepoint(conn, _name):
        conn.info[_WROTE] = True

    def _clear(conn):
        if not conn.invalidated:
            conn.info.pop(_WROTE, None)

    event.listen(engine, "begin", _clear)
    event.listen(engine, "commit", _clear)
    event.listen(engine, "rollback", _clear)


@event.listens_for(Session, "after_begin")
def _remember_connection(session, _transaction, connection):
    session.info[_CONNECTION] = connection


def _commit_clean_reads(exc: BaseException | None) -> None:
    """End of a request on PostgreSQL: commit the session's transaction when it only read (see
    the module docstring: a ROLLBACK would throw away psycopg's prepared statements). Runs before
    Flask-SQLAlchemy closes the session, which rolls back whatever is left: a transaction that
    wrote, failed or holds unflushed changes."""
    if exc is not None or "sqlalchemy" not in current_app.extensions or not db.session.registry.has():
        return
    session = db.session()
    connection = session.info.get(_CONNECTION)
    if (
        connection is None
        or connection.closed
        or connection.invalidated
        or connection.dialect.name != "postgresql"
        or connection.info.get(_WROTE)
        or not connection.in_transaction()
        or not session.in_transaction()
        or session.new
        or session.dirty
        or session.deleted
    ):
        return
    try:
        session.commit()
    except Exception:  # pragma: no cover - the close that follows rolls back
        session.rollback()


def optimize(session, full: bool = False) -> str:
    """Refresh the query planner's statistics. SQLite keeps none until asked (``ANALYZE``, or
    ``PRAGMA optimize``, which analyses only the tables whose statistics are missing or out of
    date); without them it may start a query from a poor index. PostgreSQL's autovacuum keeps
    them; ``full`` runs ``ANALYZE`` there too (after a bulk load). Commits. Returns what ran."""
    dialect = session.get_bind().dialect.name
    session.commit()
    if dialect == "sqlite":
        statement = "ANALYZE" if full else "PRAGMA optimize"
    elif full:
        statement = "ANALYZE"
    else:
        return "nothing (autovacuum)"
    session.connection().exec_driver_sql(statement)
    session.commit()
    return statement


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate hook: write portable column types into migrations.

    Our UTCDateTime decorator is rendered as ``sa.DateTime(timezone=True)`` so migrations do not
    import application code (they must keep working when the code moves on).
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
