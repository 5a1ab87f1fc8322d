"""The shared web layer every feature's views may import.

- Role gates: :func:`admin_required` (404 for everyone but admins, the page does not exist for
  them) and :func:`role_required` for any other rule of the form ``rule(current_user) -> bool``.
- :func:`run_service`: runs one service call as the request's one change. A
  :class:`~lms.errors.DomainError` rolls the session back and becomes a message, next to the form
  field it concerns, at the top of the form, or as a flash; success commits once.
- Uploads and downloads: :func:`upload_of`, :func:`uploads_of`, :func:`uploaded_text`,
  :func:`send_stored`, :func:`send_bytes`.
- :func:`visible_or_404`: a row the current user may see, else 404.
- :class:`ConfirmForm`: the one confirmation form (a CSRF token and a button) of every
  destructive or confirmed action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar

from flask import Response, abort, flash, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SubmitField

from lms import storage
from lms.accounts.permissions import is_admin
from lms.errors import DomainError, ImportRejected
from lms.extensions import db
from lms.storage import Upload

__all__ = [
    "ConfirmForm",
    "Outcome",
    "admin_required",
    "is_admin",
    "role_required",
    "run_service",
    "send_bytes",
    "send_stored",
    "upload_of",
    "uploaded_text",
    "uploads_of",
    "visible_or_404",
]

T = TypeVar("T")


# --- role gates ------------------------------------------------------------------------------


def visible_or_404(model: type[T], ident: int, can_view: Callable[[Any, T], bool]) -> T:
    """The row ``ident`` of ``model`` when ``can_view(current_user, row)`` holds; 404 otherwise
    (a row a user may not see does not exist for them)."""
    row = db.get_or_404(model, ident)
    if not can_view(current_user, row):
        abort(404)
    return row


def role_required(rule: Callable[[Any], bool]):
    """Decorator: log in first, then answer 404 unless ``rule(current_user)`` holds (a page a
    user may not use does not exist for them)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not rule(current_user):
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate


admin_required = role_required(is_admin)
admin_required.__doc__ = "Role gate: only admins; everyone else gets 404."


# --- running a service from a view -----------------------------------------------------------


@dataclass
class Outcome(Generic[T]):
    """What :func:`run_service` did: ``ok`` with the service's ``value``, or the ``error``
    (already rolled back and shown). True when the service succeeded."""

    ok: bool
    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def line_errors(self) -> list:
        """The line-numbered problems of a refused import (empty otherwise)."""
        return list(self.error.errors) if isinstance(self.error, ImportRejected) else []


def run_service(
    action: Callable[[], T],
    *,
    form: FlaskForm | None = None,
    field: Any = None,
    fields: dict[type[DomainError], Any] | None = None,
    success: str | None = None,
    error_flash: bool | None = None,
    commit: bool = True,
) -> Outcome[T]:
    """Run ``action()`` (one service call) as the request's one change.

    On a :class:`DomainError` the session is rolled back and the message is shown: on the field
    that ``fields`` names for the error's class, else on ``field``, else at the top of ``form``,
    else (no form, or ``error_flash=True``) as a flash; an :class:`ImportRejected` is always
    flashed too, its lines being in :attr:`Outcome.line_errors`. On success the session is
    committed once (unless ``commit=False``) and ``success`` is flashed.
    """
    try:
        value = action()
    except DomainError as exc:
        db.session.rollback()
        target = _field_for(exc, field, fields)
        shown = False
        if target is not None:
            target.errors = [*(target.errors or []), exc.message]
            shown = True
        elif form is not None and not isinstance(exc, ImportRejected):
            form.form_errors.append(exc.message)
            shown = True
        if error_flash or (error_flash is None and not shown):
            flash(exc.message, "error")
        return Outcome(False, error=exc)
    if commit:
        db.session.commit()
    if success:
        flash(success, "success")
    return Outcome(True, value=value)


def _field_for(exc: DomainError, field, fields):
    for kind, target in (fields or {}).items():
        if isinstance(exc, kind) and target is not None:
            return target
    return field


# --- uploads and downloads -------------------------------------------------------------------


def upload_of(field) -> Upload | None:
    """The file a form's file field carries, as a service takes it (None when nothing was
    chosen)."""
    data = getattr(field, "data", field)
    if data is None or not getattr(data, "filename", ""):
        return None
    return Upload(data.stream, data.filename)


def uploads_of(files: Iterable | None) -> list[Upload]:
    """The files of a multiple-file field (empty entries skipped)."""
    return [Upload(f.stream, f.filename) for f in files or [] if f and getattr(f, "filename", "")]


def uploaded_text(file) -> str:
    """An uploaded text file (CSV, GIFT, Aiken) decoded: UTF-8 (a byte order mark dropped),
    else Windows-1252 as spreadsheet programs on Windows save it."""
    raw = file.read() if hasattr(file, "read") else bytes(file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def send_stored(
    key: str | None,
    name: str,
    mime: str | None,
    *,
    inline: bool = False,
    private: bool = False,
) -> Response:
    """A stored file as a download (or shown inline), 404 when it is missing. ``private``
    files (participants' submissions) are never cached and, shown inline, may run nothing
    and be framed only by Pelita's own pages. The caller has checked permission."""
    if not key:
        abort(404)
    try:
        path = storage.path_of(key)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=mime or "application/octet-stream",
        as_attachment=not inline,
        download_name=name,
        max_age=0,
    )
    if private:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        if inline:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


def send_bytes(data: bytes | str, filename: str, mimetype: str) -> Response:
    """Generated content (a CSV, a PDF, a zip) as a download named ``filename``."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    safe = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\')
    return f'attachment; filename="{safe}"'


# --- forms -----------------------------------------------------------------------------------


class ConfirmForm(FlaskForm):
    """A confirmation page's button (and CSRF token) for a destructive or confirmed action."""

    submit = SubmitField(_l("Ya, lanjutkan"))
