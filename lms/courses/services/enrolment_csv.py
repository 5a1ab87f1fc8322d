"""Enrolment by CSV: read the file, validate every line (line-numbered errors, nothing imported
on any error), then apply."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms import csvio
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


def _read_lines(text: str, filename: str) -> list[tuple[int, dict[str, str]]]:
    """Read: the file's non-empty lines as (line number, {column: stripped value}), with the
    header's names lower-cased. A file without a ``nip`` column is refused on line 1."""
    reader = csvio.read_dicts(text)
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
    return raw_rows


def _people_named(raw_rows: list[tuple[int, dict[str, str]]]) -> dict[str, User]:
    """One query for every person named in the file, by normalised NIP."""
    nips = set()
    for _line, row in raw_rows:
        for col in ("nip", "mentor_nip", "coach_nip"):
            if row.get(col):
                nips.add(nip_rules.normalize(row[col]))
    return {u.nip: u for u in db.session.scalars(select(User).where(User.nip.in_(nips)))} if nips else {}


class _LineChecker:
    """Validate: the checks of one line on its own and against the lines before it (a person or
    an NDH named twice). Collects every line's errors."""

    def __init__(self, people: dict[str, User], filename: str):
        self.people = people
        self.filename = filename
        self.errors: list[LineError] = []
        self.seen_user: dict[int, int] = {}
        self.seen_ndh: dict[int, int] = {}

    def error(self, line: int, message: str) -> None:
        self.errors.append(LineError(line, message, self.filename))

    def person(self, raw: str | None, line: int, what: str) -> tuple[bool, User | None]:
        if not raw:
            return True, None
        found = self.people.get(nip_rules.normalize(raw))
        if found is None:
            self.error(line, _("%(what)s dengan NIP %(nip)s tidak ditemukan.", what=what, nip=raw))
            return False, None
        return True, found

    def ndh(self, raw: str | None, line: int) -> tuple[bool, int | None]:
        if not raw:
            return True, None
        try:
            ndh = int(raw)
            if ndh <= 0:
                raise ValueError
        except ValueError:
            self.error(line, _("NDH %(v)s bukan bilangan bulat positif.", v=raw))
            return False, None
        return True, ndh

    def check(self, line: int, row: dict[str, str]) -> _EnrolRow | None:
        """The line as an enrolment to make, or None (its errors recorded)."""
        if not row.get("nip"):
            self.error(line, _("NIP peserta kosong."))
            return None
        ok_user, user = self.person(row.get("nip"), line, _("Peserta"))
        ok_mentor, mentor = self.person(row.get("mentor_nip"), line, _("Mentor"))
        ok_coach, coach = self.person(row.get("coach_nip"), line, _("Coach"))
        if not (ok_user and ok_mentor and ok_coach):
            return None
        if user.id in self.seen_user:
            self.error(line, _("NIP ini sudah muncul di baris %(other)s.", other=self.seen_user[user.id]))
            return None
        self.seen_user[user.id] = line
        ok_ndh, ndh = self.ndh(row.get("ndh"), line)
        if not ok_ndh:
            return None
        try:
            _check_helpers(user, mentor, coach)
        except CourseError as exc:
            self.error(line, exc.message)
            return None
        if ndh is not None and ndh in self.seen_ndh:
            self.error(
                line, _("NDH %(ndh)s sudah muncul di baris %(other)s.", ndh=ndh, other=self.seen_ndh[ndh])
            )
            return None
        if ndh is not None:
            self.seen_ndh[ndh] = line
        return _EnrolRow(line, user, ndh, mentor, coach)

    def check_angkatan(
        self, angkatan: Angkatan, rows: list[_EnrolRow], existing: dict[int, Enrolment]
    ) -> None:
        """The file against the angkatan: an NDH held by someone the file does not mention, and
        the seats the new participants need (the first line past the capacity)."""
        in_file = {r.user.id for r in rows}
        held = {e.ndh: e for e in existing.values() if e.ndh is not None and e.user_id not in in_file}
        for r in rows:
            if r.ndh is not None and r.ndh in held:
                self.error(r.line, _("NDH %(ndh)s sudah dipakai peserta lain di angkatan ini.", ndh=r.ndh))
        if angkatan.capacity is not None:
            seats = sum(1 for e in existing.values() if e.status in permissions.ACCESS_STATUSES)
            for r in rows:
                current = existing.get(r.user.id)
                if current is None or current.status == EnrolmentStatus.WITHDRAWN:
                    seats += 1
                    if seats > angkatan.capacity:
                        self.error(
                            r.line, _("Angkatan penuh (kapasitas %(n)s peserta).", n=angkatan.capacity)
                        )
                        break


def _validate(
    angkatan: Angkatan, raw_rows: list[tuple[int, dict[str, str]]], filename: str
) -> tuple[list[_EnrolRow], dict[int, Enrolment]]:
    """Validate every line; with any error nothing is imported and :class:`ImportRejected` names
    each line. Returns the enrolments to make and the angkatan's enrolments by user."""
    checker = _LineChecker(_people_named(raw_rows), filename)
    existing = {
        e.user_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.angkatan_id == angkatan.id))
    }
    rows = [r for line, row in raw_rows if (r := checker.check(line, row)) is not None]
    checker.check_angkatan(angkatan, rows, existing)
    if checker.errors:
        raise ImportRejected(sorted(checker.errors, key=lambda e: e.line))
    if not rows:
        raise ImportRejected([LineError(1, _("Berkas tidak berisi baris data."), filename)])
    return rows, existing


def _apply(
    angkatan: Angkatan, rows: list[_EnrolRow], existing: dict[int, Enrolment]
) -> EnrolmentImportResult:
    """Apply the validated lines: enrol the new participants, update those already in."""
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


def import_enrolments_csv(angkatan: Angkatan, text: str, filename: str = "CSV") -> EnrolmentImportResult:
    """Enrol participants from CSV (``nip,ndh`` and optional ``mentor_nip,coach_nip``).

    Every line is checked first; with any bad line (an unknown NIP, a repeated NDH, someone as
    their own mentor...) nothing is imported and :class:`ImportRejected` names each line.
    A participant already in the angkatan gets the NDH, mentor and coach from the file.
    """
    raw_rows = _read_lines(text, filename)
    rows, existing = _validate(angkatan, raw_rows, filename)
    return _apply(angkatan, rows, existing)
