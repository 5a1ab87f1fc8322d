"""Where uploaded files live: a local folder outside static/ (an object store can replace it).

Files are checked by their content (not their name), written to a temporary file in the same
folder, flushed, and moved into place with an atomic rename, so a failed or partial upload never
leaves a file behind. Stored names are random; the original name is kept only in the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _

from lms.errors import DomainError

# Kinds accepted per purpose, as detected from the content.
DOCUMENT_KINDS = {"pdf", "docx", "xlsx", "pptx", "png", "jpg", "gif", "webp"}
IMAGE_KINDS = {"png", "jpg", "gif", "webp"}
_OFFICE_TYPES = {"docx", "xlsx", "pptx"}
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "zip": "application/zip",
    "csv": "text/csv",
}
CHUNK = 64 * 1024


class UploadRejected(DomainError):
    """The upload was refused (type, size or disk); nothing was stored."""


@dataclass(frozen=True)
class StoredFile:
    """What the database keeps about a stored file."""

    key: str
    kind: str
    mime: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Upload:
    """A file handed to a service: its binary stream and the name the person's computer gave it."""

    stream: BinaryIO
    filename: str


def detect_kind(head: bytes) -> str | None:
    """Return the file kind from its first bytes, or None when it is not an accepted kind."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    ext = kind.extension
    if ext == "jpeg":
        ext = "jpg"
    if ext == "zip":
        # Office documents are zips; filetype recognises them from the first entries.
        return "zip"
    return ext


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(stream: BinaryIO, allowed: set[str], max_bytes: int | None = None) -> StoredFile:
    """Store ``stream`` if its content is one of ``allowed`` kinds and within ``max_bytes``.

    Raises :class:`UploadRejected` with a message for the user; no file remains on failure.
    """
    max_bytes = max_bytes or current_app.config["MAX_CONTENT_LENGTH"]
    head = stream.read(8192)
    kind = detect_kind(head)
    if kind not in allowed:
        names = ", ".join(sorted(k.upper() for k in allowed))
        raise UploadRejected(_("Jenis berkas tidak diizinkan. Jenis yang diterima: %(names)s.", names=names))
    folder = _folder()
    key = secrets.token_hex(16)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(
                        _("Berkas terlalu besar (batas %(mb)s MB).", mb=max_bytes // (1024 * 1024))
                    )
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, folder / key)
    except OSError as exc:
        _silent_unlink(tmp_name)
        raise UploadRejected(
            _(
                "Berkas tidak dapat disimpan karena ruang penyimpanan server penuh atau bermasalah. "
                "Coba lagi nanti atau hubungi admin."
            )
        ) from exc
    except BaseException:
        _silent_unlink(tmp_name)
        raise
    return StoredFile(
        key=key,
        kind=kind,
        mime=MIME.get(kind, "application/octet-stream"),
        size=size,
        sha256=digest.hexdigest(),
    )


def _silent_unlink(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def path_of(key: str) -> Path:
    """Absolute path of a stored file (keys are hex, so no path can escape the folder)."""
    if not key or not all(c in "0123456789abcdef" for c in key):
        raise FileNotFoundError(key)
    return _folder() / key


def delete(key: str) -> None:
    """Remove a stored file if it exists (used when the row that owned it is deleted)."""
    _silent_unlink(path_of(key))


def exists(key: str) -> bool:
    """True when the stored file is present on disk."""
    try:
        return path_of(key).exists()
    except FileNotFoundError:
        return False
