"""Browser-test fixtures: a live Pelita server in a thread and a Playwright page in Debian's Chromium.

- ``live_server``: the app (built with the suite's ``make_app``, so it uses the test database and its
  tables are emptied after the test) served by werkzeug on 127.0.0.1 and a free port, CSRF on, rate
  limits off. ``.url`` is the base URL, ``.app`` the Flask app (seed with ``live_server.app.app_context()``).
  The translation catalogs are compiled into a temporary folder for it (no build step needed).
- ``page``: a Playwright page (sync API) in headless Chromium; one browser per session, a new context
  per test. The browser cache is disabled so ``check_page`` weighs every page as a first visit.

Playwright's own browser download does not work here, so the fixtures drive ``/usr/bin/chromium``.
Without Chromium (or the ``playwright`` package) the browser tests are skipped with a message, except
when ``CI=true``: then they fail, so a CI run never passes by skipping them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from lms.config import ROOT
from tests.e2e import helpers

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the skip/fail message below says what to install
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in tests/e2e is a browser test, marked or not."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _missing_browser() -> str | None:
    if sync_playwright is None:
        return (
            "Paket Python 'playwright' tidak terpasang: pip install -r requirements-dev.txt "
            "(the playwright package is missing)"
        )
    if not os.path.exists(CHROMIUM):
        return (
            f"Chromium tidak terpasang: apt-get install chromium ({CHROMIUM} is missing; "
            "browser tests need Debian's Chromium)"
        )
    return None


@pytest.fixture(scope="session")
def _playwright_browser():
    """One headless Chromium for the whole session."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, browser tests must run: {missing}", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(_playwright_browser):
    """A fresh browser context and page, in Indonesian, tracked for ``helpers.check_page``."""
    context = _playwright_browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    helpers.track(pg)
    try:
        yield pg
    finally:
        helpers.untrack(pg)
        context.close()


@dataclass
class LiveServer:
    """A running Pelita server for browser tests."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread


@pytest.fixture(scope="session")
def _compiled_translations(tmp_path_factory) -> str:
    """The catalogs compiled into a temporary folder, so browser tests need no prior build step."""
    folder = tmp_path_factory.mktemp("translations")
    for po in (ROOT / "lms" / "translations").glob("*/LC_MESSAGES/messages.po"):
        target = folder / po.parent.relative_to(po.parents[2])
        target.mkdir(parents=True)
        with po.open("rb") as src, (target / "messages.mo").open("wb") as dst:
            write_mo(dst, read_po(src))
    return str(folder)


@pytest.fixture
def live_server(make_app, _compiled_translations) -> Iterator[LiveServer]:
    """Serve a test app on 127.0.0.1:<free port> in a background thread (CSRF on, rate limits off).

    Routes may be added to ``live_server.app`` by a test before its first request."""
    app = make_app(
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
        BABEL_TRANSLATION_DIRECTORIES=_compiled_translations,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    # The suite's default SERVER_NAME is "localhost"; external URLs must name this server.
    app.config["SERVER_NAME"] = f"127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{port}", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{port}", server=server, thread=thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
