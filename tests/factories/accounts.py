"""Factories for users, instansi and unit kerja."""

from __future__ import annotations

import itertools
from datetime import date

from werkzeug.security import generate_password_hash

from lms.accounts.models import Instansi, Role, UnitKerja, User, UserRole
from lms.extensions import db

__all__ = ["PASSWORD", "make_instansi", "make_unit", "make_user", "make_nip", "admin_user"]

PASSWORD = "rahasia-123"
# Hashing is deliberately slow; hash once for every factory-made user.
_PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def make_nip(seq: int | None = None, birth: date = date(1985, 6, 15), sex: int = 1) -> str:
    """A valid NIP PNS with a unique sequence number."""
    n = next(_seq) if seq is None else seq
    tmt = f"{birth.year + 25}{(n % 12) + 1:02d}"
    return (
        f"{birth:%Y%m%d}{tmt}{sex}{n % 1000:03d}"
        if n < 1000
        else (f"{birth.year}{birth:%m}{(n // 1000) % 28 + 1:02d}{tmt}{sex}{n % 1000:03d}")
    )


def make_instansi(name: str | None = None) -> Instansi:
    inst = Instansi(name=name or f"Instansi {next(_seq)}")
    db.session.add(inst)
    db.session.flush()
    return inst


def make_unit(instansi: Instansi | None = None, name: str | None = None) -> UnitKerja:
    unit = UnitKerja(instansi=instansi or make_instansi(), name=name or f"Unit {next(_seq)}")
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(
    username: str | None = None, roles: tuple[str, ...] | set[str] = (), commit: bool = True, **fields
) -> User:
    """A user with password ``PASSWORD``; ``roles`` like ("admin",) or ("mentor", "coach")."""
    n = next(_seq)
    fields.setdefault("full_name", f"Pengguna Uji {n}")
    fields.setdefault("nip", make_nip(n))
    user = User(username=username or f"user{n}", password_hash=_PASSWORD_HASH, **fields)
    for role in roles:
        user.role_rows.append(UserRole(role=Role(role)))
    db.session.add(user)
    db.session.flush()
    if commit:
        db.session.commit()
    return user


def admin_user(**fields) -> User:
    return make_user(roles=("admin",), **fields)
