"""The JP ledger itself: which calendar year a moment counts in (``local_year``),
writing one ledger line once (:func:`credit_jp`), taking it back (:func:`revoke_jp`), and a
person's total for a year (:func:`jp_total`).

JP per calendar year comes from ``JpRecord`` rows: courses and programs write theirs when they
are completed; a verified external training writes the ``external`` ones. A year is the calendar
year in the person's own time zone (WIB, WITA or WIT): ``local_year(at, timezone)`` is the
one of ``lms.timezones`` (2025-12-31 16:30 UTC is still 2025 in WIB, 23:30, but already 2026 in
WITA, 00:30, and WIT, 01:30).
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.extensions import db
from lms.jp.models import JpRecord, JpSource
from lms.models_base import utcnow
from lms.timezones import local_year, to_local

SOURCE_LABELS = {
    JpSource.COURSE: _l("Kursus"),
    JpSource.PROGRAM: _l("Program pelatihan"),
    JpSource.EXTERNAL: _l("Pelatihan eksternal"),
}


def source_label(source: JpSource | str) -> str:
    """Where a JP record came from, in Bahasa Indonesia."""
    return str(SOURCE_LABELS.get(JpSource(source), source))


def current_year(user: User, now: datetime | None = None) -> int:
    """This calendar year where the person lives."""
    return local_year(now or utcnow(), user.timezone)


def local_date(at: datetime, timezone: str | None) -> date:
    """The date of the moment ``at`` in the person's zone."""
    return to_local(at, timezone).date()


def credit_jp(
    user: User, source: JpSource, source_id: int, title: str, jp: int, at: datetime | None = None
) -> bool:
    """Write one line of the JP ledger, once. Returns False when it was already there.

    The unique constraint (user, source, source_id) decides under concurrency; the insert runs in
    a savepoint so a lost race leaves the caller's transaction usable. ``at`` (default: now) is
    when the JP was earned; its year in the person's zone is the year it counts in.
    """
    at = at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(
                JpRecord(
                    user_id=user.id,
                    source=source,
                    source_id=source_id,
                    title=title[:255],
                    jp=jp,
                    year=local_year(at, user.timezone),
                    earned_at=at,
                )
            )
    except IntegrityError:
        return False
    return True


def revoke_jp(user_id: int, source: JpSource, source_id: int) -> bool:
    """Take back the ledger line that ``credit_jp`` wrote for this source (for example a program's
    JP after a passing outcome is withdrawn). Returns True when there was one to remove."""
    result = db.session.execute(
        JpRecord.__table__.delete().where(
            JpRecord.user_id == user_id,
            JpRecord.source == source,
            JpRecord.source_id == source_id,
        )
    )
    return bool(result.rowcount)


@functools.cache
def _total_statement():
    # Built once per process, with bound parameters.
    return select(func.coalesce(func.sum(JpRecord.jp), 0)).where(
        JpRecord.user_id == bindparam("user_id", type_=Integer),
        JpRecord.year == bindparam("year", type_=Integer),
    )


def jp_total(user: User, year: int) -> int:
    """JP a person earned in a calendar year, from all sources (one query, read on the session's
    connection after flushing pending changes, as the ORM would)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    row = session.connection().execute(_total_statement(), {"user_id": user.id, "year": year})
    return int(row.scalar() or 0)
