"""The autosave's upsert of answer rows, built once per process and dialect."""

from __future__ import annotations

import functools

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.quizzes.models import AttemptAnswer


@functools.cache
def upsert_answers_stmt(dialect: str):
    """The answers' upsert, built once per process and dialect: executed with a list of rows it
    is one executemany (sent as one multi-row INSERT), compiled once, where a statement built with
    ``.values(rows)`` was compiled anew for each request (40 rows: more than the rest of the
    request)."""
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = builder(AttemptAnswer)
    newer = or_(
        stmt.excluded.client_seq.is_(None),
        AttemptAnswer.client_seq.is_(None),
        stmt.excluded.client_seq >= AttemptAnswer.client_seq,
    )
    return stmt.on_conflict_do_update(
        index_elements=[AttemptAnswer.attempt_question_id],
        set_={
            "response": stmt.excluded.response,
            "client_seq": stmt.excluded.client_seq,
            "revision": AttemptAnswer.revision + 1,
            "saved_at": stmt.excluded.saved_at,
        },
        where=newer,
    ).returning(AttemptAnswer.attempt_question_id, AttemptAnswer.revision, AttemptAnswer.saved_at)
