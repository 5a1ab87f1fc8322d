"""Demo accounts for `flask seed-demo`: one per role, all with the same printed password."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db

DEMO_PASSWORD = "pelita-demo-2026"  # noqa: S105 - published demo password
INSTANSI = "Pemerintah Provinsi Kalimantan Tengah"

# username, name, NIP, unit, jabatan, pangkat, roles
DEMO_USERS = [
    (
        "admin",
        "Admin BPSDM Demo",
        "198001012005011001",
        "BPSDM",
        "Analis Kediklatan",
        "Penata Tk. I (III/d)",
        {"admin"},
    ),
    (
        "pimpinan",
        "Dr. Hendra Wijaya, M.Si.",
        "197203151998031002",
        "Sekretariat Daerah",
        "Sekretaris Daerah",
        "Pembina Utama Madya (IV/d)",
        {"pimpinan", "mentor"},
    ),
    (
        "mentor",
        "Ir. Siti Rahmawati, M.T.",
        "197508202000032001",
        "Dinas Pekerjaan Umum",
        "Kepala Dinas",
        "Pembina Utama Muda (IV/c)",
        {"mentor"},
    ),
    (
        "coach",
        "Drs. Bambang Sutrisno, M.Pd.",
        "196811101994031003",
        "BPSDM",
        "Widyaiswara Ahli Utama",
        "Pembina Utama (IV/e)",
        {"coach"},
    ),
    (
        "penguji",
        "Prof. Dr. Ratna Dewi, M.A.",
        "197002141996032002",
        "BPSDM",
        "Widyaiswara Ahli Madya",
        "Pembina Utama Muda (IV/c)",
        {"penguji"},
    ),
    (
        "peserta1",
        "Andi Pratama, S.T.",
        "198609262015051001",
        "Dinas Pekerjaan Umum",
        "Kepala Bidang Bina Marga",
        "Penata Tk. I (III/d)",
        set(),
    ),
    (
        "peserta2",
        "Dewi Lestari, S.E., M.M.",
        "199003152014032002",
        "Badan Keuangan Daerah",
        "Kepala Subbidang Anggaran",
        "Penata (III/c)",
        set(),
    ),
]


def seed() -> dict[str, User]:
    """Create the demo accounts that do not exist yet; return all of them by username."""
    users: dict[str, User] = {}
    for username, name, nip, unit, jabatan, pangkat, roles in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user, _pw = services.create_user(
                services.UserData(
                    full_name=name,
                    nip=nip,
                    username=username,
                    email=f"{username}@pelita.test",
                    instansi=INSTANSI,
                    unit=unit,
                    jabatan=jabatan,
                    pangkat_golongan=pangkat,
                    birth_place="Palangka Raya",
                    roles=roles,
                ),
                password=DEMO_PASSWORD,
            )
        users[username] = user
    return users
