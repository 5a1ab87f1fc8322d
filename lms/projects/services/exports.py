"""The admin overview as a CSV file (participants x stages with their states)."""

from __future__ import annotations

import csv
import io

from lms.courses.models import Angkatan
from lms.extensions import db
from lms.projects.queries.overview import angkatan_enrolments, matrix
from lms.projects.services.labels import state_label
from lms.projects.services.program import program_stages


def overview_csv(angkatan: Angkatan) -> str:
    """The participants x stages matrix as CSV (UTF-8 with BOM, for spreadsheet programs)."""
    stages = program_stages(angkatan.program)
    enrolments = list(db.session.scalars(angkatan_enrolments(angkatan)).unique())
    cells = matrix(angkatan, enrolments)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NDH", "NIP", "Nama", "Mentor", "Coach", "Judul proyek"] + [s.name for s in stages])
    for e in enrolments:
        cell = cells[e.id]
        project = cell["project"]
        writer.writerow(
            [
                e.ndh or "",
                e.user.nip or "",
                e.user.full_name,
                e.mentor.full_name if e.mentor else "",
                e.coach.full_name if e.coach else "",
                _csv_safe(project.title) if project else "",
            ]
            + [
                state_label(cell["subs"][s.id].state) if s.id in cell["subs"] else state_label(None)
                for s in stages
            ]
        )
    return "\ufeff" + out.getvalue()


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
