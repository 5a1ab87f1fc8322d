"""The catalogue page's read-model: one cached statement per filter combination for a page of
course cards, and the per-process cache of each course's lesson count."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Row, Select, and_, bindparam, exists, func, or_, select

from lms.accounts.models import User
from lms.courses import permissions
from lms.courses.models import Angkatan, Course, CourseStatus, Lesson, Module, Program
from lms.courses.queries._common import _read
from lms.pagination import ItemsPage
from lms.timezones import local_today

JP_BANDS = {"1-10": (1, 10), "11-40": (11, 40), "41+": (41, None)}


def _open_angkatan_clause(today, course_id_col=None, program_id_col=None):
    """SQL condition on ``Course``: an angkatan covering it takes self-enrolment now.
    ``course_id_col``/``program_id_col``: the course's columns in another FROM (by default
    those of ``Course``)."""
    course_id_col = Course.id if course_id_col is None else course_id_col
    program_id_col = Course.program_id if program_id_col is None else program_id_col
    return exists(
        select(Angkatan.id).where(
            Angkatan.enrolment_open.is_(True),
            or_(Angkatan.end_date.is_(None), Angkatan.end_date >= today),
            or_(
                Angkatan.course_id == course_id_col,
                and_(program_id_col.is_not(None), Angkatan.program_id == program_id_col),
            ),
        )
    )


_PROGRAM_CHOICES_STMT = select(Program.id, Program.name).order_by(Program.name, Program.id)


def program_choices() -> list[Row]:
    """(id, name) of every program, by name: the catalogue's program filter (plain rows)."""
    return list(_read(_PROGRAM_CHOICES_STMT, {}))


@functools.cache
def _catalogue_stmt(
    author: bool, search: bool, program: bool, jp_band: str | None, open_only: bool
) -> Select:
    """The catalogue's page statement for one combination of filters, built once per process
    (bound parameters: ``user_id``, ``today``, ``like``, ``program_id``, ``limit``, ``offset``).

    One statement reads the page's courses as plain rows with what a card shows: an inner select
    filters, counts every match (``count(*) OVER ()``) and cuts the page; the outer one adds, for
    the page's rows only, the program's code, "self-enrolment open" and "already enrolled". The
    number of lessons comes from :func:`_lesson_counts` (cached per course version)."""
    stmt = select(
        Course.id,
        Course.program_id,
        Course.slug,
        Course.title,
        Course.summary,
        Course.jp,
        Course.cover_key,
        Course.status,
        Course.updated_at,
        func.count().over().label("total"),
    )
    if not author:
        stmt = stmt.where(Course.status == CourseStatus.PUBLISHED)
    if search:
        like = bindparam("like")
        stmt = stmt.where(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    if program:
        stmt = stmt.where(Course.program_id == bindparam("program_id"))
    if jp_band in JP_BANDS:
        low, high = JP_BANDS[jp_band]
        stmt = stmt.where(Course.jp >= low)
        if high is not None:
            stmt = stmt.where(Course.jp <= high)
    if open_only:
        stmt = stmt.where(_open_angkatan_clause(bindparam("today")))
    page = (
        stmt.order_by(Course.title, Course.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    return (
        select(
            page,
            Program.code.label("program_code"),
            _open_angkatan_clause(bindparam("today"), page.c.id, page.c.program_id).label("open_enrolment"),
            permissions.enrolled_in_course_clause(bindparam("user_id"), page.c.id, page.c.program_id).label(
                "enrolled"
            ),
        )
        .outerjoin(Program, Program.id == page.c.program_id)
        .order_by(page.c.title, page.c.id)
    )


class CatalogueCard(NamedTuple):
    """A course's card in the catalogue."""

    id: int
    program_id: int | None
    slug: str
    title: str
    summary: str
    jp: int
    cover_key: str | None
    status: CourseStatus
    updated_at: datetime
    total: int
    program_code: str | None
    open_enrolment: bool
    enrolled: bool
    lessons: int


_LESSON_COUNTS_STMT = (
    select(Module.course_id, func.count(Lesson.id))
    .join(Lesson, Lesson.module_id == Module.id)
    .where(Module.course_id.in_(bindparam("ids", expanding=True)), Module.published.is_(True))
    .group_by(Module.course_id)
)
# Lessons in published modules by (course id, updated_at): the stamp moves with every change of
# the course's modules and lessons (see lms.courses.models.touch_courses). Bounded.
_LESSON_COUNTS: dict[tuple, int] = {}
LESSON_COUNTS_MAX = 4096


def _lesson_counts(rows) -> dict[int, int]:
    """The number of lessons in published modules of each course row (id, updated_at): cached
    per process and course version; the missing ones in one query."""
    counts: dict[int, int] = {}
    missing: dict[int, tuple] = {}
    for row in rows:
        key = (row.id, row.updated_at)
        n = _LESSON_COUNTS.get(key)
        if n is None:
            missing[row.id] = key
        else:
            counts[row.id] = n
    if missing:
        found = dict(_read(_LESSON_COUNTS_STMT, {"ids": list(missing)}).all())
        if len(_LESSON_COUNTS) + len(missing) > LESSON_COUNTS_MAX:
            _LESSON_COUNTS.clear()
        for course_id, key in missing.items():
            counts[course_id] = _LESSON_COUNTS[key] = found.get(course_id, 0)
    return counts


def catalogue_page(
    user: User,
    q: str | None = None,
    program_id: int | None = None,
    jp_band: str | None = None,
    open_only: bool = False,
    page: int = 1,
    per_page: int = 25,
    today: date | None = None,
) -> ItemsPage:
    """A page of the courses ``user`` may find in the catalogue (published ones; authors also
    see drafts) matching a search, a program, a JP band and "self-enrolment open", by title,
    with each card's facts: one query whatever the number of courses, lessons or learners (plus
    one for the lesson counts of courses not seen in this version yet, and one to count the
    matches when asked for a page past the last)."""
    today = today or local_today(getattr(user, "timezone", None))
    search = bool(q and q.strip())
    band = jp_band if jp_band in JP_BANDS else None
    stmt = _catalogue_stmt(permissions.can_author(user), search, bool(program_id), band, open_only)
    page = max(page, 1)
    params = {"user_id": user.id, "today": today, "limit": per_page, "offset": (page - 1) * per_page}
    if search:
        params["like"] = f"%{q.strip().lower()}%"
    if program_id:
        params["program_id"] = program_id
    rows = _read(stmt, params).all()
    counts = _lesson_counts(rows)
    items = [
        CatalogueCard(*row[:-2], bool(row.open_enrolment), bool(row.enrolled), counts[row.id]) for row in rows
    ]
    if items:
        total = items[0].total
    elif page == 1:
        total = 0
    else:  # past the last page: the first row counts the matches (the page shows none)
        first = _read(stmt, params | {"limit": 1, "offset": 0}).first()
        total = first.total if first is not None else 0
    return ItemsPage(items=items, page=page, per_page=per_page, total=total)
