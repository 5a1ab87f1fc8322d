"""NIP (Nomor Induk Pegawai) validation and masking: pure functions, no database.

NIP PNS: 18 digits = birth date YYYYMMDD + TMT CPNS YYYYMM + sex (1 or 2) + sequence (3),
written ``19860926 201505 1 001`` or without spaces. NI PPPK is also 18 digits with another
layout; it is accepted as an identifier without the PNS checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MIN_AGE_AT_TMT = 18


class InvalidNIP(ValueError):
    """The NIP is malformed; ``str(exc)`` is a message in Indonesian for the user."""


@dataclass(frozen=True)
class NIPInfo:
    """What a PNS NIP encodes."""

    nip: str
    birth_date: date
    tmt_year: int
    tmt_month: int
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    sequence: int


def normalize(raw: str) -> str:
    """Strip spaces, dots and dashes that people type inside a NIP."""
    return "".join(ch for ch in (raw or "") if ch not in " .-\t")


def parse_pns(raw: str) -> NIPInfo:
    """Validate a NIP PNS and return what it encodes; raise :class:`InvalidNIP` otherwise."""
    nip = normalize(raw)
    if len(nip) != 18 or not nip.isdigit():
        raise InvalidNIP("NIP harus terdiri dari 18 angka.")
    try:
        birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError as exc:
        raise InvalidNIP("Tanggal lahir pada NIP (8 angka pertama) tidak valid.") from exc
    tmt_year, tmt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= tmt_month <= 12:
        raise InvalidNIP("Bulan TMT CPNS pada NIP (angka ke-13 dan 14) harus 01 sampai 12.")
    months_between = (tmt_year - birth.year) * 12 + (tmt_month - birth.month)
    if months_between < MIN_AGE_AT_TMT * 12:
        raise InvalidNIP("TMT CPNS pada NIP harus sekurang-kurangnya 18 tahun setelah tanggal lahir.")
    if tmt_year > date.today().year + 1:
        raise InvalidNIP("TMT CPNS pada NIP berada di masa depan.")
    if nip[14] not in "12":
        raise InvalidNIP("Kode jenis kelamin pada NIP (angka ke-15) harus 1 atau 2.")
    return NIPInfo(
        nip=nip,
        birth_date=birth,
        tmt_year=tmt_year,
        tmt_month=tmt_month,
        sex="L" if nip[14] == "1" else "P",
        sequence=int(nip[15:18]),
    )


def validate(raw: str, employee_class: str = "PNS") -> str:
    """Return the normalised NIP, or raise :class:`InvalidNIP`.

    ``employee_class`` "PPPK" accepts any 18-digit NI PPPK without the PNS checks.
    """
    if employee_class == "PPPK":
        nip = normalize(raw)
        if len(nip) != 18 or not nip.isdigit():
            raise InvalidNIP("NI PPPK harus terdiri dari 18 angka.")
        return nip
    return parse_pns(raw).nip


def mask(nip: str | None) -> str:
    """Mask a NIP for public pages: ``198609********1001`` (birth date and sex hidden)."""
    if not nip:
        return ""
    nip = normalize(nip)
    if len(nip) != 18:
        return "*" * len(nip)
    return nip[:6] + "*" * 8 + nip[14:]


def pretty(nip: str | None) -> str:
    """Format a NIP the way it is printed: ``19860926 201505 1 001``."""
    if not nip or len(nip) != 18:
        return nip or ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
