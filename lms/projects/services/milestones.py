"""Milestones of a project (short, medium and long term), their evidence and the mentor's
confirmation."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.errors import DomainError, PermissionDenied, check_version, stale_guard
from lms.extensions import db
from lms.models_base import utcnow
from lms.projects import permissions
from lms.projects.models import Milestone, MilestoneEvidence, MilestoneStatus, MilestoneTerm, Project
from lms.projects.services.auditlog import audit
from lms.projects.services.uploads import Upload, _store_all


def milestones_of(project: Project) -> list[Milestone]:
    """Milestones grouped by term order (pendek, menengah, panjang), with evidence."""
    order = {MilestoneTerm.SHORT: 0, MilestoneTerm.MEDIUM: 1, MilestoneTerm.LONG: 2}
    rows = db.session.scalars(
        select(Milestone)
        .where(Milestone.project_id == project.id)
        .options(selectinload(Milestone.evidence), joinedload(Milestone.confirmed_by))
        .order_by(Milestone.target_date, Milestone.id)
    ).all()
    return sorted(rows, key=lambda m: order[m.term])


def add_milestone(
    project: Project, term: str, title: str, description: str, target_date: date | None, by: User
) -> Milestone:
    """The participant plans a milestone."""
    if not permissions.can_edit_project(by, project):
        raise PermissionDenied(_("Hanya peserta pemilik proyek yang dapat menambah milestone."))
    if not (title or "").strip():
        raise DomainError(_("Judul milestone wajib diisi."))
    milestone = Milestone(
        project_id=project.id,
        term=MilestoneTerm(term),
        title=title.strip()[:300],
        description=(description or "").strip(),
        target_date=target_date,
    )
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(
    milestone: Milestone, status: str, target_date: date | None, by: User, expected_version: int | None
) -> None:
    """The participant updates status and target date; a change un-confirms it."""
    check_version(milestone.version, expected_version)
    new_status = MilestoneStatus(status)
    if new_status != milestone.status:
        audit(
            by, milestone.project_id, "milestone_status", milestone, milestone.status.value, new_status.value
        )
        milestone.status = new_status
        milestone.confirmed_by_id = None
        milestone.confirmed_at = None
    milestone.target_date = target_date
    with stale_guard():
        db.session.flush()


def add_evidence(
    milestone: Milestone,
    by: User,
    note: str = "",
    upload: Upload | None = None,
    url: str | None = None,
    max_bytes: int | None = None,
) -> MilestoneEvidence:
    """Add evidence (a file or an http(s) link) to a milestone."""
    url = (url or "").strip() or None
    has_file = upload is not None and bool(upload.filename)
    if has_file == bool(url):
        raise DomainError(_("Lampirkan satu berkas atau isi satu tautan sebagai bukti."))
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DomainError(_("Tautan harus diawali http:// atau https://."))
        row = MilestoneEvidence(
            milestone_id=milestone.id, note=(note or "")[:300], url=url[:500], added_by_id=by.id
        )
        db.session.add(row)
        db.session.flush()
        return row

    def make_row(stored, name):
        return MilestoneEvidence(
            milestone_id=milestone.id,
            note=(note or "")[:300],
            storage_key=stored.key,
            original_name=name,
            kind=stored.kind,
            mime=stored.mime,
            size=stored.size,
            added_by_id=by.id,
        )

    return _store_all([upload], max_bytes, make_row)[0]


def confirm_milestone(milestone: Milestone, by: User, expected_version: int | None = None) -> None:
    """The mentor confirms a milestone (and its evidence)."""
    if not permissions.can_confirm_milestone(by, milestone):
        raise PermissionDenied(_("Hanya mentor peserta yang dapat mengonfirmasi milestone."))
    check_version(milestone.version, expected_version)
    if milestone.confirmed_at is None:
        milestone.confirmed_by_id = by.id
        milestone.confirmed_at = utcnow()
        audit(by, milestone.project_id, "milestone_confirmed", milestone, "", milestone.title)
    with stale_guard():
        db.session.flush()
