"""Account rules: authentication, login sessions, profiles, user management and CSV import.

Services never touch ``request``, ``session`` or ``current_user``; they add and flush, and the
caller (a view or a CLI command) commits once.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from lms import csvio
from lms.accounts import nip as nip_rules
from lms.accounts.models import (
    TIMEZONES,
    EmployeeClass,
    Instansi,
    LoginSession,
    Role,
    UnitKerja,
    User,
    UserRole,
    hash_token,
)
from lms.errors import DomainError, ImportRejected, LineError, check_version
from lms.extensions import db
from lms.models_base import utcnow

MIN_PASSWORD_LENGTH = 8
# Used to spend the same time on unknown logins as on known ones (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("pelita-dummy-password")


class AccountError(DomainError):
    """A rule about accounts was broken; the message is for the user."""


# --- authentication and sessions -------------------------------------------------------------


def find_by_login(login: str) -> User | None:
    """Find an active or inactive user by NIP (spaces allowed), username or email."""
    login = (login or "").strip()
    if not login:
        return None
    nip = nip_rules.normalize(login)
    stmt = select(User).where(
        or_(User.username == login.lower(), User.email == login.lower(), User.nip == nip)
    )
    return db.session.scalars(stmt).first()


def authenticate(login: str, password: str) -> User | None:
    """Return the active user whose login and password match, else None."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user if user.active else None


def start_session(
    user: User, lifetime: timedelta, ip: str | None = None, user_agent: str | None = None
) -> str:
    """Create a server-side login session and return its token (kept only in the cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=utcnow() + lifetime,
            ip=(ip or "")[:64],
            user_agent=(user_agent or "")[:255],
        )
    )
    db.session.flush()
    user._session_token = token
    return token


# Per-user figures other features want on every page (the notification bell's count), loaded in
# the same statement as the login session: name -> function(user id column) -> scalar subquery.
# Filled at start-up by the features (code, not data: every process builds the same registry).
_SESSION_EXTRAS: dict[str, object] = {}


def register_session_extra(name: str, build) -> None:
    """Load ``build(User.id)`` (a correlated scalar subquery) with every login session lookup;
    the value is then available as ``session_extra(user, name)`` for that request."""
    _SESSION_EXTRAS[name] = build
    _session_statement.cache_clear()


def session_extra(user: User, name: str):
    """A value registered with :func:`register_session_extra`, or None when it was not loaded
    (a user object not loaded through a login session, e.g. in a service test)."""
    return getattr(user, "_session_extras", {}).get(name)


@functools.cache
def _session_statement():
    """The login lookup, built once per process (the registry above is code, not data): the
    session's expiry, the user, the user's role codes aggregated in SQL (no second entity to
    load) and the registered extras, for ``:token_hash``. Reusing one statement object spares
    SQLAlchemy rebuilding it and its cache key on every request."""
    roles = (
        select(func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == User.id)
        .scalar_subquery()
    )
    extras = [_SESSION_EXTRAS[n](User.id) for n in _SESSION_EXTRAS]
    return (
        select(LoginSession.expires_at, User, roles, *extras)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == bindparam("token_hash"))
        .options(lazyload(User.role_rows))  # not the mapping's selectin: the codes come above
    )


def load_session_user(token: str) -> User | None:
    """The user of a live session token, or None when it was ended or has expired.

    One round trip per request: the session, its user, the user's roles and the registered
    per-page extras in one statement."""
    if not token:
        return None
    row = db.session.execute(_session_statement(), {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    expires_at, user, role_codes = row[0], row[1], row[2]
    if expires_at <= utcnow() or not user.active:
        return None
    user._session_token = token
    user._role_codes = frozenset(role_codes.split(",")) if role_codes else frozenset()
    user._session_extras = dict(zip(_SESSION_EXTRAS, row[3:], strict=True))
    return user


def end_session(token: str | None) -> None:
    """End one login session (logout): its cookie no longer works anywhere."""
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def end_all_sessions(user: User) -> None:
    """End every login session of ``user`` (password change, reset, deactivation)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def purge_expired_sessions() -> int:
    """Delete expired sessions; returns how many (run by the worker)."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))
    return result.rowcount or 0


# --- passwords and profile -------------------------------------------------------------------


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Kata sandi minimal %(n)s karakter.", n=MIN_PASSWORD_LENGTH))


def set_password(user: User, password: str) -> None:
    """Hash and store a new password (scrypt, Werkzeug's current default)."""
    _check_password_strength(password)
    user.password_hash = generate_password_hash(password)


def change_password(user: User, current: str, new: str, lifetime: timedelta) -> str:
    """Change the user's own password: ends every session, then starts a fresh one (returned)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_("Kata sandi saat ini salah."))
    set_password(user, new)
    end_all_sessions(user)
    db.session.flush()
    return start_session(user, lifetime)


def update_profile(
    user: User, *, email: str | None, timezone: str, language: str, expected_version: int | None = None
) -> None:
    """Update what users may change about themselves."""
    check_version(user.version, expected_version)
    if timezone not in TIMEZONES:
        raise AccountError(_("Zona waktu tidak dikenal."))
    if language not in ("id", "en"):
        raise AccountError(_("Bahasa tidak dikenal."))
    user.email = _clean_email(email, exclude_user=user)
    user.timezone = timezone
    user.language = language
    db.session.flush()


def set_language(user: User, language: str) -> None:
    """Remember the interface language of ``user``."""
    if language not in ("id", "en"):
        raise AccountError(_("Bahasa tidak dikenal."))
    user.language = language
    db.session.flush()


# --- user management (admin) -----------------------------------------------------------------


def _clean_email(email: str | None, exclude_user: User | None = None) -> str | None:
    email = (email or "").strip().lower() or None
    if email is None:
        return None
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(_("Alamat email tidak valid."))
    stmt = select(User.id).where(User.email == email)
    if exclude_user is not None and exclude_user.id is not None:
        stmt = stmt.where(User.id != exclude_user.id)
    if db.session.scalar(stmt) is not None:
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=email))
    return email


def get_or_create_instansi(name: str | None) -> Instansi | None:
    """Find an instansi by name, creating it when new."""
    name = (name or "").strip()
    if not name:
        return None
    found = db.session.scalar(select(Instansi).where(Instansi.name == name))
    if found is None:
        found = Instansi(name=name)
        db.session.add(found)
        db.session.flush()
    return found


def get_or_create_unit(instansi: Instansi | None, name: str | None) -> UnitKerja | None:
    """Find a unit kerja by name inside ``instansi``, creating it when new."""
    name = (name or "").strip()
    if not name or instansi is None:
        return None
    found = db.session.scalar(
        select(UnitKerja).where(UnitKerja.instansi_id == instansi.id, UnitKerja.name == name)
    )
    if found is None:
        found = UnitKerja(instansi=instansi, name=name)
        db.session.add(found)
        db.session.flush()
    return found


@dataclass
class UserData:
    """The fields an admin (or an import row) gives for a user."""

    full_name: str
    nip: str | None = None
    username: str | None = None
    email: str | None = None
    employee_class: str = EmployeeClass.PNS.value
    instansi: str | None = None
    unit: str | None = None
    jabatan: str | None = None
    pangkat_golongan: str | None = None
    birth_place: str | None = None
    roles: set[str] = field(default_factory=set)


def _validate_user_data(data: UserData, existing: User | None = None) -> tuple[str | None, str]:
    """Check a UserData; return (normalised nip, username). Raises AccountError."""
    if not (data.full_name or "").strip():
        raise AccountError(_("Nama lengkap wajib diisi."))
    if data.employee_class not in {c.value for c in EmployeeClass}:
        raise AccountError(_("Jenis pegawai harus PNS, PPPK atau NON_ASN."))
    nip = None
    if data.nip and data.nip.strip():
        try:
            nip = nip_rules.validate(data.nip, data.employee_class)
        except nip_rules.InvalidNIP as exc:
            raise AccountError(str(exc)) from exc
        stmt = select(User.id).where(User.nip == nip)
        if existing is not None:
            stmt = stmt.where(User.id != existing.id)
        if db.session.scalar(stmt) is not None:
            raise AccountError(_("NIP %(nip)s sudah terdaftar.", nip=nip))
    elif data.employee_class != EmployeeClass.NON_ASN.value:
        raise AccountError(_("NIP wajib diisi untuk PNS dan PPPK."))
    username = (data.username or "").strip().lower() or nip
    if not username:
        raise AccountError(_("Nama pengguna wajib diisi bila tidak ada NIP."))
    stmt = select(User.id).where(User.username == username)
    if existing is not None:
        stmt = stmt.where(User.id != existing.id)
    if db.session.scalar(stmt) is not None:
        raise AccountError(_("Nama pengguna %(u)s sudah dipakai.", u=username))
    unknown = set(data.roles) - {r.value for r in Role}
    if unknown:
        raise AccountError(_("Peran tidak dikenal: %(roles)s.", roles=", ".join(sorted(unknown))))
    return nip, username


def _apply(user: User, data: UserData, nip: str | None, username: str) -> None:
    user.full_name = data.full_name.strip()
    user.nip = nip
    user.username = username
    user.employee_class = EmployeeClass(data.employee_class)
    user.email = _clean_email(data.email, exclude_user=user)
    instansi = get_or_create_instansi(data.instansi)
    user.instansi = instansi
    user.unit = get_or_create_unit(instansi, data.unit)
    user.jabatan = (data.jabatan or "").strip() or None
    user.pangkat_golongan = (data.pangkat_golongan or "").strip() or None
    user.birth_place = (data.birth_place or "").strip() or None
    if nip and user.employee_class == EmployeeClass.PNS:
        user.birth_date = nip_rules.parse_pns(nip).birth_date
    set_roles(user, data.roles)


def set_roles(user: User, roles: set[str]) -> None:
    """Make the user's global roles exactly ``roles``."""
    wanted = {Role(r) for r in roles}
    user._role_codes = None  # the codes loaded with the login session no longer hold
    for row in list(user.role_rows):
        if row.role not in wanted:
            user.role_rows.remove(row)
    have = {row.role for row in user.role_rows}
    for role in wanted - have:
        user.role_rows.append(UserRole(role=role))


def create_user(data: UserData, password: str | None = None) -> tuple[User, str]:
    """Create a user; returns the user and the initial password (generated when not given)."""
    nip, username = _validate_user_data(data)
    password = password or generate_initial_password()
    user = User(full_name=data.full_name, username=username, password_hash="")
    set_password(user, password)
    db.session.add(user)
    _apply(user, data, nip, username)
    db.session.flush()
    return user, password


def update_user(user: User, data: UserData, expected_version: int | None) -> None:
    """Edit a user as an admin; refuses a stale form."""
    check_version(user.version, expected_version)
    nip, username = _validate_user_data(data, existing=user)
    _apply(user, data, nip, username)
    db.session.flush()


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate (ending every session) or reactivate a user. Admins cannot lock themselves out."""
    if user.id == by.id and not active:
        raise AccountError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()


def generate_initial_password() -> str:
    """A readable random password for new and reset accounts."""
    return secrets.token_urlsafe(9)


def reset_password(user: User) -> str:
    """Give the user a new random password (returned once to the admin) and end their sessions."""
    password = generate_initial_password()
    set_password(user, password)
    end_all_sessions(user)
    db.session.flush()
    return password


def search_users(query: str | None = None, role: str | None = None):
    """A select() of users matching a name/NIP/username/email fragment and a role, sorted by name."""
    stmt = select(User).order_by(User.full_name, User.id)
    q = (query or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.full_name).like(like),
                User.username.like(like),
                User.email.like(like),
                User.nip.like(f"%{nip_rules.normalize(q)}%"),
            )
        )
    if role:
        stmt = stmt.where(User.role_rows.any(UserRole.role == Role(role)))
    return stmt


# --- CSV import ------------------------------------------------------------------------------

CSV_COLUMNS = ["nip", "nama", "email", "instansi", "unit", "jabatan", "pangkat", "roles"]
OPTIONAL_CSV_COLUMNS = ["username", "jenis", "tempat_lahir"]


@dataclass
class ImportResult:
    """What an import created."""

    created: list[tuple[User, str]]

    @property
    def count(self) -> int:
        return len(self.created)


def _split_roles(value: str | None) -> set[str]:
    return {r.strip().lower() for r in (value or "").replace(";", ",").split(",") if r.strip()}


def import_users_csv(text: str, filename: str = "CSV") -> ImportResult:
    """Validate every row, then create all users; with any bad row, create none.

    Raises :class:`ImportRejected` listing each bad row with its line number and reason.
    Returns the created users with their initial passwords.
    """
    rows = _validate_import_rows(_read_import_rows(text, filename), filename)
    created = [create_user(data) for data in rows]
    return ImportResult(created=created)


def _read_import_rows(text: str, filename: str) -> list[tuple[int, UserData]]:
    """The non-blank rows of the CSV (``lms.csvio``: BOM dropped, delimiter sniffed) as
    ``(line, UserData)``; a missing required column rejects the file at line 1."""
    reader = csvio.read_dicts(text)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("nip", "nama") if c not in header]
    if missing:
        raise ImportRejected(
            [
                LineError(
                    1,
                    _(
                        "Kolom wajib tidak ada: %(cols)s. Kolom yang dikenal: %(known)s.",
                        cols=", ".join(missing),
                        known=", ".join(CSV_COLUMNS + OPTIONAL_CSV_COLUMNS),
                    ),
                    filename,
                )
            ]
        )
    reader.fieldnames = header
    rows: list[tuple[int, UserData]] = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        data = UserData(
            full_name=(row.get("nama") or "").strip(),
            nip=(row.get("nip") or "").strip() or None,
            username=(row.get("username") or "").strip() or None,
            email=(row.get("email") or "").strip() or None,
            employee_class=((row.get("jenis") or "PNS").strip().upper() or "PNS"),
            instansi=row.get("instansi"),
            unit=row.get("unit"),
            jabatan=row.get("jabatan"),
            pangkat_golongan=row.get("pangkat"),
            birth_place=row.get("tempat_lahir"),
            roles=_split_roles(row.get("roles")),
        )
        rows.append((reader.line_num, data))
    return rows


def _validate_import_rows(rows: list[tuple[int, UserData]], filename: str) -> list[UserData]:
    """Check every row (the account rules, and no NIP or email twice in the file); raise
    :class:`ImportRejected` naming each bad line, or return the rows to create."""
    errors: list[LineError] = []
    valid: list[UserData] = []
    seen_nip: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for line, data in rows:
        try:
            nip, _username = _validate_user_data(data)
            if data.email:
                _clean_email(data.email)
        except AccountError as exc:
            errors.append(LineError(line, exc.message, filename))
            continue
        if nip in seen_nip:
            errors.append(
                LineError(
                    line,
                    _("NIP %(nip)s sudah muncul di baris %(other)s.", nip=nip, other=seen_nip[nip]),
                    filename,
                )
            )
            continue
        email = (data.email or "").lower()
        if email and email in seen_email:
            errors.append(
                LineError(
                    line,
                    _(
                        "Email %(email)s sudah muncul di baris %(other)s.",
                        email=email,
                        other=seen_email[email],
                    ),
                    filename,
                )
            )
            continue
        if nip:
            seen_nip[nip] = line
        if email:
            seen_email[email] = line
        valid.append(data)
    if errors:
        raise ImportRejected(errors)
    if not valid:
        raise ImportRejected([LineError(1, _("Berkas tidak berisi baris data."), filename)])
    return valid
