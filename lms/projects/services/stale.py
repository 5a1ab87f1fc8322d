"""The stale-edit check: a form carries the version it was opened at; an older version, or the
ORM's optimistic lock failing on flush, is refused with StaleEdit and nothing is overwritten."""

from __future__ import annotations

from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from lms.errors import StaleEdit
from lms.extensions import db


def stale_message() -> str:
    return _(
        "Pengajuan ini sudah diubah oleh orang lain (misalnya reviewer lain sudah memberi keputusan) "
        "sejak halaman Anda dibuka. Tidak ada yang ditimpa. Muat ulang halaman lalu periksa lagi."
    )


def _check_version(obj, expected_version: int | None, message: str | None = None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(message or stale_message())


def _flush_or_stale() -> None:
    """Flush; a concurrent update of a versioned row (optimistic lock) becomes StaleEdit."""
    with stale_guard():
        db.session.flush()


@contextmanager
def stale_guard():
    """Turn the ORM's optimistic-lock failure (raised by any flush, autoflush included) into
    StaleEdit with a message for the person."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleEdit(stale_message()) from exc
