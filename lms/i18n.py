"""Template gettext that resolves the request's translations once, not on every string.

Flask-Babel installs Jinja callables that call ``get_translations()`` for each ``_()`` in a
template; that walks the request context three times per string (about 20 µs), and a page with a
hundred strings pays for it a hundred times. These callables keep the resolved catalogue in
Flask-Babel's own per-request slot (``g._flask_babel.babel_translations``), which
``flask_babel.refresh()`` and ``force_locale()`` clear or replace, so a language switch within a
request still takes effect. Nothing is kept between requests.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

from babel import Locale, dates
from flask import Flask
from flask.globals import _cv_app  # Flask 3.x; pinned in requirements.txt
from flask_babel import get_locale, get_timezone, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def translations():
    """The current request's translations, resolved once per request."""
    # The app context's ``g`` read from Flask's context variable, not through the ``g`` proxy:
    # this runs for every string of every page, and the proxy costs several calls each time.
    ctx = getattr(_cv_app.get().g, "_flask_babel", None)
    if ctx is None:
        return get_translations()  # first use: Flask-Babel creates its per-request slot
    tr = getattr(ctx, "babel_translations", None)
    if tr is None:
        tr = get_translations()
        ctx.babel_translations = tr
    return tr


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    """``_()`` in templates: Jinja's newstyle gettext (escape-aware, always a format string)
    in one call, where the i18n extension's alias goes through three."""
    rv = translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704  (a catalogue string; the variables are escaped by %)
    return rv % variables


def install_template_gettext(app: Flask) -> None:
    """Replace Flask-Babel's Jinja gettext callables with the cached ones (same behaviour)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["_"] = _template_gettext


# --- dates and times ---------------------------------------------------------------------------
#
# Flask-Babel's ``format_datetime`` spends about 75 µs per value: it resolves the locale and the
# time zone, parses the locale, looks up the named formats and combines them on every call. A
# list page with twenty dates paid 1.5 ms for them. The functions below do the lookups once per
# (locale, format) (code and CLDR data, the same in every process) and apply Babel's own
# patterns, so the output is exactly Babel's (tests/test_i18n.py compares them).

_NAMED_FORMATS = ("full", "long", "medium", "short")


@functools.lru_cache(maxsize=64)
def _datetime_patterns(locale_id: str, fmt: str):
    locale = Locale.parse(locale_id)
    if fmt in _NAMED_FORMATS:
        combined = dates.get_datetime_format(fmt, locale=locale).replace("'", "")
        return (
            locale,
            combined,
            dates.parse_pattern(dates.get_time_format(fmt, locale=locale)),
            dates.parse_pattern(dates.get_date_format(fmt, locale=locale)),
        )
    return locale, None, dates.parse_pattern(fmt), None


@functools.lru_cache(maxsize=64)
def _date_pattern(locale_id: str, fmt: str):
    locale = Locale.parse(locale_id)
    if fmt in _NAMED_FORMATS:
        return locale, dates.parse_pattern(dates.get_date_format(fmt, locale=locale))
    return locale, dates.parse_pattern(fmt)


def format_datetime(value: datetime, fmt: str = "medium") -> str:
    """``value`` (UTC; naive means UTC) in the request's time zone and language, as Flask-Babel's
    ``format_datetime`` would write it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    tz = get_timezone()
    value = value.astimezone(tz)
    if hasattr(tz, "normalize"):  # pytz
        value = tz.normalize(value)
    locale, combined, first, date_pattern = _datetime_patterns(str(get_locale()), fmt)
    if combined is None:
        return first.apply(value, locale)
    return combined.replace("{0}", first.apply(value.timetz(), locale, reference_date=value.date())).replace(
        "{1}", date_pattern.apply(value.date(), locale)
    )


def format_date(value: date | datetime, fmt: str = "medium") -> str:
    """A date in the request's language, as Flask-Babel's ``format_date`` would write it
    (a datetime is first taken to the request's time zone, as Flask-Babel does)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(get_timezone()).date()
    locale, pattern = _date_pattern(str(get_locale()), fmt)
    return pattern.apply(value, locale)
