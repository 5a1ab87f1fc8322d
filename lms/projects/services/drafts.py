"""A submission's draft: its text and the files attached before it is submitted."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms import storage
from lms.accounts.models import User
from lms.errors import WorkflowError, check_version, stale_guard
from lms.extensions import db
from lms.markdown import render_markdown
from lms.projects.models import StageSubmission, SubmissionFile
from lms.projects.services.projects import MAX_TEXT_CHARS
from lms.projects.services.uploads import Upload, _store_all


def add_draft_files(
    submission: StageSubmission, uploads: list[Upload], by: User, max_bytes: int | None = None
) -> list[SubmissionFile]:
    """Attach files to the draft. Types are checked from content (PDF, DOCX, PPTX, XLSX, images)."""
    if not submission.is_editable:
        raise WorkflowError(_("Berkas hanya dapat ditambahkan saat draf atau revisi."))

    def make_row(stored, name):
        return SubmissionFile(
            submission_id=submission.id,
            version_id=None,
            storage_key=stored.key,
            original_name=name,
            kind=stored.kind,
            mime=stored.mime,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=by.id,
        )

    return _store_all([u for u in uploads if u.filename], max_bytes, make_row)


def draft_files(submission: StageSubmission) -> list[SubmissionFile]:
    """Files in the draft (not yet submitted)."""
    return list(
        db.session.scalars(
            select(SubmissionFile)
            .where(SubmissionFile.submission_id == submission.id, SubmissionFile.version_id.is_(None))
            .order_by(SubmissionFile.id)
        )
    )


def remove_draft_file(file: SubmissionFile, by: User) -> None:
    """Remove a file from the draft; the stored file goes when no version still uses it."""
    if file.version_id is not None or not file.submission.is_editable:
        raise WorkflowError(_("Berkas yang sudah diajukan tidak dapat dihapus."))
    key = file.storage_key
    db.session.delete(file)
    db.session.flush()
    still_used = db.session.scalar(
        select(SubmissionFile.id).where(SubmissionFile.storage_key == key).limit(1)
    )
    if still_used is None:
        storage.delete(key)


def save_draft(
    submission: StageSubmission,
    body_md: str,
    uploads: list[Upload],
    by: User,
    expected_version: int | None = None,
    max_bytes: int | None = None,
) -> None:
    """Save the draft text and any new files."""
    if not submission.is_editable:
        raise WorkflowError(_("Pengajuan yang sedang ditinjau atau sudah disetujui tidak dapat diubah."))
    check_version(submission.version, expected_version)
    render_markdown(body_md, MAX_TEXT_CHARS)  # refuses over-long text with a message
    submission.draft_md = body_md or ""
    add_draft_files(submission, uploads, by, max_bytes)
    with stale_guard():
        db.session.flush()
