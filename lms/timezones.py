"""Time zones: store UTC, show the user's zone (WIB, WITA or WIT).

One default for the whole installation, from configuration (``BABEL_DEFAULT_TIMEZONE``,
``Asia/Jakarta`` unless set); a user's own zone (``User.timezone``) wins where it is known. An
unknown zone name falls back to the default instead of failing a page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

FALLBACK = "Asia/Jakarta"


def default_name() -> str:
    """The installation's default zone name (configuration, else WIB)."""
    if has_app_context():
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or FALLBACK
    return FALLBACK


def zone(name: str | None = None) -> ZoneInfo:
    """The zone called ``name`` (a user's), else the installation's default."""
    for candidate in (name, default_name(), FALLBACK):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo(FALLBACK)


def now_utc() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_now(name: str | None = None) -> datetime:
    """The current moment in the zone ``name`` (or the default)."""
    return now_utc().astimezone(zone(name))


def local_today(name: str | None = None) -> date:
    """Today's date in the zone ``name`` (or the default)."""
    return local_now(name).date()


def local_year(at: datetime, name: str | None = None) -> int:
    """The calendar year of ``at`` (aware, or naive UTC) in the zone ``name``."""
    return to_local(at, name).year


def to_local(at: datetime, name: str | None = None) -> datetime:
    """``at`` (aware, or naive UTC as SQLite returns it) in the zone ``name``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone(name))


def to_utc(local: datetime | None, name: str | None = None) -> datetime | None:
    """A wall-clock time typed in the zone ``name`` (naive) as an aware UTC moment; an aware
    value is converted as it is."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(name))
    return local.astimezone(UTC)
