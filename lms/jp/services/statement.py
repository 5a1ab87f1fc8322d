"""What a person's ledger shows ("JP Saya"): one year's JP against the target, the records
behind it, the totals of every year and their external trainings; and the CSV of every record."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.jp.models import ExternalTraining, JpRecord
from lms.jp.services.ledger import current_year, local_date, source_label
from lms.jp.services.targets import target_for


@dataclass
class YearTotal:
    year: int
    total: int


@dataclass
class Ledger:
    """What "JP Saya" shows for one year."""

    user: User
    year: int
    this_year: int
    total: int
    target: int | None
    # Rows (id, earned_at, title, source, jp) of the year's JP records, newest first.
    records: list = field(default_factory=list)
    years: list[YearTotal] = field(default_factory=list)
    # Rows (id, title, organizer, end_date, jp, status, review_note), latest 50.
    external: list = field(default_factory=list)

    @property
    def percent(self) -> float:
        if not self.target:
            return 100.0 if self.target == 0 else 0.0
        return min(100.0, 100.0 * self.total / self.target)

    @property
    def reached(self) -> bool:
        return self.target is not None and self.total >= self.target

    @property
    def remaining(self) -> int:
        return max(0, (self.target or 0) - self.total)


def ledger(user: User, year: int | None = None, now: datetime | None = None) -> Ledger:
    """The person's JP for ``year`` (default: this year in their zone), the records behind it,
    the totals of every year, and their external trainings; five queries whatever the size."""
    this_year = current_year(user, now)
    year = year or this_year
    # Plain rows with the columns the pages show, read on the session's connection: no ORM
    # objects (the lists are read-only) and not the ORM's execution path (~90 Python calls per
    # statement). That path would autoflush: flush here instead (nothing to do on a page view).
    db.session.flush()
    conn = db.session.connection()
    records = conn.execute(_records_statement(), {"user_id": user.id, "year": year}).all()
    totals = conn.execute(_year_totals_statement(), {"user_id": user.id}).all()
    years = [YearTotal(int(y), int(t or 0)) for y, t in totals]
    if this_year not in {y.year for y in years}:
        years.insert(0, YearTotal(this_year, 0))
    external = conn.execute(_external_statement(), {"user_id": user.id}).all()
    return Ledger(
        user=user,
        year=year,
        this_year=this_year,
        total=sum(r.jp for r in records),
        target=target_for(user),
        records=records,
        years=years,
        external=external,
    )


@functools.cache
def _records_statement():
    return (
        select(JpRecord.id, JpRecord.earned_at, JpRecord.title, JpRecord.source, JpRecord.jp)
        .where(
            JpRecord.user_id == bindparam("user_id", type_=Integer),
            JpRecord.year == bindparam("year", type_=Integer),
        )
        .order_by(JpRecord.earned_at.desc(), JpRecord.id.desc())
    )


@functools.cache
def _year_totals_statement():
    return (
        select(JpRecord.year, func.sum(JpRecord.jp))
        .where(JpRecord.user_id == bindparam("user_id", type_=Integer))
        .group_by(JpRecord.year)
        .order_by(JpRecord.year.desc())
    )


@functools.cache
def _external_statement():
    return (
        select(
            ExternalTraining.id,
            ExternalTraining.title,
            ExternalTraining.organizer,
            ExternalTraining.end_date,
            ExternalTraining.jp,
            ExternalTraining.status,
            ExternalTraining.review_note,
        )
        .where(ExternalTraining.user_id == bindparam("user_id", type_=Integer))
        .order_by(ExternalTraining.submitted_at.desc())
        .limit(50)
    )


def ledger_export(user: User) -> tuple[list[str], list[list]]:
    """Every JP record of a person, for CSV (year, date in their zone, title, source, JP)."""
    records = db.session.scalars(
        select(JpRecord).where(JpRecord.user_id == user.id).order_by(JpRecord.year.desc(), JpRecord.earned_at)
    )
    columns = [_("Tahun"), _("Tanggal"), _("Kegiatan"), _("Sumber"), _("JP")]
    rows = [
        [r.year, local_date(r.earned_at, user.timezone), r.title, source_label(r.source), r.jp]
        for r in records
    ]
    return columns, rows
