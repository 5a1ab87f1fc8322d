"""Results models, one module per concept; import them from here (``lms.results.models``)."""

from lms.results.models.assessment import (
    AssessmentScheme,
    ManualScore,
    Outcome,
    ParticipantResult,
    PredicateBand,
    SchemeComponent,
)
from lms.results.models.certificates import (
    Certificate,
    CertificateKind,
    CertificateSequence,
    CertificateSettings,
    CertificateStatus,
)
from lms.results.models.dashboard_indexes import ix_lesson_progress_done
from lms.results.models.scopes import PimpinanScope
from lms.results.models.snapshots import DashboardSnapshot
from lms.results.models.survey import SurveyAnswer, SurveyItem, SurveyParticipation, SurveyResponse

__all__ = [
    "AssessmentScheme",
    "Certificate",
    "CertificateKind",
    "CertificateSequence",
    "CertificateSettings",
    "CertificateStatus",
    "DashboardSnapshot",
    "ManualScore",
    "Outcome",
    "ParticipantResult",
    "PimpinanScope",
    "PredicateBand",
    "SchemeComponent",
    "SurveyAnswer",
    "ix_lesson_progress_done",
    "SurveyItem",
    "SurveyParticipation",
    "SurveyResponse",
]
