"""Account services: authentication, sessions, profiles, user management, CSV import."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import LoginSession, Role, User
from lms.accounts.permissions import is_admin
from lms.errors import ImportRejected, StaleEdit
from lms.extensions import db
from tests.factories import PASSWORD, make_user

LIFETIME = timedelta(hours=1)


def test_authenticate_by_username_nip_with_spaces_and_email(app):
    user = make_user(username="andi", nip="198609262015051001", email="andi@example.go.id")
    assert services.authenticate("andi", PASSWORD) == user
    assert services.authenticate("ANDI", PASSWORD) == user
    assert services.authenticate("19860926 201505 1 001", PASSWORD) == user
    assert services.authenticate("andi@example.go.id", PASSWORD) == user
    assert services.authenticate("andi", "salah") is None
    assert services.authenticate("tidak-ada", PASSWORD) is None


def test_inactive_user_cannot_log_in(app):
    user = make_user(username="nonaktif", active=False)
    assert services.authenticate(user.username, PASSWORD) is None


def test_session_token_round_trip_and_logout(app):
    user = make_user()
    token = services.start_session(user, LIFETIME)
    db.session.commit()
    assert services.load_session_user(token) == user
    services.end_session(token)
    db.session.commit()
    assert services.load_session_user(token) is None


def test_session_lookup_loads_roles_in_one_statement(app, count_queries):
    user = make_user(roles=("coach", "mentor"))
    bare = make_user()
    token, bare_token = (services.start_session(u, LIFETIME) for u in (user, bare))
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as q:
        loaded = services.load_session_user(token)
        assert loaded.roles == {Role.COACH, Role.MENTOR}
        assert loaded.has_role("mentor") and loaded.has_role(Role.COACH)
        assert not loaded.has_role(Role.ADMIN, "pimpinan")
    assert len([s for s in q.statements if not s.startswith("BEGIN")]) == 1
    loaded_bare = services.load_session_user(bare_token)
    assert loaded_bare.roles == set() and not loaded_bare.has_role(Role.MENTOR)


def test_role_change_within_the_request_is_seen(app):
    user = make_user(roles=("mentor",))
    token = services.start_session(user, LIFETIME)
    db.session.commit()
    db.session.expunge_all()
    loaded = services.load_session_user(token)
    services.set_roles(loaded, {"admin"})
    assert is_admin(loaded) and not loaded.has_role("mentor")
    assert loaded.roles == {Role.ADMIN}


def test_expired_session_is_refused(app):
    user = make_user()
    token = services.start_session(user, timedelta(seconds=-1))
    db.session.commit()
    assert services.load_session_user(token) is None
    assert services.purge_expired_sessions() == 1


def test_change_password_ends_every_other_session(app):
    user = make_user()
    old = services.start_session(user, LIFETIME)
    new = services.change_password(user, PASSWORD, "kata-sandi-baru-1", LIFETIME)
    db.session.commit()
    assert services.load_session_user(old) is None
    assert services.load_session_user(new) == user
    assert services.authenticate(user.username, "kata-sandi-baru-1") == user


def test_change_password_needs_current_and_min_length(app):
    user = make_user()
    with pytest.raises(services.AccountError):
        services.change_password(user, "salah", "kata-sandi-baru-1", LIFETIME)
    with pytest.raises(services.AccountError):
        services.change_password(user, PASSWORD, "pendek", LIFETIME)


def test_create_user_validates_nip_and_roles(app):
    data = services.UserData(full_name="Budi", nip="19860926 201505 3 001")
    with pytest.raises(services.AccountError, match="jenis kelamin"):
        services.create_user(data)
    data = services.UserData(full_name="Budi", nip="198609262015051002", roles={"admin", "raja"})
    with pytest.raises(services.AccountError, match="raja"):
        services.create_user(data)
    user, password = services.create_user(
        services.UserData(
            full_name="Budi",
            nip="198609262015051002",
            roles={"mentor", "coach"},
            instansi="Pemprov Kalteng",
            unit="BKD",
        )
    )
    assert user.username == "198609262015051002"
    assert user.roles == {Role.MENTOR, Role.COACH}
    assert user.birth_date.year == 1986
    assert user.unit.instansi == user.instansi
    assert services.authenticate(user.nip, password) == user


def test_duplicate_nip_refused(app):
    make_user(nip="198609262015051003")
    with pytest.raises(services.AccountError, match="sudah terdaftar"):
        services.create_user(services.UserData(full_name="X", nip="198609262015051003"))


def test_stale_update_is_refused_and_keeps_newer_data(app):
    user = make_user(full_name="Nama Lama")
    seen_version = user.version
    services.update_user(
        user, services.UserData(full_name="Nama Baru", nip=user.nip), expected_version=seen_version
    )
    db.session.commit()
    with pytest.raises(StaleEdit):
        services.update_user(
            user, services.UserData(full_name="Nama Basi", nip=user.nip), expected_version=seen_version
        )
    db.session.rollback()
    assert db.session.get(User, user.id).full_name == "Nama Baru"


def test_deactivate_ends_sessions_but_not_self(app):
    admin = make_user(roles=("admin",))
    user = make_user()
    token = services.start_session(user, LIFETIME)
    services.set_active(user, False, by=admin)
    db.session.commit()
    assert services.load_session_user(token) is None
    with pytest.raises(services.AccountError):
        services.set_active(admin, False, by=admin)


def test_reset_password_gives_new_working_password(app):
    user = make_user()
    token = services.start_session(user, LIFETIME)
    password = services.reset_password(user)
    db.session.commit()
    assert services.authenticate(user.username, password) == user
    assert services.load_session_user(token) is None


GOOD_CSV = """nip,nama,email,instansi,unit,jabatan,pangkat,roles
198609262015051011,Andi Pratama,andi@contoh.go.id,Pemprov Kalteng,Dinas PU,Kepala Bidang,Penata (III/c),
197508202000032012,Siti Rahma,siti@contoh.go.id,Pemprov Kalteng,Dinas PU,Kepala Dinas,Pembina (IV/a),mentor;coach
"""


def _count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_csv_import_creates_users_with_roles(app):
    result = services.import_users_csv(GOOD_CSV, "pegawai.csv")
    db.session.commit()
    assert result.count == 2
    siti = db.session.scalar(select(User).where(User.nip == "197508202000032012"))
    assert siti.roles == {Role.MENTOR, Role.COACH}
    assert siti.unit.name == "Dinas PU"


def test_csv_with_one_bad_row_imports_nothing_and_names_each_line(app):
    bad = GOOD_CSV + (
        "198609312015051013,Tanggal Salah,,Pemprov,,,,\n"  # line 4: 31 September
        "198609262015051011,Duplikat,,,,,,\n"  # line 5: same NIP as line 2
        "198609262015051014,Peran Aneh,,,,,,presiden\n"  # line 6: unknown role
    )
    before = _count_users()
    with pytest.raises(ImportRejected) as exc:
        services.import_users_csv(bad, "pegawai.csv")
    db.session.rollback()
    assert _count_users() == before
    lines = [e.line for e in exc.value.errors]
    assert lines == [4, 5, 6]
    messages = " ".join(str(e) for e in exc.value.errors)
    assert "pegawai.csv" in messages and "baris 4" in messages
    assert "Tanggal lahir" in messages and "baris 2" in messages and "presiden" in messages


def test_csv_missing_columns_is_refused(app):
    with pytest.raises(ImportRejected, match="Impor dibatalkan") as exc:
        services.import_users_csv("nama,email\nAndi,a@b.c\n")
    assert "nip" in str(exc.value.errors[0])


def test_csv_semicolon_separated_and_bom(app):
    text = "\ufeffnip;nama;roles\n198609262015051021;Rudi;penguji\n"
    result = services.import_users_csv(text)
    assert result.count == 1
    assert result.created[0][0].roles == {Role.PENGUJI}


def test_login_sessions_are_rows_not_process_memory(app):
    user = make_user()
    services.start_session(user, LIFETIME)
    db.session.commit()
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1
