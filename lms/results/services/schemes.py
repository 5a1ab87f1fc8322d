"""Assessment schemes: components with weights and predicate bands, in force from a date per
program; created, changed while unused, and deleted while unused (each logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Program
from lms.errors import DomainError, WorkflowError, check_version
from lms.extensions import db
from lms.results.models import AssessmentScheme, PredicateBand, SchemeComponent
from lms.results.queries.schemes import (
    angkatan_reference_date,
    scheme_for_angkatan,
    scheme_in_force,
    scheme_in_use,
    schemes_of,
)
from lms.results.services import audit
from lms.results.services.scoring import KEY_RE, dec

DEFAULT_BANDS: list[tuple[str, float | None]] = [
    ("Sangat Memuaskan", 90.0),
    ("Memuaskan", 80.0),
    ("Cukup Memuaskan", 70.0),
    ("Kurang Memuaskan", 60.0),
    ("Tidak Memuaskan", None),
]

__all__ = [
    "angkatan_reference_date",
    "BandInput",
    "ComponentInput",
    "create_scheme",
    "DEFAULT_BANDS",
    "default_bands",
    "delete_scheme",
    "scheme_for_angkatan",
    "scheme_in_force",
    "scheme_in_use",
    "SchemeError",
    "schemes_of",
    "update_scheme",
]


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
    total = sum(dec(c.weight) for c in components)
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
    check_version(scheme.version, expected_version)
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
