"""Concurrent writers: read-then-write transactions from many threads never fail with
"database is locked" (SQLite begins them IMMEDIATE) and never lose an update."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from lms import worker
from lms.accounts.models import Instansi
from lms.database import WriterGate, _wants_immediate, configure_engine, optimize
from lms.extensions import db
from tests.factories import make_user


def test_concurrent_read_then_write_transactions_all_succeed(app):
    inst = Instansi(name="Counter", code="0")
    db.session.add(inst)
    db.session.flush()
    inst_id = inst.id
    # Commit and touch nothing until the threads finish: outside a request every SQLite
    # transaction is IMMEDIATE, so an open read here would hold the write lock.
    db.session.commit()
    errors: list[BaseException] = []
    threads_n, per_thread = 6, 15

    def worker():
        try:
            with app.app_context():
                for _ in range(per_thread):
                    # Read, then write based on what was read: the pattern that deadlocks
                    # deferred SQLite transactions ("database is locked").
                    row = db.session.execute(
                        select(Instansi).where(Instansi.id == inst_id).with_for_update()
                    ).scalar_one()
                    row.code = str(int(row.code) + 1)
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Instansi, inst_id).code == str(threads_n * per_thread)


def test_get_views_that_write_begin_immediate_from_the_first_statement(app):
    """A GET view marked @writes (the course survey creates its default items on first use):
    its whole request, including the login-session lookup before the view body, must begin
    IMMEDIATE (a deferred read that later writes is refused at once with "database is locked"
    when another worker wrote in between). The lesson page reads; when a visit must be
    recorded it ends its read transaction and writes in a fresh one (write_intent)."""
    with app.test_request_context("/evaluasi/kursus/1"):
        assert _wants_immediate() is True
    with app.test_request_context("/kursus/contoh/pelajaran/1"):
        assert _wants_immediate() is False
    with app.test_request_context("/kursus/"):
        assert _wants_immediate() is False  # the catalogue only reads
    with app.test_request_context("/kursus/", method="POST"):
        assert _wants_immediate() is True


# --- the writer gate (SQLite only) ---------------------------------------------------------


def _gate_path(app) -> str | None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    return url.database + "-writers"


def _gate_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_writer_gate_queues_writers_and_times_out(tmp_path):
    gate = WriterGate(str(tmp_path / "db-writers"), timeout_seconds=0.2)
    first = gate.acquire()
    with pytest.raises(OperationalError, match="database is locked"):
        gate.acquire()  # held elsewhere: gives up after the timeout, like SQLite would
    order: list[str] = []
    patient = WriterGate(gate.path, timeout_seconds=5)
    waiter = threading.Thread(target=lambda: (WriterGate.release(patient.acquire()), order.append("second")))
    waiter.start()
    time.sleep(0.05)
    order.append("first done")
    WriterGate.release(first)
    waiter.join(5)
    assert order == ["first done", "second"]


def test_writer_gate_is_held_during_a_write_and_freed_whatever_the_ending(app, client, login_as):
    """Commit, an error page without a commit, and a session closed without either all free it."""
    path = _gate_path(app)
    if path is None:
        pytest.skip("the writer gate is SQLite's")
    user = make_user()
    db.session.commit()
    assert _gate_is_free(path)
    db.session.add(Instansi(name="Gate", code="G1"))
    db.session.flush()  # an IMMEDIATE transaction in this app context: the gate is held
    assert not _gate_is_free(path)
    db.session.commit()
    assert _gate_is_free(path)
    login_as(user)
    assert client.post("/kuis/999999/mulai").status_code == 404  # a write request that 404s
    assert _gate_is_free(path)
    db.session.execute(select(Instansi.id)).all()
    assert not _gate_is_free(path)
    db.session.close()  # neither commit nor rollback
    assert _gate_is_free(path)


def test_optimize_gives_the_planner_statistics(app):
    """seed-scale runs ANALYZE after its bulk load; the worker runs PRAGMA optimize daily."""
    make_user()
    db.session.commit()
    ran = optimize(db.session, full=True)
    assert ran == "ANALYZE"
    if db.engine.dialect.name == "sqlite":
        tables = db.session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar()
        assert tables > 0
    results = worker.run_jobs(app, [j for j in worker.JOBS if j.name == "optimize-database"])
    expected = "PRAGMA optimize" if db.engine.dialect.name == "sqlite" else "nothing (autovacuum)"
    assert results == {"optimize-database": expected}


def test_postgresql_idle_connection_is_checked_and_replaced(app):
    """A pooled PostgreSQL connection idle longer than the limit is pinged before use: one whose
    server process is gone is replaced, and the request never sees it. A connection in steady
    use is not pinged (no round trip per request)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the idle ping is PostgreSQL's")

    def backend_pid(engine):
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()

    def terminate(pid):
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            conn.commit()
        time.sleep(0.2)

    url = db.engine.url
    pinged = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    configure_engine(pinged, ping_idle_seconds=0)  # every checkout of a used connection: idle
    unpinged = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    configure_engine(unpinged, ping_idle_seconds=3600)
    try:
        old = backend_pid(pinged)
        terminate(old)
        new = backend_pid(pinged)  # no error: replaced before use
        assert new != old
        old = backend_pid(unpinged)
        terminate(old)
        with pytest.raises(OperationalError):  # not idle long enough: not checked
            backend_pid(unpinged)
        assert backend_pid(unpinged) != old  # the failure dropped it; the next one connects
    finally:
        pinged.dispose()
        unpinged.dispose()


def _ending_app(make_app):
    """An app with routes that read, write without committing, or leave unflushed changes, and a
    log of how each request's transaction ended."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    endings: list[str] = []

    @app.get("/_t/read")
    def read():
        return str(len(db.session.scalars(select(Instansi.id)).all()))

    @app.get("/_t/flushed")
    def flushed():
        db.session.add(Instansi(name="Flushed", code="F1"))
        db.session.flush()
        return "ok"

    @app.get("/_t/text-write")
    def text_write():
        db.session.execute(text("UPDATE instansi SET name = 'Changed'"))
        return "ok"

    @app.get("/_t/pending")
    def pending():
        db.session.scalars(select(Instansi.id)).all()
        db.session.add(Instansi(name="Pending", code="P1"))
        return "ok"

    @app.get("/_t/savepoint")
    def savepoint():
        with db.session.begin_nested():
            db.session.scalars(select(Instansi.id)).all()
        return "ok"

    with app.app_context():
        db.session.add(Instansi(name="Kept", code="K1"))
        db.session.commit()
        event.listen(db.engine, "commit", lambda conn: endings.append("commit"))
        event.listen(db.engine, "rollback", lambda conn: endings.append("rollback"))
    return app, endings


def test_requests_keep_nothing_they_did_not_commit(make_app):
    """Whatever a request's transaction did without committing is gone afterwards, on either
    database: a flushed insert, a raw UPDATE, an unflushed change, a savepoint."""
    app, _ = _ending_app(make_app)
    client = app.test_client()
    for path in ("/_t/read", "/_t/flushed", "/_t/text-write", "/_t/pending", "/_t/savepoint"):
        assert client.get(path).status_code == 200
    with app.app_context():
        assert [(i.name, i.code) for i in db.session.scalars(select(Instansi))] == [("Kept", "K1")]


def test_postgresql_read_only_requests_commit_and_keep_prepared_statements(make_app):
    """On PostgreSQL a request whose transaction only read ends with COMMIT, so psycopg keeps the
    statements it prepared (a ROLLBACK makes it forget them all); one that wrote, left changes
    unflushed or opened a savepoint ends with ROLLBACK."""
    app, endings = _ending_app(make_app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("prepared statements are PostgreSQL's")
    client = app.test_client()
    expected = {
        "/_t/read": "commit",
        "/_t/flushed": "rollback",
        "/_t/text-write": "rollback",
        "/_t/pending": "rollback",
        "/_t/savepoint": "rollback",
    }
    for path, ending in expected.items():
        endings.clear()
        assert client.get(path).status_code == 200
        assert endings == [ending], path
    for _ in range(6):
        client.get("/_t/read")
    with app.app_context():
        conn = db.session.connection()  # the pool's only connection, the requests' one
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
        assert any("FROM instansi" in statement for statement in prepared)
