"""Seminar sessions: scheduling, penguji and participants, seminar rubric scores and the
outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role, User
from lms.courses.models import Angkatan, Enrolment
from lms.errors import DomainError, PermissionDenied, check_version, stale_guard
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications import services as notifications
from lms.projects import permissions
from lms.projects.models import (
    SeminarExaminer,
    SeminarOutcome,
    SeminarScore,
    SeminarSession,
    SeminarSlot,
    StageTemplate,
)
from lms.projects.services.auditlog import audit
from lms.projects.services.labels import OUTCOME_LABELS
from lms.projects.services.projects import project_of
from lms.projects.services.scoring import _validate_scores


def create_session(
    angkatan: Angkatan,
    stage: StageTemplate,
    title: str,
    starts_at: datetime,
    slot_minutes: int,
    location: str,
    capacity: int,
    by: User,
) -> SeminarSession:
    """Schedule a seminar session for an angkatan and a seminar stage."""
    if not stage.is_seminar or stage.program_id != angkatan.program_id:
        raise DomainError(_("Pilih tahap seminar dari program angkatan ini."))
    if capacity < 1 or slot_minutes < 5:
        raise DomainError(_("Kapasitas minimal 1 dan durasi per peserta minimal 5 menit."))
    session = SeminarSession(
        angkatan_id=angkatan.id,
        stage_id=stage.id,
        title=(title or "").strip()[:200] or stage.name,
        starts_at=starts_at,
        slot_minutes=slot_minutes,
        location=(location or "").strip()[:200],
        capacity=capacity,
    )
    db.session.add(session)
    db.session.flush()
    audit(by, None, "seminar_created", session, "", f"{session.title} {starts_at.isoformat()}")
    return session


def set_session_members(
    session: SeminarSession, examiner_ids: list[int], enrolment_ids: list[int], by: User
) -> None:
    """Assign the session's penguji and participants; slots follow in the order given."""
    if len(enrolment_ids) > session.capacity:
        raise DomainError(_("Sesi ini berkapasitas %(n)s peserta.", n=session.capacity))
    examiners = list(db.session.scalars(select(User).where(User.id.in_(examiner_ids or [0]))))
    if any(not u.has_role(Role.PENGUJI) for u in examiners) or len(examiners) != len(set(examiner_ids)):
        raise DomainError(_("Penguji harus pengguna dengan peran penguji."))
    enrolments = {
        e.id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.id.in_(enrolment_ids or [0]), Enrolment.angkatan_id == session.angkatan_id
            )
        )
    }
    if len(enrolments) != len(set(enrolment_ids)):
        raise DomainError(_("Peserta harus terdaftar di angkatan sesi ini."))
    taken = db.session.scalars(
        select(SeminarSlot.enrolment_id)
        .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
        .where(
            SeminarSession.stage_id == session.stage_id,
            SeminarSession.id != session.id,
            SeminarSlot.enrolment_id.in_(enrolment_ids or [0]),
        )
    ).all()
    if taken:
        raise DomainError(_("Sebagian peserta sudah terjadwal di sesi lain untuk seminar yang sama."))
    old = _members_summary(session)
    session.examiners[:] = [
        next((e for e in session.examiners if e.user_id == u.id), None) or SeminarExaminer(user_id=u.id)
        for u in examiners
    ]
    by_enrolment = {s.enrolment_id: s for s in session.slots}
    slots = []
    for position, enrolment_id in enumerate(dict.fromkeys(enrolment_ids)):
        slot = by_enrolment.get(enrolment_id) or SeminarSlot(enrolment_id=enrolment_id)
        slot.position = position + 1
        slot.starts_at = session.starts_at + timedelta(minutes=session.slot_minutes * position)
        slots.append(slot)
    session.slots[:] = slots
    db.session.flush()
    audit(by, None, "seminar_members", session, old, _members_summary(session))


def _members_summary(session: SeminarSession) -> str:
    examiners = sorted(e.user_id for e in session.examiners)
    return f"penguji={examiners} peserta={[s.enrolment_id for s in session.slots]}"


def seminar_scores(slot: SeminarSlot) -> list[SeminarScore]:
    """Every seminar score of a slot, with scorer and criterion."""
    return list(
        db.session.scalars(
            select(SeminarScore)
            .where(SeminarScore.slot_id == slot.id)
            .options(joinedload(SeminarScore.scorer), joinedload(SeminarScore.criterion))
            .order_by(SeminarScore.scorer_id, SeminarScore.criterion_id)
        )
    )


def score_seminar(slot: SeminarSlot, scorer: User, scores: dict[int, int | None]) -> None:
    """A penguji, the mentor or the coach scores the presentation with the seminar rubric.
    Changes of an earlier score are audited with old and new values."""
    role = permissions.seminar_scorer_role(scorer, slot)
    if role is None:
        raise PermissionDenied(_("Anda tidak ditugaskan menilai peserta ini."))
    clean = _validate_scores(slot.session.stage.criteria, scores, required=True)
    project = project_of(slot.enrolment)
    existing = {s.criterion_id: s for s in seminar_scores(slot) if s.scorer_id == scorer.id}
    for criterion_id, value in clean.items():
        row = existing.get(criterion_id)
        if row is None:
            row = SeminarScore(
                slot_id=slot.id, scorer_id=scorer.id, role=role, criterion_id=criterion_id, score=value
            )
            db.session.add(row)
            db.session.flush()
            audit(scorer, project.id if project else None, "seminar_score", row, "", value)
        elif row.score != value:
            audit(scorer, project.id if project else None, "seminar_score_changed", row, row.score, value)
            row.score = value
    db.session.flush()


def set_outcome(slot: SeminarSlot, outcome: str, note: str, by: User, expected_version: int | None) -> None:
    """Record the seminar outcome: lulus, lulus dengan perbaikan, ditunda or tidak lulus."""
    if not permissions.can_decide_outcome(by, slot):
        raise PermissionDenied(_("Hanya penguji sesi ini yang dapat menetapkan hasil seminar."))
    check_version(slot.version, expected_version)
    new = SeminarOutcome(outcome)
    old = slot.outcome.value if slot.outcome else ""
    slot.outcome = new
    slot.outcome_note = (note or "").strip()
    slot.decided_by_id = by.id
    slot.decided_at = utcnow()
    with stale_guard():
        db.session.flush()
    project = project_of(slot.enrolment)
    audit(by, project.id if project else None, "seminar_outcome", slot, old, new.value)
    notifications.notify(
        slot.enrolment.user,
        _("Hasil %(title)s: %(outcome)s", title=slot.session.title, outcome=_(OUTCOME_LABELS[new])),
        slot.outcome_note or _("Hasil seminar telah ditetapkan."),
        f"/proyek/{project.id}" if project else "",
    )
