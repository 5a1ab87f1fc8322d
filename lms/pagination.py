"""The page objects the ``pager`` macro renders: the attributes of Flask-SQLAlchemy's
``Pagination`` (``items``, ``page``, ``pages``, ``total``, prev/next), for every way a list page
is cut: a page a query built itself (:class:`ItemsPage`), rows already in memory
(:class:`RowsPage`), multi-column statements (:class:`RowPagination`, :func:`paginate_rows`) and a
service's fetch/total pair (:class:`ListPagination`)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from lms.extensions import db


class PagerNavigation:
    """``has_prev``/``prev_num``/``has_next``/``next_num`` of an object with ``page`` and
    ``pages``."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


@dataclass
class ItemsPage(PagerNavigation):
    """One page that a query fetched itself (the catalogue's cards, a reviewer's queue): its
    ``items``, ``page``, ``per_page`` and the ``total`` of all pages (no pages when it is 0)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    def __iter__(self):
        return iter(self.items)


# Pagination of rows already in memory (dashboard panels, results tables).
@dataclass
class RowsPage(PagerNavigation):
    """One page of ``rows``: ``items``, ``page``, ``pages``, ``total`` and prev/next helpers.

    With ``total_rows`` set, ``rows`` already is this page's window (fetched with LIMIT/OFFSET
    by the caller) and ``total_rows`` the number of rows in all."""

    rows: list
    page: int = 1
    per_page: int = 50
    total_rows: int | None = None

    def __post_init__(self) -> None:
        self.page = max(1, min(self.page, self.pages))

    @property
    def total(self) -> int:
        return len(self.rows) if self.total_rows is None else self.total_rows

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def items(self) -> list:
        if self.total_rows is not None:
            return self.rows
        start = (self.page - 1) * self.per_page
        return self.rows[start : start + self.per_page]

    @property
    def first(self) -> int:
        """1-based index of the first item on this page (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0


class RowPagination(Pagination):
    """Pagination of multi-column statements: items are rows, not only the first column."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(stmt).all())

    def _query_count(self) -> int:
        sub = self._query_args["select"].order_by(None).subquery()
        return self._query_args["session"].execute(select(func.count()).select_from(sub)).scalar() or 0


def paginate_rows(stmt, per_page: int | None = None) -> RowPagination:
    """Paginate ``stmt`` (the page number comes from ``?page=``)."""
    return RowPagination(
        select=stmt,
        session=db.session(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )


class ListPagination(Pagination):
    """Pagination through a service's ``fetch(limit, offset)`` and ``total()`` (statements built once
    per process). The count query runs only when the page does not tell the total already: a
    page shorter than ``per_page`` with rows (or page 1 without any) is the last one."""

    def _query_items(self) -> list:
        return self._query_args["fetch"](self.per_page, self._query_offset)

    def _query_count(self) -> int:
        if (0 < len(self.items) < self.per_page) or (self.page == 1 and not self.items):
            return self._query_offset + len(self.items)
        return self._query_args["total"]()
