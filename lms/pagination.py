"""What the ``pager`` macro reads besides ``page`` and ``pages`` (the attributes of
Flask-SQLAlchemy's ``Pagination``), for pages a service builds itself."""

from __future__ import annotations


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
