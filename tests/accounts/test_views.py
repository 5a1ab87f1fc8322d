"""Account views through the client: login, CSRF, throttling, sessions, user management."""

import io
import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.extensions import db
from tests.factories import PASSWORD, make_user


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_login_page_renders_in_indonesian(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert "Masuk" in r.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_with_nip_and_logout(app, client):
    make_user(username="andi", nip="198609262015051001")
    r = client.post("/login", data={"login": "19860926 201505 1 001", "password": PASSWORD})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    r = client.post("/logout")
    assert r.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_message_and_login_kept(app, client):
    make_user(username="andi")
    r = client.post("/login", data={"login": "andi", "password": "salah"})
    assert r.status_code == 401
    html = r.get_data(as_text=True)
    assert "kata sandi salah" in html
    assert 'value="andi"' in html  # what the user typed is kept


def test_open_redirect_is_ignored(app, client):
    make_user(username="andi")
    r = client.post("/login", data={"login": "andi", "password": PASSWORD, "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"


def test_post_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(username="andi")
    r = client.post("/login", data={"login": "andi", "password": PASSWORD})
    assert r.status_code == 400
    assert "formulir" in r.get_data(as_text=True)
    token = _csrf(client)
    r = client.post("/login", data={"login": "andi", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    # Logged in, a state-changing POST without a token is refused too.
    assert client.post("/logout").status_code == 400


def test_csrf_token_outlives_a_long_exam(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 150 * 60 + 600
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() >= 150 * 60 + 600


def test_eleventh_wrong_password_in_a_minute_is_throttled(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(username="andi")
    statuses = [
        client.post("/login", data={"login": "andi", "password": f"salah{i}"}).status_code for i in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # Even the right password is throttled now for that account.
    r = client.post("/login", data={"login": "andi", "password": PASSWORD})
    assert r.status_code == 429
    assert "Terlalu banyak" in r.get_data(as_text=True)


def test_throttle_per_address_across_accounts(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [
        client.post("/login", data={"login": f"orang{i}", "password": "x"}).status_code for i in range(11)
    ]
    assert statuses[10] == 429


def test_successful_logins_do_not_count_toward_the_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(username="andi")
    for _ in range(12):
        assert client.post("/login", data={"login": "andi", "password": PASSWORD}).status_code == 302
        client.post("/logout")


def test_old_session_cookie_is_refused_after_logout(app, client):
    make_user(username="andi")
    client.post("/login", data={"login": "andi", "password": PASSWORD})
    cookie = client.get_cookie("pelita_session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("pelita_session", cookie)
    r = replay.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_password_change_ends_other_sessions(app, client):
    make_user(username="andi")
    other = app.test_client()
    other.post("/login", data={"login": "andi", "password": PASSWORD})
    client.post("/login", data={"login": "andi", "password": PASSWORD})
    r = client.post(
        "/akun/kata-sandi", data={"current": PASSWORD, "new": "baru-sekali-123", "confirm": "baru-sekali-123"}
    )
    assert r.status_code == 302
    assert client.get("/").status_code == 200  # this device stays logged in
    assert other.get("/").status_code == 302  # the other device is out


def test_session_cookie_flags(app, client):
    make_user(username="andi")
    r = client.post("/login", data={"login": "andi", "password": PASSWORD})
    header = r.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize("path", ["/admin/pengguna/", "/admin/pengguna/baru", "/admin/pengguna/impor"])
def test_non_admin_gets_404_on_user_management(app, client, login_as, path):
    for roles in [(), ("mentor",), ("pimpinan",), ("coach", "penguji")]:
        login_as(make_user(roles=roles))
        assert client.get(path).status_code == 404
    login_as(make_user(roles=("admin",)))
    assert client.get(path).status_code == 200


def test_non_admin_cannot_post_to_user_management(app, client, login_as):
    target = make_user()
    login_as(make_user())
    r = client.post(f"/admin/pengguna/{target.id}/reset-sandi")
    assert r.status_code == 404


def test_admin_lists_searches_and_paginates(app, client, login_as):
    login_as(make_user(roles=("admin",), full_name="Admin Satu"))
    for i in range(30):
        make_user(full_name=f"Peserta Nomor {i:02d}", commit=False)
    make_user(full_name="Siti Mentor", roles=("mentor",))
    r = client.get("/admin/pengguna/")
    html = r.get_data(as_text=True)
    assert "32 pengguna" in html and "Halaman 1 dari 2" in html
    html = client.get("/admin/pengguna/?q=siti").get_data(as_text=True)
    assert "Siti Mentor" in html and "Peserta Nomor" not in html
    html = client.get("/admin/pengguna/?role=mentor").get_data(as_text=True)
    assert "Siti Mentor" in html and "Peserta Nomor 01" not in html


def test_user_list_query_count_does_not_grow(app, client, login_as, count_queries):
    login_as(make_user(roles=("admin",)))
    for _i in range(3):
        make_user(roles=("mentor",), commit=False)
    db.session.commit()
    with count_queries() as small:
        client.get("/admin/pengguna/")
    for _i in range(40):
        make_user(roles=("coach",), commit=False)
    db.session.commit()
    with count_queries() as big:
        client.get("/admin/pengguna/")
    assert big.count == small.count


def test_admin_creates_and_edits_user(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    r = client.post(
        "/admin/pengguna/baru",
        data={
            "full_name": "Rudi Hartono",
            "employee_class": "PNS",
            "nip": "19860926 201505 1 031",
            "email": "rudi@contoh.go.id",
            "instansi": "Pemprov",
            "unit": "BKD",
            "roles": ["mentor"],
        },
    )
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.nip == "198609262015051031"))
    assert user.roles == {Role.MENTOR}
    r = client.post(
        f"/admin/pengguna/{user.id}",
        data={
            "full_name": "Rudi Hartono, S.H.",
            "employee_class": "PNS",
            "nip": user.nip,
            "roles": ["mentor", "penguji"],
            "version": str(user.version),
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert user.full_name == "Rudi Hartono, S.H."
    assert user.roles == {Role.MENTOR, Role.PENGUJI}


def test_admin_stale_edit_is_refused_and_form_kept(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    user = make_user(full_name="Asli")
    old_version = user.version
    user.full_name = "Diubah Orang Lain"
    db.session.commit()
    r = client.post(
        f"/admin/pengguna/{user.id}",
        data={
            "full_name": "Ketikan Saya",
            "employee_class": "PNS",
            "nip": user.nip,
            "version": str(old_version),
        },
    )
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "sudah diubah orang lain" in html and "Ketikan Saya" in html
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Diubah Orang Lain"


def test_admin_bad_nip_shows_reason_and_keeps_input(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    r = client.post(
        "/admin/pengguna/baru",
        data={"full_name": "Salah Bulan", "employee_class": "PNS", "nip": "198609262015131001"},
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Bulan TMT" in html and "Salah Bulan" in html


def test_deactivation_needs_confirmation_then_blocks_login(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    user = make_user(username="akan-nonaktif")
    r = client.get(f"/admin/pengguna/{user.id}/status")
    assert r.status_code == 200 and "Nonaktifkan akun" in r.get_data(as_text=True)
    client.post(f"/admin/pengguna/{user.id}/status")
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    other = app.test_client()
    assert other.post("/login", data={"login": "akan-nonaktif", "password": PASSWORD}).status_code == 401


def _upload(client, text, name="pegawai.csv"):
    return client.post(
        "/admin/pengguna/impor",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_csv_upload_with_a_bad_row_imports_nothing(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    before = db.session.scalar(select(func.count(User.id)))
    text = (
        "nip,nama,email,instansi,unit,jabatan,pangkat,roles\n"
        "198609262015051041,Baik Satu,,,,,,\n"
        "198609262015053042,Salah Kelamin,,,,,,\n"
    )
    r = _upload(client, text)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "baris 3" in html and "jenis kelamin" in html and "pegawai.csv" in html
    assert db.session.scalar(select(func.count(User.id))) == before


def test_csv_upload_good_file_shows_initial_passwords(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    text = "nip,nama\n198609262015051051,Baik Satu\n198609262015051052,Baik Dua\n"
    r = _upload(client, text)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "2 akun diimpor" in html and "Baik Dua" in html


def test_cli_import_users(app, runner, tmp_path):
    good = tmp_path / "ok.csv"
    good.write_text("nip,nama,roles\n198609262015051061,Cli Satu,coach\n")
    result = runner.invoke(args=["lms", "import-users", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 akun diimpor" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("nip,nama\n198609262015051062,Cli Dua\n123,Cli Tiga\n")
    result = runner.invoke(args=["lms", "import-users", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, baris 3" in result.output
    assert db.session.scalar(select(User).where(User.nip == "198609262015051062")) is None


def test_profile_update_language_and_timezone(app, client, login_as):
    user = make_user()
    login_as(user)
    r = client.post(
        "/akun/profil",
        data={
            "email": "baru@contoh.go.id",
            "timezone": "Asia/Jayapura",
            "language": "en",
            "version": str(user.version),
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert user.timezone == "Asia/Jayapura" and user.language == "en"
    assert user.tz_label == "WIT"


def test_seed_demo_twice_changes_nothing_and_refuses_production(app, runner, monkeypatch):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count(User.id)))
    assert count >= 7
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == count
    app.config["ENV_NAME"] = "production"
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "produksi" in refused.output
