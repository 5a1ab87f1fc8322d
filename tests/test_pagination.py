"""The page objects of ``lms.pagination`` that the ``pager`` macro renders: page bounds,
previous/next, and an empty list."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.pagination import ItemsPage, ListPagination, RowsPage, paginate_rows
from tests.factories import make_user


def _nav(page) -> tuple:
    return page.has_prev, page.prev_num, page.has_next, page.next_num


# ItemsPage: a page a query fetched itself (catalogue, review queue).
def test_items_page_counts_pages_and_links_its_neighbours():
    first = ItemsPage(items=[1, 2], page=1, per_page=2, total=5)
    assert first.pages == 3
    assert _nav(first) == (False, None, True, 2)
    middle = ItemsPage(items=[3, 4], page=2, per_page=2, total=5)
    assert _nav(middle) == (True, 1, True, 3)
    last = ItemsPage(items=[5], page=3, per_page=2, total=5)
    assert _nav(last) == (True, 2, False, None)
    assert list(last) == [5]  # iterates over its items


def test_items_page_of_an_exact_multiple_has_no_extra_page():
    assert ItemsPage(items=[1, 2], page=2, per_page=2, total=4).pages == 2
    assert ItemsPage(items=[1], page=1, per_page=25, total=1).pages == 1


def test_an_empty_items_page_has_no_pages_and_no_links():
    page = ItemsPage(items=[], page=1, per_page=25, total=0)
    assert page.pages == 0 and list(page) == []
    assert _nav(page) == (False, None, False, None)


def test_an_items_page_past_the_end_links_back_only():
    page = ItemsPage(items=[], page=9, per_page=10, total=15)
    assert page.pages == 2
    assert _nav(page) == (True, 8, False, None)


# RowsPage: rows already in memory (results tables, dashboard panels).
def test_rows_page_cuts_the_rows_and_clamps_the_page_number():
    rows = list(range(1, 8))
    page = RowsPage(rows, page=2, per_page=3)
    assert page.items == [4, 5, 6] and page.total == 7 and page.pages == 3 and page.first == 4
    assert _nav(page) == (True, 1, True, 3)
    assert RowsPage(rows, page=99, per_page=3).page == 3  # past the end: the last page
    assert RowsPage(rows, page=99, per_page=3).items == [7]
    assert RowsPage(rows, page=0, per_page=3).page == 1  # before the start: the first page
    assert _nav(RowsPage(rows, page=1, per_page=3)) == (False, None, True, 2)
    assert _nav(RowsPage(rows, page=3, per_page=3)) == (True, 2, False, None)


def test_rows_page_with_a_fetched_window_keeps_its_rows():
    page = RowsPage(["k", "l"], page=2, per_page=10, total_rows=12)
    assert page.items == ["k", "l"] and page.total == 12 and page.pages == 2 and page.first == 11
    assert _nav(page) == (True, 1, False, None)


def test_an_empty_rows_page_is_one_empty_page():
    page = RowsPage([], page=3, per_page=10)
    assert page.page == 1 and page.pages == 1 and page.items == [] and page.total == 0
    assert page.first == 0
    assert _nav(page) == (False, None, False, None)


# RowPagination and ListPagination: Flask-SQLAlchemy's Pagination over a statement or a service.
def test_paginate_rows_returns_rows_of_the_page_asked_for(app):
    users = [make_user() for _ in range(5)]
    stmt = select(User.id, User.username).where(User.id.in_([u.id for u in users])).order_by(User.id)
    with app.test_request_context("/?page=2"):
        page = paginate_rows(stmt, per_page=2)
        assert page.page == 2 and page.total == 5 and page.pages == 3
        assert [row.id for row in page.items] == [users[2].id, users[3].id]
        assert [row.username for row in page.items] == [users[2].username, users[3].username]
        assert _nav(page) == (True, 1, True, 3)
    with app.test_request_context("/?page=3"):
        last = paginate_rows(stmt, per_page=2)
        assert [row.id for row in last.items] == [users[4].id]
        assert _nav(last) == (True, 2, False, None)


def test_paginate_rows_of_nothing_is_an_empty_page(app):
    with app.test_request_context("/"):
        page = paginate_rows(select(User.id).where(User.id < 0), per_page=2)
        assert page.items == [] and page.total == 0 and page.pages == 0
        assert _nav(page) == (False, None, False, None)


def _list_page(app, url, rows, per_page):
    counted = []

    def total():
        counted.append(True)
        return len(rows)

    with app.test_request_context(url):
        page = ListPagination(
            fetch=lambda limit, offset: rows[offset : offset + limit],
            total=total,
            per_page=per_page,
            error_out=False,
        )
    return page, counted


def test_list_pagination_counts_only_when_the_page_is_full(app):
    rows = list(range(10))
    full, counted = _list_page(app, "/?page=2", rows, 4)
    assert full.items == [4, 5, 6, 7] and full.total == 10 and full.pages == 3 and counted
    assert _nav(full) == (True, 1, True, 3)
    short, counted = _list_page(app, "/?page=3", rows, 4)
    assert short.items == [8, 9] and short.total == 10 and not counted  # the short page tells the total
    assert _nav(short) == (True, 2, False, None)


def test_an_empty_list_pagination_needs_no_count(app):
    page, counted = _list_page(app, "/", [], 4)
    assert page.items == [] and page.total == 0 and page.pages == 0 and not counted
    assert _nav(page) == (False, None, False, None)
