"""The app starts, answers /healthz, and refuses to start in production without a secret."""

import pytest
from sqlalchemy import text

from lms import create_app
from lms.config import ConfigError, build_config
from lms.extensions import db


def test_healthz_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_database_error(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/x/db.sqlite3")
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "error", "database": "error"}


def test_production_refuses_without_secret_key(tmp_path):
    env = {"LMS_ENV": "production"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)


def test_production_with_secret_key_builds(tmp_path):
    cfg = build_config(
        {"INSTANCE_PATH": str(tmp_path)}, environ={"LMS_ENV": "production", "SECRET_KEY": "x" * 40}
    )
    assert cfg["SESSION_COOKIE_SECURE"] is True


def test_postgres_url_gets_psycopg_driver(tmp_path):
    cfg = build_config({"INSTANCE_PATH": str(tmp_path)}, environ={"DATABASE_URL": "postgres://u:p@h/db"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"


def test_postgresql_prepare_threshold_and_options_come_from_the_environment(tmp_path):
    def connect_args(**env):
        cfg = build_config(
            {"INSTANCE_PATH": str(tmp_path)}, environ={"DATABASE_URL": "postgres://u:p@h/db", **env}
        )
        return cfg["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]

    assert connect_args() == {"prepare_threshold": 5}
    assert connect_args(LMS_PG_PREPARE_THRESHOLD="off") == {"prepare_threshold": None}
    assert connect_args(
        LMS_PG_PREPARE_THRESHOLD="2", LMS_PG_OPTIONS="-c plan_cache_mode=force_custom_plan"
    ) == {"prepare_threshold": 2, "options": "-c plan_cache_mode=force_custom_plan"}
    with pytest.raises(ConfigError, match="LMS_PG_PREPARE_THRESHOLD"):
        connect_args(LMS_PG_PREPARE_THRESHOLD="lima")


def test_database_is_tuned_for_its_dialect(app):
    """SQLite: WAL, foreign keys, busy timeout, no pre-ping. PostgreSQL: psycopg 3, idle
    connections pinged instead of every checkout, statements prepared after five runs
    (tests/test_database.py)."""
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.engine.pool._pre_ping is False
    else:
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
        assert db.engine.pool._pre_ping is False
        conn = db.session.connection().connection.dbapi_connection
        assert conn.prepare_threshold == 5  # plans kept: tests/test_database.py


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]


def test_unknown_page_is_friendly_404(client):
    r = client.get("/tidak-ada")
    assert r.status_code == 404
    assert b"Halaman tidak ditemukan" in r.data
    assert b"Traceback" not in r.data


def test_500_page_has_no_traceback(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret /etc/path SELECT * FROM users")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert b"SELECT" not in r.data and b"/etc/path" not in r.data
    assert b"Terjadi kesalahan" in r.data


def test_create_app_twice_is_independent(base_overrides, _schema):
    a, b = create_app(base_overrides), create_app(base_overrides)
    assert a is not b


def test_database_outage_answers_503_with_retry_after(make_app, tmp_path):
    """A database that cannot be reached is a 503 with Retry-After (HTML and JSON), not a 500."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/pelita.sqlite3")
    client = app.test_client()
    page = client.post("/login", data={"login": "peserta1", "password": "x"})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "Layanan sedang tidak tersedia" in page.get_data(as_text=True)
    with client.session_transaction() as sess:
        sess["_user_id"] = "a-login-token"  # a logged-in learner: loading them needs the database
    api = client.post(
        "/kuis/percobaan/1/jawaban",
        json={"question": 1, "values": {}},
        headers={"Accept": "application/json"},
    )
    assert api.status_code == 503 and api.get_json()["message"] == "Coba lagi beberapa saat lagi."
