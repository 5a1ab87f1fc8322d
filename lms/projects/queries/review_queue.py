"""The review queue's read-models and statements: a reviewer's queue counted per angkatan, stage
and state, one page of it as plain rows, the two in one statement, the badge's count, and the
next item to open. The statements are built once per process (``functools.cache``); the queue's
rule itself is ``permissions.queue_statement``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, null, select, union_all

from lms.accounts.models import User
from lms.courses.models import Angkatan
from lms.extensions import db
from lms.pagination import ItemsPage
from lms.projects import permissions
from lms.projects.models import StageSubmission, SubmissionState


def next_in_queue(reviewer: User, after: StageSubmission | None = None) -> StageSubmission | None:
    """The oldest item still waiting for ``reviewer`` (skipping ``after``)."""
    stmt = permissions.review_queue(reviewer).order_by(StageSubmission.waiting_since, StageSubmission.id)
    if after is not None:
        stmt = stmt.where(StageSubmission.id != after.id)
    return db.session.scalar(stmt.limit(1))


@dataclass(frozen=True)
class QueueGroup:
    """How many items of one angkatan, stage and state wait for a reviewer."""

    angkatan_id: int
    angkatan_name: str
    stage_name: str
    state: SubmissionState
    count: int


@dataclass(frozen=True)
class QueueSummary:
    """A reviewer's queue counted per angkatan, stage and state, from one grouped query: the
    total (the navigation badge), the filter choices and a filtered page's total all come
    from it."""

    groups: tuple[QueueGroup, ...]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    def count(self, angkatan_id: int | None = None, stage_name: str | None = None, state=None) -> int:
        """Items matching the filters (None: any)."""
        return sum(
            g.count
            for g in self.groups
            if (angkatan_id is None or g.angkatan_id == angkatan_id)
            and (stage_name is None or g.stage_name == stage_name)
            and (state is None or g.state == state)
        )

    def angkatan_choices(self) -> list[tuple[int, str]]:
        """Angkatan present in the queue, by name."""
        return sorted({(g.angkatan_id, g.angkatan_name) for g in self.groups}, key=lambda a: (a[1], a[0]))

    def stage_choices(self) -> list[str]:
        """Stage names present in the queue, alphabetical."""
        return sorted({g.stage_name for g in self.groups})


def queue_summary(reviewer: User) -> QueueSummary:
    """What waits for ``reviewer``, counted per angkatan, stage and state (one query)."""
    stmt = _queue_summary_statement(permissions.is_admin(reviewer))
    rows = db.session.execute(stmt, permissions.queue_params(reviewer)).all()
    return QueueSummary(tuple(QueueGroup(*row) for row in rows))


@functools.cache
def _queue_summary_statement(admin: bool):
    # Built once per process (see permissions.queue_statement).
    queue = permissions.queue_statement(admin).subquery()
    return (
        select(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state, func.count())
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
        .group_by(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state)
    )


@dataclass(frozen=True)
class QueueItem:
    """One line of the review queue (plain values: the page needs no ORM objects)."""

    id: int
    state: SubmissionState
    current_version_no: int
    waiting_since: datetime | None
    stage_name: str
    project_title: str
    participant_name: str
    angkatan_name: str


def queue_page(
    reviewer: User,
    angkatan_id=None,
    stage_name=None,
    state=None,
    page=1,
    per_page=25,
    summary: QueueSummary | None = None,
) -> ItemsPage:
    """One page of the reviewer's queue, oldest first, as plain rows with what the page shows
    (one query; the total comes from ``summary``, counted once for the whole page)."""
    summary = summary if summary is not None else queue_summary(reviewer)
    page = page if isinstance(page, int) and page > 0 else 1
    per_page = per_page if per_page > 0 else 25
    total = summary.count(angkatan_id or None, stage_name or None, state or None)
    if (page - 1) * per_page >= total:
        return ItemsPage([], page, per_page, total)
    stmt = _queue_page_statement(
        permissions.is_admin(reviewer), bool(angkatan_id), bool(stage_name), bool(state)
    )
    params = permissions.queue_params(reviewer) | {
        "angkatan_id": angkatan_id,
        "stage_name": stage_name,
        "state": state,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    rows = db.session.execute(stmt, params).all()
    return ItemsPage([QueueItem(*row) for row in rows], page, per_page, total)


@functools.cache
def _queue_page_statement(admin: bool, by_angkatan: bool, by_stage: bool, by_state: bool):
    # Built once per process and filter combination (see permissions.queue_statement).
    queue = permissions.queue_statement(admin).subquery()
    stmt = (
        select(
            queue.c.id,
            queue.c.state,
            queue.c.current_version_no,
            queue.c.waiting_since,
            queue.c.stage_name,
            queue.c.project_title,
            User.full_name,
            Angkatan.name,
        )
        .join(User, User.id == queue.c.user_id)
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
    )
    return _filtered_page(stmt, queue, by_angkatan, by_stage, by_state)


def _filtered_page(stmt, queue, by_angkatan: bool, by_stage: bool, by_state: bool):
    """``stmt`` over the queue ``queue`` with the asked filters as bound parameters, oldest
    first, one page (``:limit``, ``:offset``)."""
    if by_angkatan:
        stmt = stmt.where(queue.c.angkatan_id == bindparam("angkatan_id", type_=Integer))
    if by_stage:
        stmt = stmt.where(queue.c.stage_name == bindparam("stage_name", type_=String))
    if by_state:
        stmt = stmt.where(queue.c.state == bindparam("state"))
    return (
        stmt.order_by(queue.c.waiting_since, queue.c.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def queue_overview(
    reviewer: User,
    angkatan_id=None,
    stage_name=None,
    state=None,
    page=1,
    per_page=25,
) -> tuple[QueueSummary, ItemsPage]:
    """:func:`queue_summary` and :func:`queue_page` in one statement: the queue (a UNION of
    the reviewer's relations) is written once as a common table expression that both the
    grouped counts and the page's rows read, so that PostgreSQL plans and runs it once (planning
    the UNION costs it more than running it). A ``stage_name`` not in the queue matches nothing;
    the caller that ignores such a filter asks again without it.

    An admin's queue (every waiting submission) is the exception: it is one plain query, cheap
    to plan, and a page of it is best read through the index in ``waiting_since`` order with
    LIMIT, which the shared (materialised) expression prevents (12 against 5 ms on the scale
    data); it keeps the two statements."""
    if permissions.is_admin(reviewer):
        summary = queue_summary(reviewer)
        return summary, queue_page(reviewer, angkatan_id, stage_name, state, page, per_page, summary)
    page = page if isinstance(page, int) and page > 0 else 1
    per_page = per_page if per_page > 0 else 25
    stmt = _queue_overview_statement(bool(angkatan_id), bool(stage_name), bool(state))
    params = permissions.queue_params(reviewer) | {
        "angkatan_id": angkatan_id,
        "stage_name": stage_name,
        "state": state,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    groups, items = [], []
    # On the session's connection: plain rows without the ORM's execution path (which would
    # autoflush: flush instead; nothing to do on a page view).
    db.session.flush()
    for kind, *row in db.session.connection().execute(stmt, params):
        if kind == 0:  # (id, state, version, waiting_since, stage, title, name, angkatan id and name, n)
            groups.append(QueueGroup(row[7], row[8], row[4], row[1], int(row[9])))
        else:
            items.append(QueueItem(*row[:6], row[6], row[8]))
    summary = QueueSummary(tuple(groups))
    total = summary.count(angkatan_id or None, stage_name or None, state or None)
    return summary, ItemsPage(items, page, per_page, total)


@functools.cache
def _queue_overview_statement(by_angkatan: bool, by_stage: bool, by_state: bool):
    # Built once per process and filter combination (see permissions.queue_statement).
    queue = permissions.queue_statement(False).cte("review_queue")
    rows = (
        select(
            literal_column("1", Integer).label("kind"),
            queue.c.id,
            queue.c.state,
            queue.c.current_version_no,
            queue.c.waiting_since,
            queue.c.stage_name,
            queue.c.project_title,
            User.full_name,
            queue.c.angkatan_id,
            Angkatan.name.label("angkatan_name"),
            cast(null(), Integer).label("n"),
        )
        .join(User, User.id == queue.c.user_id)
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
    )
    rows = _filtered_page(rows, queue, by_angkatan, by_stage, by_state).subquery("page_rows")
    groups = (
        select(
            literal_column("0", Integer),
            cast(null(), Integer),
            queue.c.state,
            cast(null(), Integer),
            null(),
            queue.c.stage_name,
            cast(null(), String),
            cast(null(), String),
            queue.c.angkatan_id,
            Angkatan.name,
            func.count(),
        )
        .join(Angkatan, Angkatan.id == queue.c.angkatan_id)
        .group_by(queue.c.angkatan_id, Angkatan.name, queue.c.stage_name, queue.c.state)
    )
    # The page's rows come first (their columns give the result types); the final ORDER BY
    # keeps them in the page's order, as the subquery's own ORDER BY need not survive a UNION.
    both = union_all(select(rows), groups).subquery("overview")
    return select(both).order_by(both.c.kind.desc(), both.c.waiting_since, both.c.id)


def queue_count(reviewer: User) -> int:
    """How many items wait for ``reviewer`` (the badge in the navigation)."""
    stmt = _queue_count_statement(permissions.is_admin(reviewer))
    return db.session.scalar(stmt, permissions.queue_params(reviewer)) or 0


@functools.cache
def _queue_count_statement(admin: bool):
    if admin:
        # Every waiting submission: the joins of the queue add nothing to a count (its foreign
        # keys are NOT NULL and enforced) and cost 3 ms on PostgreSQL on every admin page.
        return select(func.count()).where(permissions.is_waiting())
    return select(func.count()).select_from(permissions.queue_statement(admin).subquery())
