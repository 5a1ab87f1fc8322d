"""Projects services: every rule and state change of the proyek perubahan, re-exported from one
module per concept. Functions take explicit arguments, never touch the request or the logged-in
user, add and flush; the caller commits once.

Modules: ``program`` (stage templates, rubrics, attitude criteria, due dates), ``projects``
(a project and its stages), ``drafts`` (draft text and files), ``workflow`` (the submission
state machine and submitting), ``decisions`` (reviewers' decisions and rubric scores),
``milestones``, ``consultations``, ``seminars``, ``attitude``, ``exports`` (the overview CSV),
``digest`` (the daily overdue digest); helpers shared by them: ``auditlog``, ``labels``,
``scoring``, ``uploads`` (the stale-edit check is the shared one in ``lms.errors``). Page
read-models and cached statements (the review queue, the admin overview, the catalogue, the
audit page) live in ``lms.projects.queries`` and are re-exported here.

Interfaces other features (and the CLI, the worker and bench/) use:

- ``send_overdue_digest(overdue_days, now)`` and ``DEFAULT_OVERDUE_DAYS``: the worker's daily job
- ``install_default_stages(program)``: the default stage cycle for a program with a project
- ``start_project(enrolment, ProjectData(...), by)``, ``project_of(enrolment)``,
  ``project_stages(project)``: a participant's project and its stages
- ``decide(submission, reviewer, decision, comment, scores, expected_version)``: a reviewer's
  decision (raises StaleEdit on a stale page)
"""

from lms.projects import permissions  # kept reachable as services.permissions
from lms.projects.queries.audit import audit_log
from lms.projects.queries.catalogue import catalogue, in_catalogue
from lms.projects.queries.overview import (
    angkatan_enrolments,
    matrix,
    overdue_by_reviewer,
    project_angkatan,
    project_programs,
)
from lms.projects.queries.review_queue import (
    QueueGroup,
    QueueItem,
    QueueSummary,
    next_in_queue,
    queue_count,
    queue_overview,
    queue_page,
    queue_summary,
)
from lms.projects.services.attitude import observations_of, record_observation
from lms.projects.services.auditlog import audit
from lms.projects.services.consultations import confirm_consultation, consultations_of, log_consultation
from lms.projects.services.decisions import decide, reviews_of, scores_of
from lms.projects.services.digest import DEFAULT_OVERDUE_DAYS, send_overdue_digest
from lms.projects.services.drafts import add_draft_files, draft_files, remove_draft_file, save_draft
from lms.projects.services.exports import overview_csv
from lms.projects.services.labels import (
    MILESTONE_STATUS_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    TERM_LABELS,
    state_label,
)
from lms.projects.services.milestones import (
    add_evidence,
    add_milestone,
    confirm_milestone,
    milestones_of,
    update_milestone,
)
from lms.projects.services.program import (
    DEFAULT_ATTITUDE,
    DEFAULT_STAGES,
    StageData,
    attitude_criteria,
    create_stage,
    criteria_text,
    due_dates,
    install_default_stages,
    parse_criteria,
    program_stages,
    set_attitude_criteria,
    set_due_dates,
    set_rubric,
    update_stage,
)
from lms.projects.services.projects import (
    MAX_TEXT_CHARS,
    ProjectData,
    StageRow,
    project_of,
    project_stages,
    start_project,
    submission_for,
    update_project,
)
from lms.projects.services.scoring import weighted_total
from lms.projects.services.seminars import (
    create_session,
    score_seminar,
    seminar_scores,
    set_outcome,
    set_session_members,
)
from lms.projects.services.uploads import ALLOWED_KINDS, Upload
from lms.projects.services.workflow import (
    days_waiting,
    move_submission,
    review_path,
    reviewers_of,
    stage_path,
    submit_stage,
)

__all__ = [
    "ALLOWED_KINDS",
    "DEFAULT_OVERDUE_DAYS",
    "MAX_TEXT_CHARS",
    "STATE_LABELS",
    "OUTCOME_LABELS",
    "TERM_LABELS",
    "MILESTONE_STATUS_LABELS",
    "state_label",
    "audit",
    "audit_log",
    "DEFAULT_STAGES",
    "DEFAULT_ATTITUDE",
    "program_stages",
    "install_default_stages",
    "StageData",
    "create_stage",
    "update_stage",
    "parse_criteria",
    "criteria_text",
    "set_rubric",
    "attitude_criteria",
    "set_attitude_criteria",
    "due_dates",
    "set_due_dates",
    "ProjectData",
    "project_of",
    "start_project",
    "update_project",
    "StageRow",
    "project_stages",
    "submission_for",
    "Upload",
    "add_draft_files",
    "draft_files",
    "remove_draft_file",
    "save_draft",
    "move_submission",
    "submit_stage",
    "review_path",
    "stage_path",
    "reviewers_of",
    "reviews_of",
    "scores_of",
    "weighted_total",
    "decide",
    "next_in_queue",
    "QueueGroup",
    "QueueSummary",
    "queue_summary",
    "QueueItem",
    "queue_page",
    "queue_overview",
    "queue_count",
    "days_waiting",
    "milestones_of",
    "add_milestone",
    "update_milestone",
    "add_evidence",
    "confirm_milestone",
    "consultations_of",
    "log_consultation",
    "confirm_consultation",
    "create_session",
    "set_session_members",
    "seminar_scores",
    "score_seminar",
    "set_outcome",
    "record_observation",
    "observations_of",
    "project_angkatan",
    "project_programs",
    "angkatan_enrolments",
    "matrix",
    "overdue_by_reviewer",
    "overview_csv",
    "catalogue",
    "in_catalogue",
    "send_overdue_digest",
    "permissions",
]
