"""Concurrent writers: read-then-write transactions from many threads never fail with
"database is locked" (SQLite begins them IMMEDIATE) and never lose an update."""

from __future__ import annotations

import threading

from sqlalchemy import select

from lms.accounts.models import Instansi
from lms.database import _wants_immediate
from lms.extensions import db


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
    """The lesson page records progress on GET: its whole request, including the login-session
    lookup before the view body, must begin IMMEDIATE (a deferred read that later writes is
    refused at once with "database is locked" when another worker wrote in between)."""
    with app.test_request_context("/kursus/contoh/pelajaran/1"):
        assert _wants_immediate() is True
    with app.test_request_context("/kursus/"):
        assert _wants_immediate() is False  # the catalogue only reads
    with app.test_request_context("/kursus/", method="POST"):
        assert _wants_immediate() is True
