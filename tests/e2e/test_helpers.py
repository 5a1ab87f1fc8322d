"""The browser checks can fail: bad pages served by the live server make check_page raise."""

from __future__ import annotations

import pytest
from flask import Response

from tests.e2e.helpers import MAX_PAGE_BYTES, check_page, page_weight

pytestmark = pytest.mark.e2e

HEAD = '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Uji</title></head>'


def _html(body: str) -> Response:
    return Response(f"{HEAD}<body><main><h1>Uji</h1>{body}</main></body></html>", mimetype="text/html")


def _add_bad_routes(app) -> None:
    app.add_url_rule(
        "/_uji/tanpa-label", "uji_tanpa_label", lambda: _html('<form><input type="text" name="q"></form>')
    )
    app.add_url_rule("/_uji/berat", "uji_berat", lambda: _html("<p>" + "kata " * (24 * 1024) + "</p>"))
    app.add_url_rule(
        "/_uji/lebar", "uji_lebar", lambda: _html('<svg width="600" height="20" aria-hidden="true"></svg>')
    )
    app.add_url_rule("/_uji/baik", "uji_baik", lambda: _html("<p>Halaman kecil yang baik.</p>"))


@pytest.fixture
def bad_server(live_server):
    _add_bad_routes(live_server.app)  # before the server's first request
    return live_server


def test_unlabeled_input_fails_axe(bad_server, page):
    page.goto(f"{bad_server.url}/_uji/tanpa-label")
    with pytest.raises(AssertionError, match=r"axe critical: label:"):
        check_page(page)


def test_heavy_page_fails_weight(bad_server, page):
    page.goto(f"{bad_server.url}/_uji/berat")
    with pytest.raises(AssertionError, match=r"page weight \d+ B > 102400 B") as info:
        check_page(page)
    assert "axe" not in str(info.value)
    assert "horizontal scroll" not in str(info.value)


def test_wide_element_fails_narrow_layout(bad_server, page):
    page.goto(f"{bad_server.url}/_uji/lebar")
    with pytest.raises(AssertionError, match=r"horizontal scroll at 360 px: .* is 6\d\d"):
        check_page(page)
    assert page.viewport_size == {"width": 1280, "height": 800}  # restored


def test_good_page_passes_and_counts_stylesheets(bad_server, page):
    page.goto(f"{bad_server.url}/_uji/baik")
    check_page(page)
    small, _rows = page_weight(page)
    assert 0 < small < 2048

    # A real page: the stylesheet is weighed on every visit (the cache is off), not only the first.
    for _ in range(2):
        page.goto(f"{bad_server.url}/login")
        check_page(page)
        total, rows = page_weight(page)
        css = [size for url, size in rows if url.endswith("/static/css/pelita.css")]
        assert css and css[0] > 1000, rows
        assert any(url.endswith("/login") and size > 1000 for url, size in rows), rows
        assert total < MAX_PAGE_BYTES
