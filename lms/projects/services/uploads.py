"""Files handed to the services (``lms.storage.Upload``): storing a batch of uploads all or
nothing, with clean names."""

from __future__ import annotations

import os

from flask_babel import gettext as _

from lms import storage
from lms.extensions import db
from lms.storage import Upload

ALLOWED_KINDS = storage.DOCUMENT_KINDS


def _clean_name(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return (base or _("berkas"))[:255]


def _store_all(uploads: list[Upload], max_bytes: int | None, make_row) -> list:
    """Store each upload and add its row, all or nothing: rows are added inside a savepoint and the
    stored files are deleted again when any file or the flush fails halfway."""
    stored_keys: list[str] = []
    rows = []
    try:
        with db.session.begin_nested():
            for upload in uploads:
                stored = storage.save(upload.stream, ALLOWED_KINDS, max_bytes)
                stored_keys.append(stored.key)
                row = make_row(stored, _clean_name(upload.filename))
                db.session.add(row)
                rows.append(row)
            db.session.flush()
    except BaseException:
        for key in stored_keys:
            storage.delete(key)
        raise
    return rows
