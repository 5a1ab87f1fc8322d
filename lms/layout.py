"""The page layout's fixed parts, rendered once per process and reused.

The main navigation's links depend only on the language, the URL root and two role flags (admin,
pimpinan): the same markup for every admin reading Indonesian, in every process. Rendering it
costs about twenty ``url_for`` and ``_()`` calls per page, so it is rendered once per key and
kept (a handful of keys; code and configuration, not data, so every process and host builds the
same). The parts that change per user or per request (the review and notification badges, the
CSRF token of the logout form, the language links back to the current page) stay in
``layouts/base.html``.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from lms.accounts.permissions import is_admin

_NAV_CACHE: dict[tuple, Markup] = {}


def nav_links() -> Markup:
    """The navigation's fixed ``<li>`` items for the current user's language and roles."""
    admin, pimpinan = is_admin(current_user), current_user.has_role("pimpinan")
    key = (str(get_locale()), request.script_root, admin, pimpinan)
    html = _NAV_CACHE.get(key)
    if html is None:
        # Output of an autoescaping template: already safe markup.
        rendered = render_template("layouts/_nav_links.html", admin=admin, pimpinan=pimpinan)
        html = Markup(rendered)  # noqa: S704
        _NAV_CACHE[key] = html
    return html


def register(app: Flask) -> None:
    app.add_template_global(nav_links, "nav_links")
    # The one admin test (lms.accounts.permissions), for templates: ``is_admin(current_user)``.
    app.add_template_global(is_admin, "is_admin")
