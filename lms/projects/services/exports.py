"""The admin overview as a CSV file (participants x stages with their states)."""

from __future__ import annotations

from lms import csvio
from lms.courses.models import Angkatan
from lms.extensions import db
from lms.projects.queries.overview import angkatan_enrolments, matrix
from lms.projects.services.labels import state_label
from lms.projects.services.program import program_stages


def overview_csv(angkatan: Angkatan) -> str:
    """The participants x stages matrix as CSV (UTF-8 with BOM, for spreadsheet programs; text
    that a spreadsheet would run as a formula is neutralised by :mod:`lms.csvio`)."""
    stages = program_stages(angkatan.program)
    enrolments = list(db.session.scalars(angkatan_enrolments(angkatan)).unique())
    cells = matrix(angkatan, enrolments)
    rows = []
    for e in enrolments:
        cell = cells[e.id]
        project = cell["project"]
        rows.append(
            [
                e.ndh or "",
                e.user.nip or "",
                e.user.full_name,
                e.mentor.full_name if e.mentor else "",
                e.coach.full_name if e.coach else "",
                project.title if project else "",
            ]
            + [
                state_label(cell["subs"][s.id].state) if s.id in cell["subs"] else state_label(None)
                for s in stages
            ]
        )
    columns = ["NDH", "NIP", "Nama", "Mentor", "Coach", "Judul proyek"] + [s.name for s in stages]
    return csvio.to_text(columns, rows)
