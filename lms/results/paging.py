"""Pagination of rows already in memory (dashboard panels, results tables), with the same
attributes as Flask-SQLAlchemy's pagination so the ``pager`` macro renders it."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from lms.pagination import PagerNavigation


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
