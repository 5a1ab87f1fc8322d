"""Where component scores come from and how they add up: the registry of component sources and
the pure scoring rules (weighted final score, predicate bands).

Component sources are a small registry so that other features (quizzes, projects) plug in their
scores without results importing them: ``register_component_source(key, label, fn)`` where
``fn(enrolment_ids) -> {enrolment_id: score 0-100 or None}`` answers for a whole angkatan in one
bounded query. A scheme component whose key has no registered source is scored by hand
(:class:`ManualScore`, typed in by an admin).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from lms.extensions import db
from lms.results.models import ManualScore

ScoreFn = Callable[[list[int]], dict[int, float | None]]
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TWO_PLACES = Decimal("0.01")


# --- component sources ------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSource:
    """Where a component's scores come from."""

    key: str
    label: str
    fn: ScoreFn
    manual: bool = False


_SOURCES: dict[str, ComponentSource] = {}


def register_component_source(key: str, label: str, fn: ScoreFn) -> None:
    """Register (or replace) the source of component ``key``.

    ``fn(enrolment_ids)`` returns ``{enrolment_id: score}`` with scores from 0 to 100, or None
    (or no entry) where a participant has no score yet. It must answer for all the ids in a
    bounded number of queries (one is best); it is called once per recomputation of an angkatan.
    """
    if not KEY_RE.match(key):
        raise ValueError(f"component key {key!r} must match {KEY_RE.pattern}")
    _SOURCES[key] = ComponentSource(key=key, label=label, fn=fn)


def unregister_component_source(key: str) -> None:
    """Forget a registered source (tests use it to clean up)."""
    _SOURCES.pop(key, None)


def manual_scores(key: str) -> ScoreFn:
    """The built-in source: scores typed in by admins for ``key`` (one query)."""

    def fetch(enrolment_ids: list[int]) -> dict[int, float | None]:
        if not enrolment_ids:
            return {}
        rows = db.session.execute(
            select(ManualScore.enrolment_id, ManualScore.score).where(
                ManualScore.component_key == key, ManualScore.enrolment_id.in_(enrolment_ids)
            )
        )
        return dict(rows.tuples().all())

    return fetch


def _register_builtin() -> None:
    _SOURCES["kehadiran"] = ComponentSource("kehadiran", "Kehadiran", manual_scores("kehadiran"), manual=True)


_register_builtin()


def source_for(key: str) -> ComponentSource:
    """The registered source of ``key``, or manual scoring when none is registered."""
    return _SOURCES.get(key) or ComponentSource(key, key, manual_scores(key), manual=True)


def component_sources() -> list[ComponentSource]:
    """Every registered source, by key."""
    return [_SOURCES[k] for k in sorted(_SOURCES)]


# --- pure scoring -----------------------------------------------------------------------------


def dec(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def weighted_final(scores: dict[str, float | None], weights: Iterable[tuple[str, float]]) -> Decimal | None:
    """The weighted mean of the components, rounded half up to two decimals; None while a
    component has no score."""
    total = Decimal(0)
    weight_sum = Decimal(0)
    for key, weight in weights:
        score = scores.get(key)
        if score is None:
            return None
        total += dec(score) * dec(weight)
        weight_sum += dec(weight)
    if weight_sum == 0:
        return None
    return (total / weight_sum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def predicate_for(score: float | Decimal, bands: Iterable[tuple[str, float | None]]) -> str:
    """The predicate of a final score: the band with the highest ``above`` that the score is
    strictly greater than; otherwise the catch-all band (``above`` None)."""
    value = dec(score)
    fallback = ""
    ranked = []
    for label, above in bands:
        if above is None:
            fallback = label
        else:
            ranked.append((dec(above), label))
    for above, label in sorted(ranked, reverse=True):
        if value > above:
            return label
    return fallback
