"""Final assessment: stored results recomputed on change, manual scores and the admin's outcome
(which credits or takes back the program's JP).

Where the scores come from and the scoring rules are in :mod:`lms.results.services.scoring`; the
schemes in :mod:`lms.results.services.schemes`; the results table in
:mod:`lms.results.queries.results_table`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.errors import DomainError, WorkflowError, check_version
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
    SchemeComponent,
)
from lms.results.queries.participants import participants_of
from lms.results.queries.schemes import scheme_for_angkatan
from lms.results.services import audit
from lms.results.services.scoring import manual_scores, predicate_for, source_for, weighted_final

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
    enrolments = participants_of(angkatan.id)
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
    check_version(result.outcome_version, expected_version)
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
