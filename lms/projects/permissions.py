"""Who may see and do what with projects. Each rule exists twice: ``can_<verb>(user, obj)`` for
one object, and a query for list pages (``review_queue``), so a list never shows what the detail
page would refuse.

Mentor and coach are relations on the enrolment (``Enrolment.mentor_id`` / ``coach_id``); a
penguji is a relation to the seminar sessions they are assigned to; admins see everything."""

from __future__ import annotations

import functools

from sqlalchemy import Boolean, Integer, bindparam, exists, or_, select, tuple_, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lms.accounts.models import Role, User
from lms.accounts.permissions import is_admin  # admins manage project data and see every project
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.models_base import inline
from lms.projects.models import (
    WAITING_STATES,
    Consultation,
    ConsultWith,
    Decision,
    Milestone,
    Project,
    Review,
    SeminarExaminer,
    SeminarSession,
    SeminarSlot,
    StageSubmission,
    StageTemplate,
    SubmissionFile,
    SubmissionVersion,
)


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_examiner_of(user: User, enrolment_id: int, stage_id: int | None = None) -> bool:
    """True when ``user`` is a penguji of a seminar session that includes this enrolment
    (of the given stage, when ``stage_id`` is given)."""
    stmt = (
        select(SeminarSlot.id)
        .join(SeminarExaminer, SeminarExaminer.session_id == SeminarSlot.session_id)
        .where(SeminarSlot.enrolment_id == enrolment_id, SeminarExaminer.user_id == user.id)
    )
    if stage_id is not None:
        stmt = stmt.join(SeminarSession, SeminarSession.id == SeminarSlot.session_id).where(
            SeminarSession.stage_id == stage_id
        )
    return db.session.scalar(stmt.limit(1)) is not None


def relation_roles(user: User | None, enrolment: Enrolment, stage_id: int | None = None) -> set[str]:
    """The relation roles ``user`` holds on ``enrolment``: peserta, mentor, coach, penguji."""
    if not _authenticated(user):
        return set()
    roles = set()
    if enrolment.user_id == user.id:
        roles.add("peserta")
    if enrolment.mentor_id == user.id:
        roles.add("mentor")
    if enrolment.coach_id == user.id:
        roles.add("coach")
    if is_examiner_of(user, enrolment.id, stage_id):
        roles.add("penguji")
    return roles


def can_view_project(user: User | None, project: Project) -> bool:
    """The participant, their mentor and coach, an assigned penguji, and admins."""
    if not _authenticated(user):
        return False
    return is_admin(user) or bool(relation_roles(user, project.enrolment))


def is_owner(user: User | None, project: Project) -> bool:
    """The participant whose project it is."""
    return _authenticated(user) and project.enrolment.user_id == user.id


def can_start_project(user: User | None, enrolment: Enrolment) -> bool:
    """A participant starts the project of their own enrolment in a program with a project."""
    if not _authenticated(user) or enrolment.user_id != user.id:
        return False
    program = enrolment.angkatan.program
    return program is not None and program.has_project


def can_edit_project(user: User | None, project: Project) -> bool:
    """Only the participant edits their project, its drafts, milestones and consultation log."""
    return is_owner(user, project)


def can_view_file(user: User | None, file: SubmissionFile) -> bool:
    """Draft files: the participant only. Submitted files: whoever may see the project."""
    project = file.submission.project
    if file.version_id is None:
        return is_owner(user, project)
    return can_view_project(user, project)


def required_roles_left(submission: StageSubmission, reviews: list[Review]) -> list[str]:
    """Approver roles of the stage that have not approved the current version yet."""
    current = {v.number: v.id for v in submission.versions}.get(submission.current_version_no)
    approved = {r.role.value for r in reviews if r.version_id == current and r.decision == Decision.APPROVE}
    return [role for role in submission.stage.approver_roles if role not in approved]


def decision_roles(user: User | None, submission: StageSubmission, reviews: list[Review]) -> list[str]:
    """The roles in which ``user`` may decide on the current version now (empty: may not)."""
    if not _authenticated(user) or not submission.is_waiting:
        return []
    mine = relation_roles(user, submission.project.enrolment, submission.stage_id)
    return [role for role in required_roles_left(submission, reviews) if role in mine]


def can_view_review(user: User | None, submission: StageSubmission) -> bool:
    """The review page: anyone who may see the project, except the participant (who has their
    own stage page) — and only once something was submitted."""
    if submission.current_version_no == 0 or is_owner(user, submission.project):
        return False
    return can_view_project(user, submission.project)


def can_confirm_milestone(user: User | None, milestone: Milestone) -> bool:
    """The mentor confirms milestones."""
    return _authenticated(user) and milestone.project.enrolment.mentor_id == user.id


def can_confirm_consultation(user: User | None, consultation: Consultation) -> bool:
    """The mentor or coach the meeting was with gives the paraf."""
    if not _authenticated(user):
        return False
    enrolment = consultation.project.enrolment
    if consultation.with_role == ConsultWith.MENTOR:
        return enrolment.mentor_id == user.id
    return enrolment.coach_id == user.id


def can_observe_attitude(user: User | None, enrolment: Enrolment) -> bool:
    """Coach, mentor and admin fill attitude observation forms (not the participant)."""
    if not _authenticated(user) or enrolment.user_id == user.id:
        return False
    return is_admin(user) or user.id in (enrolment.mentor_id, enrolment.coach_id)


def can_view_session(user: User | None, session: SeminarSession) -> bool:
    """A seminar session: its penguji, the mentors and coaches of its participants, admins."""
    if not _authenticated(user):
        return False
    if is_admin(user) or any(e.user_id == user.id for e in session.examiners):
        return True
    return any(user.id in (s.enrolment.mentor_id, s.enrolment.coach_id) for s in session.slots)


def seminar_scorer_role(user: User | None, slot: SeminarSlot) -> str | None:
    """The role in which ``user`` scores this seminar slot: penguji, mentor or coach."""
    if not _authenticated(user):
        return None
    if any(e.user_id == user.id for e in slot.session.examiners):
        return "penguji"
    if slot.enrolment.mentor_id == user.id:
        return "mentor"
    if slot.enrolment.coach_id == user.id:
        return "coach"
    return None


def can_decide_outcome(user: User | None, slot: SeminarSlot) -> bool:
    """The session's penguji (or an admin) record the outcome."""
    if not _authenticated(user):
        return False
    return is_admin(user) or any(e.user_id == user.id for e in slot.session.examiners)


def can_use_review_queue(user: User | None) -> bool:
    """Role gate of /reviews: mentors, coaches, penguji and admins.

    A global role is enough here, with no query (the nav asks on every page): enrolment and
    seminar services only assign people who hold the matching role. What each reviewer sees in
    the queue is still limited to their own assignments (``review_queue``)."""
    if not _authenticated(user):
        return False
    return user.has_role(Role.ADMIN, Role.MENTOR, Role.COACH, Role.PENGUJI)


# --- the same rules as queries, for list pages -----------------------------------------------


def is_waiting():
    """The submission waits for a decision (the states as constants in the statement's text, see
    ``lms.models_base.inline``)."""
    return StageSubmission.state.in_(inline(list(WAITING_STATES), expanding=True))


def _approved_by(role: str):
    """The current version of the submission was already approved in ``role``."""
    return exists(
        select(Review.id)
        .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
        .where(
            Review.submission_id == StageSubmission.id,
            Review.role == inline(role),
            Review.decision == inline(Decision.APPROVE),
            SubmissionVersion.number == StageSubmission.current_version_no,
        )
    )


class _not_selective(FunctionElement):
    """A condition the query planner should not start from: SQLite's ``likely(X)`` (the value
    of X, with a hint that it is mostly true), X itself elsewhere.

    SQLite without statistics (nobody runs ANALYZE) guesses that ``state IN (...)`` on its index
    is the most selective term and scans every waiting submission of every angkatan, testing
    each reviewer's relation on each: 8 ms where starting from ``enrolments.mentor_id`` takes
    0.05 ms. PostgreSQL has statistics and needs no hint."""

    type = Boolean()
    inherit_cache = True
    name = "likely"


@compiles(_not_selective)
def _compile_not_selective(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(_not_selective, "sqlite")
def _compile_not_selective_sqlite(element, compiler, **kw):
    return f"likely({compiler.process(element.clauses, **kw)})"


def _waiting_submissions(by_relation: bool = True):
    """Waiting submissions with their project, enrolment and stage joined (the queue's FROM),
    with the columns a queue page shows or filters on.
    ``by_relation``: the caller narrows by a reviewer relation, the query should start there."""
    waiting = is_waiting()
    return (
        select(
            StageSubmission.id,
            StageSubmission.state,
            StageSubmission.current_version_no,
            StageSubmission.waiting_since,
            StageTemplate.name.label("stage_name"),
            Project.title.label("project_title"),
            Enrolment.user_id,
            Enrolment.angkatan_id,
        )
        .join(Project, Project.id == StageSubmission.project_id)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .join(StageTemplate, StageTemplate.id == StageSubmission.stage_id)
        .where(_not_selective(waiting) if by_relation else waiting)
    )


def review_queue_rows(user: User):
    """The submissions waiting for ``user``'s decision (the rule of ``review_queue``) as rows:
    id, state, current_version_no, waiting_since, stage_name, project_title, user_id (the
    participant), angkatan_id. A statement with the bound parameter ``reviewer_id``: execute
    it, or a statement built on it, with ``queue_params(user)``."""
    return queue_statement(is_admin(user))


def queue_params(user: User) -> dict:
    """The parameters of a statement built on ``review_queue_rows``."""
    return {"reviewer_id": user.id}


@functools.cache
def queue_statement(admin: bool):
    """``review_queue_rows`` for an admin or for any other reviewer (parameter ``reviewer_id``),
    built once per process (building it costs more than running it).

    Each relation is its own branch of a UNION rather than one OR: every branch then starts
    from its own index (``enrolments.mentor_id``, ``enrolments.coach_id``,
    ``seminar_examiners.user_id``) and its "not approved yet" test becomes an anti-join, where
    the OR made PostgreSQL scan every enrolment and hash every approval on each request. The
    branches carry the columns the page needs, so that the queries built on them join few
    more tables (PostgreSQL's planning time grows fast with the number of tables)."""
    if admin:
        return _waiting_submissions(by_relation=False)
    reviewer = bindparam("reviewer_id", type_=Integer)
    as_mentor = _waiting_submissions().where(
        Enrolment.mentor_id == reviewer, StageTemplate.approve_mentor, ~_approved_by("mentor")
    )
    as_coach = _waiting_submissions().where(
        Enrolment.coach_id == reviewer, StageTemplate.approve_coach, ~_approved_by("coach")
    )
    # A penguji examines the participants of the seminar sessions of the submission's stage.
    # (As a row-value IN rather than three more joins: PostgreSQL plans it in a third of the time.)
    examined = (
        select(SeminarSlot.enrolment_id, SeminarSession.stage_id)
        .join(SeminarSession, SeminarSession.id == SeminarSlot.session_id)
        .join(SeminarExaminer, SeminarExaminer.session_id == SeminarSlot.session_id)
        .where(SeminarExaminer.user_id == reviewer)
    )
    as_examiner = _waiting_submissions().where(
        tuple_(Enrolment.id, StageSubmission.stage_id).in_(examined),
        StageTemplate.approve_penguji,
        ~_approved_by("penguji"),
    )
    return union(as_mentor, as_coach, as_examiner)  # UNION, not UNION ALL: one row per submission


def review_queue(user: User):
    """Submissions waiting for ``user``'s decision: participants assigned to them, in a role the
    stage needs, not yet approved in that role on the current version. Admins see every waiting
    submission. Joined: StageSubmission, Project, Enrolment, StageTemplate (for filters)."""
    stmt = (
        select(StageSubmission)
        .join(Project, Project.id == StageSubmission.project_id)
        .join(Enrolment, Enrolment.id == Project.enrolment_id)
        .join(StageTemplate, StageTemplate.id == StageSubmission.stage_id)
    )
    if is_admin(user):
        return stmt.where(is_waiting())
    queue = review_queue_rows(user).subquery()
    return stmt.where(StageSubmission.id.in_(select(queue.c.id))).params(queue_params(user))


def visible_projects(user: User):
    """Projects ``user`` may open: their own, assigned participants', examined ones; admins all."""
    stmt = select(Project).join(Enrolment, Enrolment.id == Project.enrolment_id)
    if is_admin(user):
        return stmt
    examined = select(SeminarSlot.enrolment_id).join(
        SeminarExaminer, SeminarExaminer.session_id == SeminarSlot.session_id
    )
    return stmt.where(
        or_(
            Enrolment.user_id == user.id,
            Enrolment.mentor_id == user.id,
            Enrolment.coach_id == user.id,
            Enrolment.id.in_(examined.where(SeminarExaminer.user_id == user.id)),
        )
    )


def visible_sessions(user: User):
    """Seminar sessions ``user`` takes part in as penguji, or as mentor/coach of a participant."""
    stmt = select(SeminarSession)
    if is_admin(user):
        return stmt
    as_examiner = select(SeminarExaminer.session_id).where(SeminarExaminer.user_id == user.id)
    as_guide = (
        select(SeminarSlot.session_id)
        .join(Enrolment, Enrolment.id == SeminarSlot.enrolment_id)
        .where(or_(Enrolment.mentor_id == user.id, Enrolment.coach_id == user.id))
    )
    return stmt.where(or_(SeminarSession.id.in_(as_examiner), SeminarSession.id.in_(as_guide)))
