"""What a dashboard panel is computed for and what it returns: the subjects (an angkatan for
admins, an instansi or unit for pimpinan), the table with its optional bar chart, and the window
of per-person rows a page asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.accounts.models import Instansi, UnitKerja
from lms.courses.models import Angkatan


@dataclass
class Chart:
    """One series of bars: a label and a value each."""

    title: str
    labels: list[str]
    values: list[float]
    unit: str = ""

    @property
    def description(self) -> str:
        """The chart in words, for screen readers (the table beside it has the same data)."""
        parts = [
            f"{label}: {_fmt(value)} {self.unit}".strip()
            for label, value in zip(self.labels, self.values, strict=True)
        ]
        return f"{self.title}. " + "; ".join(parts) + "."

    @property
    def maximum(self) -> float:
        return max(self.values, default=0) or 1


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class PanelData:
    """What a panel shows: a table and optionally a chart of it."""

    columns: list[str]
    rows: list[list]
    chart: Chart | None = None
    note: str = ""
    total: int | None = None  # set when ``rows`` is only the requested window of the table

    @property
    def row_count(self) -> int:
        """How many rows the whole table has (the CSV export's)."""
        return len(self.rows) if self.total is None else self.total


@dataclass
class AngkatanSubject:
    """An admin's dashboard of one angkatan; ``year`` is the viewer's current calendar year."""

    angkatan: Angkatan
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)
    window: tuple[int, int] | None = None  # (offset, limit) of per-person rows; None: all


@dataclass
class InstansiSubject:
    """A pimpinan's dashboard: an instansi, optionally one unit, for one calendar year."""

    instansi: Instansi
    unit: UnitKerja | None
    year: int
    timezone: str = "Asia/Jakarta"
    cache: dict = field(default_factory=dict)
    window: tuple[int, int] | None = None  # (offset, limit) of per-person rows; None: all


def apply_window(stmt, window: tuple[int, int] | None):
    if window is None:
        return stmt
    offset, limit = window
    return stmt.offset(offset).limit(limit)
