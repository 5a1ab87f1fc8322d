"""Rubric scores: checking scores against the criteria's ranges and the weighted 0-100 total.
Shared by stage reviews, seminar scores and attitude observations."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.errors import DomainError
from lms.projects.models import RubricCriterion


def _validate_scores(criteria: list[RubricCriterion], scores: dict[int, int | None], required: bool) -> dict:
    clean = {}
    for crit in criteria:
        value = scores.get(crit.id)
        if value is None:
            if required:
                raise DomainError(_("Isi nilai untuk setiap kriteria rubrik (%(name)s).", name=crit.name))
            continue
        if not crit.min_score <= int(value) <= crit.max_score:
            raise DomainError(
                _(
                    "Nilai %(name)s harus antara %(low)s dan %(high)s.",
                    name=crit.name,
                    low=crit.min_score,
                    high=crit.max_score,
                )
            )
        clean[crit.id] = int(value)
    return clean


def weighted_total(criteria, scores: dict[int, int]) -> float | None:
    """Weighted score on a 0-100 scale, or None when a criterion has no score."""
    if not criteria or any(c.id not in scores for c in criteria):
        return None
    total_weight = sum(c.weight for c in criteria)
    value = sum(c.weight * (scores[c.id] - c.min_score) / (c.max_score - c.min_score) * 100 for c in criteria)
    return round(value / total_weight, 2)
