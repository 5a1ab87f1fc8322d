"""lms/timezones.py: one default zone from configuration, the user's zone where known."""

from __future__ import annotations

from datetime import UTC, datetime

from lms import timezones


def test_default_comes_from_configuration(make_app):
    application = make_app(BABEL_DEFAULT_TIMEZONE="Asia/Makassar")
    with application.app_context():
        assert timezones.default_name() == "Asia/Makassar"
        assert str(timezones.zone()) == "Asia/Makassar"
        assert str(timezones.zone("Asia/Jayapura")) == "Asia/Jayapura"
        assert str(timezones.zone("Bukan/Zona")) == "Asia/Makassar"  # unknown: the default
    assert timezones.default_name() == "Asia/Jakarta"  # outside an app


def test_year_and_conversions_at_midnight_boundaries(app):
    new_year_wit = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)  # 00.30 WIT, 22.30 WIB
    assert timezones.local_year(new_year_wit, "Asia/Jayapura") == 2026
    assert timezones.local_year(new_year_wit, "Asia/Jakarta") == 2025
    assert timezones.local_year(new_year_wit.replace(tzinfo=None), "Asia/Jayapura") == 2026  # naive = UTC
    typed = datetime(2026, 3, 1, 8, 0)  # 08.00 typed by a WITA admin
    assert timezones.to_utc(typed, "Asia/Makassar") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert timezones.to_utc(None) is None
    assert timezones.to_local(datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "Asia/Jakarta").hour == 7
    assert timezones.local_today("Asia/Jayapura") == timezones.local_now("Asia/Jayapura").date()
