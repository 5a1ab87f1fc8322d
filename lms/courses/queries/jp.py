"""The JP ledger's yearly total for a person, read as one cached statement."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from lms.accounts.models import User
from lms.courses.models import JpRecord
from lms.courses.queries._common import _read

_JP_TOTAL_STMT = select(func.coalesce(func.sum(JpRecord.jp), 0)).where(
    JpRecord.user_id == bindparam("user_id"), JpRecord.year == bindparam("year")
)


def jp_total(user: User, year: int) -> int:
    """JP a person earned in a calendar year (all sources)."""
    return int(_read(_JP_TOTAL_STMT, {"user_id": user.id, "year": year}).scalar() or 0)
