"""Attitude and work ethic (sikap dan etika kerja): observation forms by the coach, the mentor or
an admin, scored with the program's attitude criteria."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.courses.models import Enrolment
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.projects import permissions
from lms.projects.models import AttitudeObservation, AttitudeScore, ObserverRole
from lms.projects.services.auditlog import audit
from lms.projects.services.program import attitude_criteria
from lms.projects.services.projects import project_of
from lms.projects.services.scoring import _validate_scores


def record_observation(
    enrolment: Enrolment,
    observer: User,
    observed_on: date,
    scores: dict[int, int | None],
    note: str,
) -> AttitudeObservation:
    """An observation form on sikap dan etika kerja by the coach, the mentor or an admin."""
    if not permissions.can_observe_attitude(observer, enrolment):
        raise PermissionDenied(_("Anda tidak dapat mengisi observasi sikap peserta ini."))
    if enrolment.coach_id == observer.id:
        role = ObserverRole.COACH
    elif enrolment.mentor_id == observer.id:
        role = ObserverRole.MENTOR
    else:
        role = ObserverRole.ADMIN
    criteria = attitude_criteria(enrolment.angkatan.program)
    if not criteria:
        raise DomainError(_("Program ini belum memiliki kriteria sikap. Hubungi admin."))
    clean = _validate_scores(criteria, scores, required=True)
    obs = AttitudeObservation(
        enrolment_id=enrolment.id,
        observer_id=observer.id,
        role=role,
        observed_on=observed_on,
        note=(note or "").strip(),
    )
    for criterion_id, value in clean.items():
        obs.scores.append(AttitudeScore(criterion_id=criterion_id, score=value))
    db.session.add(obs)
    db.session.flush()
    project = project_of(enrolment)
    audit(observer, project.id if project else None, "attitude_observation", obs, "", str(clean))
    return obs


def observations_of(enrolment: Enrolment) -> list[AttitudeObservation]:
    """Observation forms of a participant, newest first, with scores."""
    return list(
        db.session.scalars(
            select(AttitudeObservation)
            .where(AttitudeObservation.enrolment_id == enrolment.id)
            .options(
                joinedload(AttitudeObservation.observer),
                selectinload(AttitudeObservation.scores).joinedload(AttitudeScore.criterion),
            )
            .order_by(AttitudeObservation.observed_on.desc(), AttitudeObservation.id.desc())
        )
    )
