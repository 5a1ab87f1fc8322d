"""The results table of a program angkatan (rank, components, final score, predicate, outcome,
certificate) in a bounded number of queries, and its rows for CSV and XLSX."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.results.models import (
    AssessmentScheme,
    Certificate,
    CertificateStatus,
    Outcome,
    ParticipantResult,
    SchemeComponent,
)
from lms.results.queries.schemes import scheme_for_angkatan

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
