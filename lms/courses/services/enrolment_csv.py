"""Enrolment by CSV: read the file, validate every line (line-numbered errors, nothing imported
on any error), then apply."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts import nip as nip_rules
from lms.accounts.models import User
from lms.courses import permissions
from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus, EnrolmentVia
from lms.courses.services._common import CourseError
from lms.courses.services.enrolments import _check_helpers, _lock_angkatan, change_enrolment_status
from lms.errors import ImportRejected, LineError
from lms.extensions import db

ENROLMENT_CSV_COLUMNS = ["nip", "ndh", "mentor_nip", "coach_nip"]


@dataclass
class EnrolmentImportResult:
    """What an enrolment import did."""

    created: int = 0
    updated: int = 0


@dataclass
class _EnrolRow:
    line: int
    user: User
    ndh: int | None
    mentor: User | None
    coach: User | None


def _read_csv(text: str):
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def import_enrolments_csv(angkatan: Angkatan, text: str, filename: str = "CSV") -> EnrolmentImportResult:
    """Enrol participants from CSV (``nip,ndh`` and optional ``mentor_nip,coach_nip``).

    Every line is checked first; with any bad line (an unknown NIP, a repeated NDH, someone as
    their own mentor...) nothing is imported and :class:`ImportRejected` names each line.
    A participant already in the angkatan gets the NDH, mentor and coach from the file.
    """
    reader = _read_csv(text)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "nip" not in header:
        raise ImportRejected(
            [
                LineError(
                    1,
                    _(
                        "Kolom nip tidak ada. Kolom yang dikenal: %(cols)s.",
                        cols=", ".join(ENROLMENT_CSV_COLUMNS),
                    ),
                    filename,
                )
            ]
        )
    reader.fieldnames = header
    raw_rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        raw_rows.append(
            (reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)})
        )
    # One query for every person named in the file.
    nips = set()
    for _line, row in raw_rows:
        for col in ("nip", "mentor_nip", "coach_nip"):
            if row.get(col):
                nips.add(nip_rules.normalize(row[col]))
    people = {u.nip: u for u in db.session.scalars(select(User).where(User.nip.in_(nips)))} if nips else {}
    existing = {
        e.user_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.angkatan_id == angkatan.id))
    }
    errors: list[LineError] = []
    rows: list[_EnrolRow] = []
    seen_user: dict[int, int] = {}
    seen_ndh: dict[int, int] = {}

    def person(raw: str | None, line: int, what: str) -> tuple[bool, User | None]:
        if not raw:
            return True, None
        found = people.get(nip_rules.normalize(raw))
        if found is None:
            errors.append(
                LineError(
                    line, _("%(what)s dengan NIP %(nip)s tidak ditemukan.", what=what, nip=raw), filename
                )
            )
            return False, None
        return True, found

    for line, row in raw_rows:
        if not row.get("nip"):
            errors.append(LineError(line, _("NIP peserta kosong."), filename))
            continue
        ok_user, user = person(row.get("nip"), line, _("Peserta"))
        ok_mentor, mentor = person(row.get("mentor_nip"), line, _("Mentor"))
        ok_coach, coach = person(row.get("coach_nip"), line, _("Coach"))
        if not (ok_user and ok_mentor and ok_coach):
            continue
        if user.id in seen_user:
            errors.append(
                LineError(
                    line, _("NIP ini sudah muncul di baris %(other)s.", other=seen_user[user.id]), filename
                )
            )
            continue
        seen_user[user.id] = line
        ndh = None
        if row.get("ndh"):
            try:
                ndh = int(row["ndh"])
                if ndh <= 0:
                    raise ValueError
            except ValueError:
                errors.append(
                    LineError(line, _("NDH %(v)s bukan bilangan bulat positif.", v=row["ndh"]), filename)
                )
                continue
        try:
            _check_helpers(user, mentor, coach)
        except CourseError as exc:
            errors.append(LineError(line, exc.message, filename))
            continue
        if ndh is not None and ndh in seen_ndh:
            errors.append(
                LineError(
                    line,
                    _("NDH %(ndh)s sudah muncul di baris %(other)s.", ndh=ndh, other=seen_ndh[ndh]),
                    filename,
                )
            )
            continue
        if ndh is not None:
            seen_ndh[ndh] = line
        rows.append(_EnrolRow(line, user, ndh, mentor, coach))
    # NDH held by someone the file does not mention.
    in_file = {r.user.id for r in rows}
    held = {e.ndh: e for e in existing.values() if e.ndh is not None and e.user_id not in in_file}
    for r in rows:
        if r.ndh is not None and r.ndh in held:
            errors.append(
                LineError(
                    r.line, _("NDH %(ndh)s sudah dipakai peserta lain di angkatan ini.", ndh=r.ndh), filename
                )
            )
    if angkatan.capacity is not None:
        seats = sum(1 for e in existing.values() if e.status in permissions.ACCESS_STATUSES)
        for r in rows:
            current = existing.get(r.user.id)
            if current is None or current.status == EnrolmentStatus.WITHDRAWN:
                seats += 1
                if seats > angkatan.capacity:
                    errors.append(
                        LineError(
                            r.line,
                            _("Angkatan penuh (kapasitas %(n)s peserta).", n=angkatan.capacity),
                            filename,
                        )
                    )
                    break
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    if not rows:
        raise ImportRejected([LineError(1, _("Berkas tidak berisi baris data."), filename)])
    _lock_angkatan(angkatan)
    result = EnrolmentImportResult()
    # Free the NDH the file reassigns first, so swapping two numbers does not collide.
    for r in rows:
        current = existing.get(r.user.id)
        if current is not None and r.ndh is not None and current.ndh != r.ndh:
            current.ndh = None
    db.session.flush()
    next_ndh = max([e.ndh or 0 for e in existing.values()] + [r.ndh or 0 for r in rows]) + 1
    for r in rows:
        current = existing.get(r.user.id)
        if current is None:
            ndh = r.ndh
            if ndh is None:
                ndh, next_ndh = next_ndh, next_ndh + 1
            db.session.add(
                Enrolment(
                    angkatan=angkatan,
                    user=r.user,
                    ndh=ndh,
                    mentor=r.mentor,
                    coach=r.coach,
                    via=EnrolmentVia.CSV,
                )
            )
            result.created += 1
        else:
            if current.status == EnrolmentStatus.WITHDRAWN:
                change_enrolment_status(current, EnrolmentStatus.ACTIVE)
            if r.ndh is not None:
                current.ndh = r.ndh
            elif current.ndh is None:
                current.ndh, next_ndh = next_ndh, next_ndh + 1
            current.mentor, current.coach = r.mentor, r.coach
            result.updated += 1
    db.session.flush()
    return result
