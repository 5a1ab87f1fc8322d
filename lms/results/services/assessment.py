"""Final assessment: component sources, schemes with effective dates, weighted scores and
predicates, stored results recomputed on change, manual scores and the admin's outcome.

Component sources are a small registry so that other features (quizzes, projects) plug in their
scores without results importing them: ``register_component_source(key, label, fn)`` where
``fn(enrolment_ids) -> {enrolment_id: score 0-100 or None}`` answers for a whole angkatan in one
bounded query. A scheme component whose key has no registered source is scored by hand
(:class:`ManualScore`, typed in by an admin).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus, Program
from lms.errors import DomainError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import JpSource
from lms.models_base import utcnow
from lms.results.models import (
    AssessmentScheme,
    Certificate,
    CertificateStatus,
    ManualScore,
    Outcome,
    ParticipantResult,
    PredicateBand,
    SchemeComponent,
)
from lms.results.services import audit

ScoreFn = Callable[[list[int]], dict[int, float | None]]
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TWO_PLACES = Decimal("0.01")
DEFAULT_BANDS: list[tuple[str, float | None]] = [
    ("Sangat Memuaskan", 90.0),
    ("Memuaskan", 80.0),
    ("Cukup Memuaskan", 70.0),
    ("Kurang Memuaskan", 60.0),
    ("Tidak Memuaskan", None),
]
OUTCOME_LABELS = {
    Outcome.LULUS: _l("Lulus"),
    Outcome.LULUS_PERBAIKAN: _l("Lulus dengan perbaikan"),
    Outcome.DITUNDA: _l("Ditunda"),
    Outcome.TIDAK_LULUS: _l("Tidak lulus"),
}


def outcome_label(outcome: Outcome | str | None) -> str:
    """The outcome in Bahasa Indonesia ("" when not decided)."""
    if not outcome:
        return ""
    return str(OUTCOME_LABELS[Outcome(outcome)])


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


def _dec(value: float | int | Decimal) -> Decimal:
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
        total += _dec(score) * _dec(weight)
        weight_sum += _dec(weight)
    if weight_sum == 0:
        return None
    return (total / weight_sum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def predicate_for(score: float | Decimal, bands: Iterable[tuple[str, float | None]]) -> str:
    """The predicate of a final score: the band with the highest ``above`` that the score is
    strictly greater than; otherwise the catch-all band (``above`` None)."""
    value = _dec(score)
    fallback = ""
    ranked = []
    for label, above in bands:
        if above is None:
            fallback = label
        else:
            ranked.append((_dec(above), label))
    for above, label in sorted(ranked, reverse=True):
        if value > above:
            return label
    return fallback


# --- schemes ----------------------------------------------------------------------------------


@dataclass
class ComponentInput:
    key: str
    label: str
    weight: float


@dataclass
class BandInput:
    label: str
    above: float | None


def default_bands() -> list[BandInput]:
    """The common bands (>90, >80, >70, >60, else), a starting point admins may change."""
    return [BandInput(label, above) for label, above in DEFAULT_BANDS]


class SchemeError(DomainError):
    """The scheme as typed cannot be used; the message says why."""


def _validate_scheme(components: list[ComponentInput], bands: list[BandInput]) -> None:
    if not components:
        raise SchemeError(_("Isi sekurang-kurangnya satu komponen penilaian."))
    keys = [c.key for c in components]
    for key in keys:
        if not KEY_RE.match(key):
            raise SchemeError(
                _(
                    "Kunci komponen %(key)s tidak sah: gunakan huruf kecil, angka, - atau _, diawali huruf.",
                    key=key,
                )
            )
    if len(set(keys)) != len(keys):
        raise SchemeError(_("Kunci komponen tidak boleh sama."))
    for c in components:
        if not c.label.strip():
            raise SchemeError(_("Setiap komponen perlu nama."))
        if not 0 < c.weight <= 100:
            raise SchemeError(_("Bobot komponen harus lebih dari 0 dan paling besar 100."))
    total = sum(_dec(c.weight) for c in components)
    if total != Decimal(100):
        raise SchemeError(_("Jumlah bobot harus 100 (sekarang %(total)s).", total=f"{total:g}"))
    if not bands:
        raise SchemeError(_("Isi pita predikat."))
    catch_all = [b for b in bands if b.above is None]
    if len(catch_all) != 1:
        raise SchemeError(_("Tepat satu predikat harus tanpa batas bawah (untuk nilai terendah)."))
    thresholds = [b.above for b in bands if b.above is not None]
    if len(set(thresholds)) != len(thresholds):
        raise SchemeError(_("Batas bawah predikat tidak boleh sama."))
    if any(not 0 <= t < 100 for t in thresholds):
        raise SchemeError(_("Batas bawah predikat harus dari 0 sampai kurang dari 100."))
    if any(not b.label.strip() for b in bands):
        raise SchemeError(_("Setiap predikat perlu nama."))


def _fill_scheme(scheme: AssessmentScheme, components: list[ComponentInput], bands: list[BandInput]) -> None:
    scheme.components = [
        SchemeComponent(key=c.key, label=c.label.strip(), weight=float(c.weight), position=i)
        for i, c in enumerate(components)
    ]
    ordered = sorted(bands, key=lambda b: -1 if b.above is None else b.above, reverse=True)
    scheme.bands = [
        PredicateBand(label=b.label.strip(), above=None if b.above is None else float(b.above), position=i)
        for i, b in enumerate(ordered)
    ]


def _check_date_free(program_id: int, effective_from: date, exclude_id: int | None = None) -> None:
    stmt = select(AssessmentScheme.id).where(
        AssessmentScheme.program_id == program_id, AssessmentScheme.effective_from == effective_from
    )
    if exclude_id is not None:
        stmt = stmt.where(AssessmentScheme.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise SchemeError(_("Program ini sudah punya skema yang berlaku mulai tanggal tersebut."))


def create_scheme(
    program: Program,
    name: str,
    effective_from: date,
    components: list[ComponentInput],
    bands: list[BandInput],
    by: User | None,
) -> AssessmentScheme:
    """Add a scheme for ``program`` in force from ``effective_from``."""
    _validate_scheme(components, bands)
    _check_date_free(program.id, effective_from)
    scheme = AssessmentScheme(
        program_id=program.id, name=name.strip() or program.name, effective_from=effective_from
    )
    scheme.created_by_id = by.id if by else None
    _fill_scheme(scheme, components, bands)
    db.session.add(scheme)
    db.session.flush()
    audit.record(
        "scheme.create",
        by,
        "scheme",
        scheme.id,
        data={"program_id": program.id, "effective_from": effective_from.isoformat()},
    )
    return scheme


def scheme_in_use(scheme: AssessmentScheme) -> bool:
    """True once any result was computed with the scheme (it is then locked)."""
    return (
        db.session.scalar(
            select(ParticipantResult.id).where(ParticipantResult.scheme_id == scheme.id).limit(1)
        )
        is not None
    )


def update_scheme(
    scheme: AssessmentScheme,
    name: str,
    effective_from: date,
    components: list[ComponentInput],
    bands: list[BandInput],
    by: User | None,
    expected_version: int | None = None,
) -> AssessmentScheme:
    """Change a scheme that no result uses yet; a used scheme is locked (make a new one)."""
    if expected_version is not None and expected_version != scheme.version:
        raise StaleEdit(_("Skema ini baru saja diubah orang lain. Muat ulang halaman lalu ulangi perubahan."))
    if scheme_in_use(scheme):
        raise WorkflowError(
            _(
                "Skema ini sudah dipakai untuk menghitung nilai angkatan, sehingga tidak dapat diubah. "
                "Buat skema baru dengan tanggal berlaku yang baru."
            )
        )
    _validate_scheme(components, bands)
    _check_date_free(scheme.program_id, effective_from, exclude_id=scheme.id)
    scheme.name = name.strip() or scheme.name
    scheme.effective_from = effective_from
    _fill_scheme(scheme, components, bands)
    db.session.flush()
    audit.record(
        "scheme.update", by, "scheme", scheme.id, data={"effective_from": effective_from.isoformat()}
    )
    return scheme


def delete_scheme(scheme: AssessmentScheme, by: User | None) -> None:
    """Delete an unused scheme."""
    if scheme_in_use(scheme):
        raise WorkflowError(_("Skema yang sudah dipakai tidak dapat dihapus."))
    audit.record("scheme.delete", by, "scheme", scheme.id, data={"name": scheme.name})
    db.session.delete(scheme)
    db.session.flush()


def _with_parts(stmt):
    return stmt.options(selectinload(AssessmentScheme.components), selectinload(AssessmentScheme.bands))


def scheme_in_force(program_id: int, on: date) -> AssessmentScheme | None:
    """The program's scheme with the latest effective date on or before ``on``."""
    stmt = (
        select(AssessmentScheme)
        .where(AssessmentScheme.program_id == program_id, AssessmentScheme.effective_from <= on)
        .order_by(AssessmentScheme.effective_from.desc())
        .limit(1)
    )
    return db.session.scalar(_with_parts(stmt))


def angkatan_reference_date(angkatan: Angkatan) -> date:
    """The date that picks an angkatan's scheme: its start date (else its creation date)."""
    if angkatan.start_date:
        return angkatan.start_date
    return angkatan.created_at.date() if angkatan.created_at else date.today()


def scheme_for_angkatan(angkatan: Angkatan) -> AssessmentScheme | None:
    """The scheme the angkatan's results use: the one pinned by its first computation, otherwise
    the program's scheme in force at the angkatan's start date."""
    if angkatan.program_id is None:
        return None
    pinned_id = db.session.scalar(
        select(ParticipantResult.scheme_id)
        .where(ParticipantResult.angkatan_id == angkatan.id, ParticipantResult.scheme_id.is_not(None))
        .limit(1)
    )
    if pinned_id is not None:
        return db.session.scalar(
            _with_parts(select(AssessmentScheme).where(AssessmentScheme.id == pinned_id))
        )
    return scheme_in_force(angkatan.program_id, angkatan_reference_date(angkatan))


def schemes_of(program_id: int) -> list[AssessmentScheme]:
    """A program's schemes, newest effective date first."""
    stmt = (
        select(AssessmentScheme)
        .where(AssessmentScheme.program_id == program_id)
        .order_by(AssessmentScheme.effective_from.desc())
    )
    return list(db.session.scalars(_with_parts(stmt)))


# --- computing results ------------------------------------------------------------------------


@dataclass
class RecomputeSummary:
    total: int = 0
    changed: int = 0
    complete: int = 0


def _active_enrolment_ids(angkatan_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Enrolment.id)
            .where(Enrolment.angkatan_id == angkatan_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .order_by(Enrolment.id)
        )
    )


def _collect(scheme: AssessmentScheme, enrolment_ids: list[int]) -> dict[str, dict[int, float | None]]:
    by_key: dict[str, dict[int, float | None]] = {}
    for component in scheme.components:
        source = source_for(component.key)
        raw = source.fn(enrolment_ids) if enrolment_ids else {}
        clean: dict[int, float | None] = {}
        for enrolment_id, score in raw.items():
            if score is None:
                clean[enrolment_id] = None
                continue
            value = float(score)
            if not 0 <= value <= 100:
                raise DomainError(
                    _(
                        "Sumber nilai %(label)s memberi nilai di luar 0-100 (%(value)s).",
                        label=source.label,
                        value=value,
                    )
                )
            clean[enrolment_id] = round(value, 2)
        by_key[component.key] = clean
    return by_key


def recompute_results(angkatan: Angkatan) -> RecomputeSummary:
    """Recompute every participant's components, final score and predicate for ``angkatan``.

    Runs a bounded number of queries whatever the class size (one per component source plus a
    handful); rows change only where a value changed. The outcome is never touched. The scheme is
    pinned by the first computation, so later schemes never alter this angkatan's results.
    """
    scheme = scheme_for_angkatan(angkatan)
    if scheme is None:
        raise DomainError(
            _("Belum ada skema penilaian yang berlaku untuk program angkatan ini pada tanggal mulainya.")
        )
    enrolment_ids = _active_enrolment_ids(angkatan.id)
    by_key = _collect(scheme, enrolment_ids)
    weights = [(c.key, c.weight) for c in scheme.components]
    bands = [(b.label, b.above) for b in scheme.bands]
    existing = {
        r.enrolment_id: r
        for r in db.session.scalars(
            select(ParticipantResult).where(ParticipantResult.angkatan_id == angkatan.id)
        )
    }
    summary = RecomputeSummary(total=len(enrolment_ids))
    now = utcnow()
    for enrolment_id in enrolment_ids:
        components = {key: by_key[key].get(enrolment_id) for key, _w in weights}
        final = weighted_final(components, weights)
        final_f = float(final) if final is not None else None
        predicate = predicate_for(final, bands) if final is not None else None
        if final is not None:
            summary.complete += 1
        row = existing.get(enrolment_id)
        if row is None:
            db.session.add(
                ParticipantResult(
                    enrolment_id=enrolment_id,
                    angkatan_id=angkatan.id,
                    scheme_id=scheme.id,
                    components=components,
                    final_score=final_f,
                    predicate=predicate,
                    computed_at=now,
                )
            )
            summary.changed += 1
        elif (row.components, row.final_score, row.predicate, row.scheme_id) != (
            components,
            final_f,
            predicate,
            scheme.id,
        ):
            row.components = components
            row.final_score = final_f
            row.predicate = predicate
            row.scheme_id = scheme.id
            row.computed_at = now
            summary.changed += 1
    db.session.flush()
    return summary


def recompute_for_enrolments(enrolment_ids: Iterable[int]) -> int:
    """Recompute the angkatan of these enrolments (for features whose scores just changed).

    Angkatan without a program or without a scheme are skipped. Returns how many were recomputed.
    """
    ids = list(set(enrolment_ids))
    if not ids:
        return 0
    angkatan_list = db.session.scalars(
        select(Angkatan)
        .where(Angkatan.id.in_(select(Enrolment.angkatan_id).where(Enrolment.id.in_(ids))))
        .where(Angkatan.program_id.is_not(None))
    ).all()
    done = 0
    for angkatan in angkatan_list:
        if scheme_for_angkatan(angkatan) is not None:
            recompute_results(angkatan)
            done += 1
    return done


# --- manual scores ----------------------------------------------------------------------------


def manual_components(scheme: AssessmentScheme | None) -> list[SchemeComponent]:
    """The components of ``scheme`` that admins score by hand."""
    if scheme is None:
        return []
    return [c for c in scheme.components if source_for(c.key).manual]


@dataclass
class ManualRow:
    enrolment: Enrolment
    score: float | None


def manual_score_sheet(angkatan: Angkatan, key: str) -> list[ManualRow]:
    """Participants of ``angkatan`` with their manual score for ``key`` (two queries)."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.angkatan_id == angkatan.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(selectinload(Enrolment.user))
            .order_by(Enrolment.ndh, Enrolment.id)
        )
    )
    scores = manual_scores(key)([e.id for e in enrolments])
    return [ManualRow(e, scores.get(e.id)) for e in enrolments]


def save_manual_scores(angkatan: Angkatan, key: str, scores: dict[int, float | None], by: User | None) -> int:
    """Store the admin's scores for component ``key`` (None clears one), audit each change, then
    recompute the angkatan. Returns the number of changed scores."""
    scheme = scheme_for_angkatan(angkatan)
    if key not in {c.key for c in manual_components(scheme)}:
        raise DomainError(_("Komponen ini tidak dinilai secara manual pada skema angkatan ini."))
    valid_ids = set(_active_enrolment_ids(angkatan.id))
    for enrolment_id, score in scores.items():
        if enrolment_id not in valid_ids:
            raise DomainError(_("Peserta tidak terdaftar pada angkatan ini."))
        if score is not None and not 0 <= score <= 100:
            raise DomainError(_("Nilai harus dari 0 sampai 100."))
    existing = {
        m.enrolment_id: m
        for m in db.session.scalars(
            select(ManualScore).where(
                ManualScore.component_key == key, ManualScore.enrolment_id.in_(list(scores))
            )
        )
    }
    changed = 0
    for enrolment_id, score in scores.items():
        row = existing.get(enrolment_id)
        old = row.score if row else None
        new = round(float(score), 2) if score is not None else None
        if old == new:
            continue
        if row is None:
            db.session.add(
                ManualScore(
                    enrolment_id=enrolment_id,
                    component_key=key,
                    score=new,
                    entered_by_id=by.id if by else None,
                )
            )
        elif new is None:
            db.session.delete(row)
        else:
            row.score = new
            row.entered_by_id = by.id if by else None
        audit.record(
            "manual_score.set",
            by,
            "enrolment",
            enrolment_id,
            angkatan_id=angkatan.id,
            data={"component": key, "from": old, "to": new},
        )
        changed += 1
    db.session.flush()
    if changed:
        recompute_results(angkatan)
    return changed


# --- outcome ----------------------------------------------------------------------------------


def result_of(enrolment: Enrolment) -> ParticipantResult | None:
    """The stored result of one participant, if computed."""
    return db.session.scalar(select(ParticipantResult).where(ParticipantResult.enrolment_id == enrolment.id))


def has_active_certificate(enrolment_id: int) -> bool:
    """True when the participant holds a valid STTP."""
    return (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.enrolment_id == enrolment_id, Certificate.status == CertificateStatus.ISSUED
            )
        )
        is not None
    )


def set_outcome(
    enrolment: Enrolment,
    outcome: Outcome | None,
    note: str,
    by: User | None,
    expected_version: int | None = None,
) -> ParticipantResult:
    """Record the admin's decision (lulus, lulus dengan perbaikan, ditunda, tidak lulus), logged.

    A participant holding a valid certificate cannot be set to a non-passing outcome: revoke the
    certificate first.
    """
    angkatan = enrolment.angkatan
    if angkatan.program_id is None:
        raise DomainError(_("Keputusan kelulusan hanya untuk angkatan program."))
    result = result_of(enrolment)
    if result is None:
        recompute_results(angkatan)
        result = result_of(enrolment)
    if result is None:
        raise DomainError(_("Peserta ini tidak aktif pada angkatan."))
    if expected_version is not None and expected_version != result.outcome_version:
        raise StaleEdit(
            _("Keputusan peserta ini baru saja diubah orang lain. Muat ulang halaman lalu periksa lagi.")
        )
    new = Outcome(outcome) if outcome else None
    if (new is None or not new.passing) and has_active_certificate(enrolment.id):
        raise WorkflowError(
            _(
                "Peserta ini memegang sertifikat yang sah. "
                "Cabut sertifikatnya dahulu sebelum mengubah keputusan."
            )
        )
    old = result.outcome
    result.outcome = new
    result.outcome_note = (note or "").strip()
    result.outcome_set_at = utcnow() if new else None
    result.outcome_set_by_id = by.id if (by and new) else None
    result.outcome_version += 1
    db.session.flush()
    audit.record(
        "outcome.set",
        by,
        "enrolment",
        enrolment.id,
        angkatan_id=angkatan.id,
        data={"from": old.value if old else None, "to": new.value if new else None},
        reason=result.outcome_note,
    )
    _credit_program_jp(enrolment, passing=bool(new and new.passing))
    return result


def _credit_program_jp(enrolment: Enrolment, passing: bool) -> None:
    """A passing outcome credits the program's JP to the participant's ledger, once per angkatan
    (source "program", source id = the angkatan); a later non-passing outcome takes it back."""
    angkatan, program = enrolment.angkatan, enrolment.angkatan.program
    if passing and program is not None and program.jp > 0:
        jp_services.credit_jp(
            enrolment.user,
            JpSource.PROGRAM,
            angkatan.id,
            f"{program.name}: {angkatan.name}",
            program.jp,
            utcnow(),
        )
    elif not passing:
        jp_services.revoke_jp(enrolment.user_id, JpSource.PROGRAM, angkatan.id)


# --- the results table ------------------------------------------------------------------------


@dataclass
class ResultRow:
    rank: int | None
    enrolment: Enrolment
    user: User
    components: dict[str, float | None]
    final: float | None
    predicate: str | None
    outcome: Outcome | None
    outcome_version: int
    certificate: Certificate | None

    @property
    def outdated_certificate(self) -> bool:
        """The certificate prints another predicate than the current result (a reissue may be due)."""
        return bool(self.certificate and self.predicate and self.certificate.predicate != self.predicate)


@dataclass
class ResultsTable:
    angkatan: Angkatan
    scheme: AssessmentScheme | None
    components: list[SchemeComponent] = field(default_factory=list)
    rows: list[ResultRow] = field(default_factory=list)
    computed: bool = False


def rank_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Order by final score (highest first, missing last, then NDH) and give competition ranks
    (1, 2, 2, 4); participants without a final score get no rank."""
    rows.sort(key=lambda r: (r.final is None, -(r.final or 0), r.enrolment.ndh or 10**9, r.user.full_name))
    previous: float | None = None
    rank = 0
    for position, row in enumerate(rows, start=1):
        if row.final is None:
            row.rank = None
            continue
        if row.final != previous:
            rank = position
            previous = row.final
        row.rank = rank
    return rows


def results_table(angkatan: Angkatan) -> ResultsTable:
    """The per-angkatan results (rank, components, final, predicate, outcome, certificate) in a
    bounded number of queries."""
    scheme = scheme_for_angkatan(angkatan)
    table = ResultsTable(
        angkatan=angkatan, scheme=scheme, components=list(scheme.components) if scheme else []
    )
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.angkatan_id == angkatan.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(selectinload(Enrolment.user))
        )
    )
    results = {
        r.enrolment_id: r
        for r in db.session.scalars(
            select(ParticipantResult).where(ParticipantResult.angkatan_id == angkatan.id)
        )
    }
    certificates = {
        c.enrolment_id: c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.angkatan_id == angkatan.id,
                Certificate.status == CertificateStatus.ISSUED,
                Certificate.enrolment_id.is_not(None),
            )
        )
    }
    table.computed = bool(results)
    rows = []
    for e in enrolments:
        r = results.get(e.id)
        rows.append(
            ResultRow(
                rank=None,
                enrolment=e,
                user=e.user,
                components=dict(r.components) if r else {},
                final=r.final_score if r else None,
                predicate=r.predicate if r else None,
                outcome=r.outcome if r else None,
                outcome_version=r.outcome_version if r else 0,
                certificate=certificates.get(e.id),
            )
        )
    table.rows = rank_rows(rows)
    return table


def format_score(value: float | None) -> str:
    """A score as printed in tables and exports: two decimals, a comma as in Indonesian."""
    if value is None:
        return ""
    return f"{value:.2f}".replace(".", ",")


def results_export_rows(table: ResultsTable) -> tuple[list[str], list[list]]:
    """Columns and rows of the results table for CSV and XLSX (numbers stay numbers)."""
    columns = [_("Peringkat"), _("NDH"), _("Nama"), _("NIP")]
    columns += [f"{c.label} ({c.weight:g}%)" for c in table.components]
    columns += [_("Nilai akhir"), _("Predikat"), _("Keputusan"), _("Nomor sertifikat")]
    rows = []
    for r in table.rows:
        rows.append(
            [r.rank, r.enrolment.ndh, r.user.full_name, r.user.nip or ""]
            + [r.components.get(c.key) for c in table.components]
            + [
                r.final,
                r.predicate or "",
                outcome_label(r.outcome),
                r.certificate.number if r.certificate else "",
            ]
        )
    return columns, rows
