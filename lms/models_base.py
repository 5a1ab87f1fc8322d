"""Small helpers shared by every feature's models: UTC timestamps, a timezone-aware column,
the column mixins most tables repeat (optimistic-lock version, created/updated timestamps) and
the one-line ``__repr__``, constants written into a statement's text, and the one shape of a state
machine's transition table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, Enum, Integer, bindparam
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

S = TypeVar("S")
E = TypeVar("E")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones; this keeps both databases returning aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.models_base.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls, name: str, length: int = 30):
    """A portable enum column that stores the members' values (not their names) as VARCHAR
    with a CHECK constraint, so adding a state is a small, reviewable migration."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=length,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
    )


# --- column mixins ------------------------------------------------------------------------------
# Declarative mixins for the columns most tables repeat. They produce exactly the columns the
# tables had written out (same names, types, defaults, nullability): the migrations do not move.


class Versioned:
    """Optimistic locking: a ``version`` counter SQLAlchemy checks and bumps on every UPDATE, so a
    stale edit raises StaleDataError (see lms.errors.stale_guard)."""

    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class CreatedAt:
    """When the row was written (UTC)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UpdatedAt:
    """When the row last changed (UTC), kept current on every UPDATE."""

    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Timestamps(CreatedAt, UpdatedAt):
    """``created_at`` and ``updated_at`` together."""


class Repr:
    """A ``__repr__`` from one format string applied to the row: ``__repr_format__ = "{0.id}
    {0.name!r}"`` on Lesson gives ``<Lesson 3 'Etika'>`` (the class name first)."""

    __repr_format__ = "{0.id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__repr_format__.format(self)}>"


def inline(value, type_=None, expanding: bool = False):
    """``value`` (a list for ``IN``, with ``expanding``) written into the statement's text rather
    than sent as a parameter. For constants (states, roles) in hot statements: PostgreSQL cannot
    see a parameter's value in the generic plan it caches for a prepared statement, so it
    estimates such a condition blindly, and a statement it cannot estimate keeps being planned on
    every run. Also for values whose best plan differs (one angkatan of 490 against one of 20):
    each value then gets its own statement and plan."""
    return bindparam(None, value, type_=type_, expanding=expanding, literal_execute=True)


# --- state machines --------------------------------------------------------------------------
# Every workflow (course and enrolment status, attempts, submissions, certificates, external
# training) has one transition table of one shape, next to its state enum in the feature's
# models: ``{(state, event): next_state}``. The feature's one move function (in services) asks
# :func:`next_state` and raises its own WorkflowError when the answer is None.


def next_state(table: Mapping[tuple[S, E], S], state: S, event: E) -> S | None:
    """The state ``event`` leads to from ``state``, or None when the table forbids it."""
    return table.get((state, event))


def events_from(table: Mapping[tuple[S, E], S], state: S) -> list[E]:
    """The events allowed from ``state``, in the table's order."""
    return [event for (source, event) in table if source == state]


def targets_from(table: Mapping[tuple[S, E], S], state: S) -> set[S]:
    """The states reachable from ``state`` in one move."""
    return {target for (source, _event), target in table.items() if source == state}
