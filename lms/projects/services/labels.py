"""Labels of the feature's states, outcomes and milestone terms as people read them
(translated where they are shown)."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.projects.models import MilestoneStatus, MilestoneTerm, SeminarOutcome, SubmissionState

STATE_LABELS = {
    SubmissionState.DRAFT: "draf",
    SubmissionState.SUBMITTED: "diajukan",
    SubmissionState.IN_REVIEW: "sedang ditinjau",
    SubmissionState.REVISION_REQUESTED: "perlu revisi",
    SubmissionState.RESUBMITTED: "diajukan ulang",
    SubmissionState.APPROVED: "disetujui",
}
OUTCOME_LABELS = {
    SeminarOutcome.LULUS: "Lulus",
    SeminarOutcome.LULUS_PERBAIKAN: "Lulus dengan perbaikan",
    SeminarOutcome.DITUNDA: "Ditunda",
    SeminarOutcome.TIDAK_LULUS: "Tidak lulus",
}
TERM_LABELS = {
    MilestoneTerm.SHORT: "Jangka pendek",
    MilestoneTerm.MEDIUM: "Jangka menengah",
    MilestoneTerm.LONG: "Jangka panjang",
}
MILESTONE_STATUS_LABELS = {
    MilestoneStatus.PLANNED: "Direncanakan",
    MilestoneStatus.IN_PROGRESS: "Berjalan",
    MilestoneStatus.DONE: "Selesai",
}


def state_label(state: SubmissionState | None) -> str:
    """Indonesian label of a submission state ("belum dimulai" when there is none)."""
    return _(STATE_LABELS[state]) if state else _("belum dimulai")
