"""The admin overview's rows: angkatan and programs with a project, an angkatan's enrolments, the
participants x stages matrix, and the decisions owed per reviewer (also read by the digest)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, Program
from lms.extensions import db
from lms.models_base import utcnow
from lms.projects import permissions
from lms.projects.models import (
    Decision,
    Project,
    Review,
    SeminarExaminer,
    SeminarSession,
    SeminarSlot,
    StageSubmission,
    SubmissionVersion,
)


def project_angkatan():
    """Query of angkatan whose program has a project, newest first."""
    return (
        select(Angkatan)
        .join(Program, Program.id == Angkatan.program_id)
        .where(Program.project_label != "")
        .options(joinedload(Angkatan.program))
        .order_by(Angkatan.start_date.desc(), Angkatan.id.desc())
    )


def project_programs() -> list[Program]:
    """Programs that carry a project."""
    return list(db.session.scalars(select(Program).where(Program.project_label != "").order_by(Program.name)))


def angkatan_enrolments(angkatan: Angkatan):
    """Query of the angkatan's enrolments by NDH, with participant, mentor and coach."""
    return (
        select(Enrolment)
        .where(Enrolment.angkatan_id == angkatan.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.mentor), joinedload(Enrolment.coach))
        .order_by(Enrolment.ndh, Enrolment.id)
    )


def matrix(angkatan: Angkatan, enrolments: list[Enrolment]) -> dict[int, dict]:
    """For each enrolment id: its project and {stage_id: submission} (two queries)."""
    ids = [e.id for e in enrolments]
    projects = {
        p.enrolment_id: p
        for p in db.session.scalars(select(Project).where(Project.enrolment_id.in_(ids or [0])))
    }
    subs = defaultdict(dict)
    if projects:
        for s in db.session.scalars(
            select(StageSubmission).where(StageSubmission.project_id.in_([p.id for p in projects.values()]))
        ):
            subs[s.project_id][s.stage_id] = s
    return {
        e.id: {
            "project": projects.get(e.id),
            "subs": subs.get(projects[e.id].id, {}) if e.id in projects else {},
        }
        for e in enrolments
    }


def _pending_assignments(submissions: list[StageSubmission]) -> list[tuple[StageSubmission, str, int]]:
    """(submission, role, user id) for every decision still owed on waiting submissions."""
    if not submissions:
        return []
    ids = [s.id for s in submissions]
    reviews = defaultdict(list)
    for r in db.session.scalars(select(Review).where(Review.submission_id.in_(ids))):
        reviews[r.submission_id].append(r)
    versions = defaultdict(list)
    for v in db.session.scalars(select(SubmissionVersion).where(SubmissionVersion.submission_id.in_(ids))):
        versions[v.submission_id].append(v)
    examiners = defaultdict(list)
    enrolment_ids = [s.project.enrolment_id for s in submissions]
    for enrolment_id, stage_id, user_id in db.session.execute(
        select(SeminarSlot.enrolment_id, SeminarSession.stage_id, SeminarExaminer.user_id)
        .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
        .join(SeminarExaminer, SeminarExaminer.session_id == SeminarSession.id)
        .where(SeminarSlot.enrolment_id.in_(enrolment_ids))
    ):
        examiners[(enrolment_id, stage_id)].append(user_id)
    out = []
    for s in submissions:
        current = next((v.id for v in versions[s.id] if v.number == s.current_version_no), None)
        approved = {
            r.role.value for r in reviews[s.id] if r.version_id == current and r.decision == Decision.APPROVE
        }
        enrolment = s.project.enrolment
        for role in s.stage.approver_roles:
            if role in approved:
                continue
            if role == "mentor" and enrolment.mentor_id:
                out.append((s, role, enrolment.mentor_id))
            elif role == "coach" and enrolment.coach_id:
                out.append((s, role, enrolment.coach_id))
            elif role == "penguji":
                out += [(s, role, uid) for uid in examiners[(enrolment.id, s.stage_id)]]
    return out


def _waiting_submissions(angkatan_id: int | None = None, older_than: datetime | None = None):
    stmt = (
        select(StageSubmission)
        .join(Project, Project.id == StageSubmission.project_id)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .where(permissions.is_waiting())
        .options(
            joinedload(StageSubmission.stage),
            joinedload(StageSubmission.project).joinedload(Project.enrolment).joinedload(Enrolment.user),
        )
        .order_by(StageSubmission.waiting_since)
    )
    if angkatan_id is not None:
        stmt = stmt.where(Enrolment.angkatan_id == angkatan_id)
    if older_than is not None:
        stmt = stmt.where(StageSubmission.waiting_since <= older_than)
    return list(db.session.scalars(stmt).unique())


def overdue_by_reviewer(angkatan: Angkatan, overdue_days: int, now: datetime | None = None) -> list[dict]:
    """Per reviewer of the angkatan: how many decisions they owe, and how many are overdue."""
    now = now or utcnow()
    limit = now - timedelta(days=overdue_days)
    counts: dict[int, dict] = {}
    for sub, role, user_id in _pending_assignments(_waiting_submissions(angkatan.id)):
        row = counts.setdefault(user_id, {"waiting": 0, "overdue": 0, "roles": set()})
        row["waiting"] += 1
        row["roles"].add(role)
        if sub.waiting_since <= limit:
            row["overdue"] += 1
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(counts) or [0])))}
    return sorted(
        ({"user": users[uid], **data} for uid, data in counts.items()),
        key=lambda r: (-r["overdue"], -r["waiting"], r["user"].full_name),
    )
