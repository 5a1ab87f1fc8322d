"""Domain errors raised by services, and the friendly error pages (400/403/404/409/413/429/500).

Services raise the exceptions below; views either catch them to show a message on a form, or let
them reach the handlers here, which render a page in the user's language with no traceback, SQL
or path in it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lms.extensions import db


class DomainError(Exception):
    """Base class of every rule violation a service reports to a person."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkflowError(DomainError):
    """A state transition that the transition table does not allow."""

    status_code = 409


class StaleEdit(DomainError):
    """Someone else changed the object since the form was loaded; nothing was overwritten."""

    status_code = 409

    def __init__(self, message: str | None = None):
        super().__init__(message or stale_message())


def stale_message() -> str:
    """The one message of a refused stale edit."""
    return _(
        "Data ini sudah diubah orang lain sejak halaman Anda dibuka. Tidak ada yang ditimpa. "
        "Muat ulang halaman, periksa perubahannya, lalu ulangi."
    )


def check_version(current: int | None, expected: int | None) -> None:
    """The one stale-edit check: refuse the change when the form was loaded at another version
    (``expected`` None: the caller did not send one, nothing to compare)."""
    if expected is not None and current != expected:
        raise StaleEdit()


@contextmanager
def stale_guard():
    """Turn the ORM's optimistic-lock failure (a concurrent update of a versioned row, raised by
    any flush, autoflush included) into :class:`StaleEdit`."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleEdit() from exc


class PermissionDenied(DomainError):
    """The actor may not do this (views answer 404 where existence must stay hidden)."""

    status_code = 403


@dataclass(frozen=True)
class LineError:
    """One problem in an imported file: where it is and what is wrong."""

    line: int
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}, " if self.file else ""
        return _("%(where)sbaris %(line)s: %(message)s", where=where, line=self.line, message=self.message)


class ImportRejected(DomainError):
    """An import with at least one bad line; nothing was imported."""

    status_code = 400

    def __init__(self, errors: list[LineError], message: str | None = None):
        self.errors = errors
        super().__init__(
            message or _("Impor dibatalkan: %(n)s kesalahan, tidak ada data yang disimpan.", n=len(errors))
        )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


# Lazy: translated at render time, in the viewer's language.
_TITLES = {
    400: (_l("Permintaan tidak dapat diproses"), _l("Data yang dikirim tidak lengkap atau tidak sah.")),
    403: (_l("Akses ditolak"), _l("Anda tidak memiliki izin untuk membuka halaman ini.")),
    404: (_l("Halaman tidak ditemukan"), _l("Halaman yang Anda cari tidak ada atau sudah dipindahkan.")),
    405: (_l("Metode tidak diizinkan"), _l("Tindakan ini tidak dapat dilakukan dengan cara tersebut.")),
    409: (_l("Terjadi konflik"), _l("Data telah diubah oleh orang lain. Muat ulang halaman lalu coba lagi.")),
    413: (_l("Berkas terlalu besar"), _l("Ukuran berkas melebihi batas yang diizinkan.")),
    429: (_l("Terlalu banyak percobaan"), _l("Tunggu sebentar sebelum mencoba lagi.")),
    500: (_l("Terjadi kesalahan"), _l("Maaf, terjadi kesalahan pada server. Tim kami akan memeriksanya.")),
    503: (_l("Layanan sedang tidak tersedia"), _l("Coba lagi beberapa saat lagi.")),
}


RETRY_AFTER_SECONDS = 5


def _unavailable(app: Flask, err: Exception):
    """The database is down, restarting or locked beyond the busy timeout: 503 with Retry-After,
    so that users, the quiz page's autosave and proxies know to try again. Rendered without the
    layout and in a fixed locale, since both would otherwise ask the database (the user, the
    navigation badges, the user's language)."""
    app.logger.warning("database unavailable: %s", err)
    lang = _language_without_database()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it
        db.session.close()
    with force_locale(lang):
        title, text = str(_TITLES[503][0]), str(_TITLES[503][1])
        if _wants_json():
            response = jsonify({"error": title, "message": text})
        else:
            response = app.make_response(
                render_template("errors/unavailable.html", title=title, message=text, lang=lang)
            )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _language_without_database() -> str:
    """The viewer's language if already known in this request, else the session's, else "id"."""
    user = g.get("_login_user")  # Flask-Login's per-request user, when it was loaded
    try:
        lang = user.__dict__.get("language") if user is not None else None
    except Exception:  # noqa: BLE001 - never let the error page fail
        lang = None
    lang = lang or session.get("lang")
    return lang if lang in ("id", "en") else "id"


def render_error(status: int, message: str | None = None):
    """Render the error page for ``status`` (JSON for API-style requests)."""
    title, default = _TITLES.get(status, _TITLES[500])
    title, text = str(title), message or str(default)
    if _wants_json():
        return jsonify({"error": title, "message": text}), status
    return render_template("errors/error.html", status=status, title=title, message=text), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def _csrf(_err):
        return render_error(
            400, _("Sesi formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi.")
        )

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        return render_error(err.status_code, err.message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        if status >= 500:
            db.session.rollback()
        return render_error(status if status in _TITLES else 400)

    @app.errorhandler(OperationalError)
    def _database_unavailable(err: OperationalError):
        return _unavailable(app, err)

    @app.errorhandler(DBAPIError)
    def _database_error(err: DBAPIError):
        if err.connection_invalidated:  # the connection dropped: the database went away
            return _unavailable(app, err)
        return _unexpected(err)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error: %s", err)
        return render_error(500)
