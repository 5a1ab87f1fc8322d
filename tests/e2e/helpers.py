"""Checks every browser test runs on every page it visits, and a login helper.

``check_page(page)`` fails (AssertionError naming each problem) when the page
  (a) has an axe-core violation of impact "serious" or "critical" (rule id, help and nodes listed);
  (b) weighs more than 100 KB: the bytes transferred for the page and everything it loaded;
  (c) scrolls sideways at 360 px viewport width.

How the weight is measured: the ``page`` fixture calls ``track(page)``, which disables the browser
cache (so every page is weighed as on a first visit) and records each request that finishes; a
navigation request of the main frame starts a new list (a redirect's target starts its own).
``check_page`` waits for the network to be idle and sums, over the list, Playwright's
``request.sizes()`` ``responseHeadersSize + responseBodySize`` (the body size as sent, i.e. encoded).
Requests that fail are not counted. axe-core is injected by evaluation, not loaded, so it weighs
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # conftest skips (or fails under CI) before any test gets here
    Axe = None

MAX_PAGE_BYTES = 100 * 1024
NARROW_WIDTH = 360
NARROW_HEIGHT = 800
BLOCKING_IMPACTS = ("serious", "critical")
LOGIN_LABEL = "NIP, nama pengguna, atau email"
PASSWORD_LABEL = "Kata sandi"
LOGIN_BUTTON = "Masuk"


@dataclass
class _Tracker:
    """Requests finished since the main frame's last navigation request."""

    finished: list = field(default_factory=list)
    navigations: int = 0


_trackers: dict[int, _Tracker] = {}


def track(page) -> None:
    """Start weighing ``page`` (the ``page`` fixture does this)."""
    tracker = _Tracker()
    _trackers[id(page)] = tracker
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def on_request(request):
        if request.is_navigation_request() and request.frame == page.main_frame:
            tracker.finished = []
            tracker.navigations += 1

    page.on("request", on_request)
    page.on("requestfinished", lambda request: tracker.finished.append(request))


def untrack(page) -> None:
    _trackers.pop(id(page), None)


def page_weight(page) -> tuple[int, list[tuple[str, int]]]:
    """Bytes transferred for the current page and what it loaded, and the per-URL breakdown."""
    tracker = _trackers.get(id(page))
    if tracker is None:
        raise RuntimeError("check_page needs the page from the e2e 'page' fixture (it is not tracked)")
    page.wait_for_load_state("networkidle")
    rows = []
    for request in list(tracker.finished):
        sizes = request.sizes()
        rows.append((request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"]))
    return sum(size for _url, size in rows), rows


def axe_violations(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def _format_violation(v: dict) -> str:
    lines = [f"  axe {v['impact']}: {v['id']}: {v['help']} ({v.get('helpUrl', '')})"]
    for node in v.get("nodes", [])[:10]:
        lines.append(f"    at {node.get('target')}: {(node.get('failureSummary') or '').strip()}")
        lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


def narrow_scroll_width(page) -> int:
    """The document's scroll width at 360 px viewport width (the viewport is restored afterwards)."""
    previous = page.viewport_size
    page.set_viewport_size({"width": NARROW_WIDTH, "height": NARROW_HEIGHT})
    try:
        return page.evaluate("document.documentElement.scrollWidth")
    finally:
        if previous:
            page.set_viewport_size(previous)


def check_page(page) -> None:
    """Fail on serious/critical axe violations, more than 100 KB transferred, or sideways scroll at 360 px."""
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(
            f"{len(violations)} axe-core violation(s) of impact serious/critical:\n"
            + "\n".join(_format_violation(v) for v in violations)
        )
    total, rows = page_weight(page)
    if total > MAX_PAGE_BYTES:
        detail = "\n".join(f"    {size:>8} B  {url}" for url, size in sorted(rows, key=lambda r: -r[1]))
        problems.append(f"page weight {total} B > {MAX_PAGE_BYTES} B:\n{detail}")
    width = narrow_scroll_width(page)
    if width > NARROW_WIDTH:
        problems.append(
            f"horizontal scroll at {NARROW_WIDTH} px: document.documentElement.scrollWidth is {width}"
        )
    if problems:
        raise AssertionError(f"check_page failed for {page.url}:\n" + "\n".join(problems))


def login(page, live_server, username: str, password: str) -> None:
    """Log in through the form (checking the login page) and wait for the home page."""
    page.goto(f"{live_server.url}/login")
    check_page(page)
    page.get_by_label(LOGIN_LABEL, exact=True).fill(username)
    page.get_by_label(PASSWORD_LABEL, exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=LOGIN_BUTTON, exact=True).click()
    home = f"{live_server.url}/"
    if page.url != home:
        errors = page.locator(".error").all_inner_texts()
        raise AssertionError(f"login as {username!r} did not reach {home} but {page.url}: {errors}")
