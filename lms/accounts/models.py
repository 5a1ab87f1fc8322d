"""Account models: instansi (agency), unit kerja, users, their global roles, and login sessions."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models_base import CreatedAt, Repr, Timestamps, UTCDateTime, Versioned, str_enum


class Role(enum.StrEnum):
    """Global roles. Mentor, coach and penguji mark who *may* be assigned; the assignment itself
    is a relation on an enrolment or a seminar."""

    ADMIN = "admin"
    PIMPINAN = "pimpinan"
    MENTOR = "mentor"
    COACH = "coach"
    PENGUJI = "penguji"


class EmployeeClass(enum.StrEnum):
    """PNS (permanent) or PPPK (contract) civil servant, or someone outside the ASN."""

    PNS = "PNS"
    PPPK = "PPPK"
    NON_ASN = "NON_ASN"


TIMEZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


class Instansi(Repr, db.Model):
    """An agency (a ministry, a province, a regency)."""

    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str | None] = mapped_column(String(40))
    units: Mapped[list[UnitKerja]] = relationship(back_populates="instansi", order_by="UnitKerja.name")

    __repr_format__ = "{0.id} {0.name!r}"


class UnitKerja(Repr, db.Model):
    """A work unit (OPD) inside an instansi."""

    __tablename__ = "unit_kerja"
    __table_args__ = (UniqueConstraint("instansi_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    instansi: Mapped[Instansi] = relationship(back_populates="units")

    __repr_format__ = "{0.id} {0.name!r}"


class User(UserMixin, Versioned, Timestamps, Repr, db.Model):
    """A person who logs in: a peserta, a mentor, an admin... Roles below; relations elsewhere."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "timezone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')", name="timezone_known"
        ),
        CheckConstraint("language IN ('id', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)
    employee_class: Mapped[EmployeeClass] = mapped_column(
        str_enum(EmployeeClass, "employee_class", 10), default=EmployeeClass.PNS
    )
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit_kerja.id"), index=True)
    jabatan: Mapped[str | None] = mapped_column(String(200))
    pangkat_golongan: Mapped[str | None] = mapped_column(String(100))
    birth_place: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(32), default="Asia/Jakarta")
    language: Mapped[str] = mapped_column(String(5), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    instansi: Mapped[Instansi | None] = relationship()
    unit: Mapped[UnitKerja | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Set by the login service so Flask-Login stores the session token, not the user id.
    _session_token = None
    # Role codes loaded with the login session (one statement, no role rows to load); None
    # means "read role_rows". The role services reset it when they change the rows.
    _role_codes = None

    __repr_format__ = "{0.id} {0.username!r}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str | None:  # Flask-Login: the id is the login session's token
        return self._session_token

    @property
    def roles(self) -> set[Role]:
        if self._role_codes is not None:
            return {Role(code) for code in self._role_codes}
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        mine = self._role_codes
        if mine is None:
            mine = {row.role.value for row in self.role_rows}
        return any((r.value if isinstance(r, Role) else r) in mine for r in roles)

    @property
    def tz_label(self) -> str:
        return TIMEZONES.get(self.timezone, "WIB")


class UserRole(Repr, db.Model):
    """One global role held by a user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role", 20), index=True)
    user: Mapped[User] = relationship(back_populates="role_rows")

    __repr_format__ = "{0.user_id} {0.role}"


def hash_token(token: str) -> str:
    """Session tokens are stored hashed, so a database leak gives no usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(CreatedAt, Repr, db.Model):
    """A server-side login session. Logout deletes it; a password change deletes all of a user's,
    so a replayed old cookie is refused by every process and host."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()

    __repr_format__ = "{0.id} user={0.user_id}"
